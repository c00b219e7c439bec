// Unit tests for ratel/quantity.hpp: parsing and printing with units (KB = 1024 B, D1),
// rating increments (units_of rounds up), and checked arithmetic.
#include "ratel/quantity.hpp"

#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include <doctest/doctest.h>
#include <fmt/format.h>

namespace {

using ratel::dimension;
using ratel::quantity;
using ratel::quantity_error;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kib = 1024;
constexpr std::int64_t mib = 1024 * kib;
constexpr std::int64_t gib = 1024 * mib;

constexpr quantity bytes(std::int64_t n) {
  return quantity(n, dimension::bytes);
}
constexpr quantity seconds(std::int64_t n) {
  return quantity(n, dimension::seconds);
}

// A bare number has no unit, so it cannot become a quantity by accident.
static_assert(!std::is_convertible_v<std::int64_t, quantity>);
static_assert(!std::is_convertible_v<quantity, std::int64_t>);
// Rounding up to the increment is usable in constant expressions: 1025 B is two 1-KB units.
static_assert(units_of(bytes(1025), bytes(kib)) == 2);

}  // namespace

TEST_CASE("quantity::parse reads a whole number and a unit") {
  struct row {
    std::string_view text;
    std::int64_t value;
    dimension dim;
  };
  const row rows[] = {
      {"150 MB", 150 * mib, dimension::bytes},  // 150 x 1024 x 1024 = 157,286,400
      {"1 KB", kib, dimension::bytes},          // D1: binary units
      {"15 GB", 15 * gib, dimension::bytes},    // 15 x 2^30 = 16,106,127,360
      {"15GB", 15 * gib, dimension::bytes},     // the space is optional
      {"1025 B", 1025, dimension::bytes},
      {"0 B", 0, dimension::bytes},
      {"0 GB", 0, dimension::bytes},
      {"60 s", 60, dimension::seconds},
      {"1 min", 60, dimension::seconds},
      {"1 h", 3600, dimension::seconds},
      {"1 msg", 1, dimension::messages},
      {"2 msgs", 2, dimension::messages},
      {"1 use", 1, dimension::uses},
      {"3 uses", 3, dimension::uses},
      {"  150 MB\t", 150 * mib, dimension::bytes},  // surrounding blanks are ignored
      {"9223372036854775807 B", int64_max, dimension::bytes},
      {"8589934591 GB", int64_max - gib + 1, dimension::bytes},  // (2^33 - 1) x 2^30 = 2^63 - 2^30
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    const quantity q = quantity::parse(r.text);
    CHECK(q.value() == r.value);
    CHECK(q.dim() == r.dim);
  }
  CHECK(quantity::parse("150 MB").value() == 157'286'400);
  CHECK(quantity::parse("15 GB").value() == 16'106'127'360);
}

TEST_CASE("quantity::parse rejects fractions, signs, unknown units and overflow") {
  struct row {
    std::string_view text;
    std::string_view reason;  // a fragment of the message
  };
  const row rows[] = {
      {"1.5 MB", "whole numbers"},  // write 1536 KB
      {"1,5 MB", "whole numbers"},
      {"-3 MB", "whole number"},
      {"+3 MB", "whole number"},
      {"15 GiB", "unknown unit"},  // D1 spells binary units KB/MB/GB
      {"150 mb", "unknown unit"},
      {"150 M B", "unknown unit"},
      {"150", "unknown unit"},
      {"1 sec", "unknown unit"},
      {"", "whole number"},
      {"MB", "whole number"},
      {"99999999999999999999 B", "too large"},  // beyond int64 before the unit
      {"9223372036854775808 B", "too large"},   // 2^63
      {"8589934592 GB", "too large"},           // 2^33 x 2^30 = 2^63
      {"9007199254740992 KB", "too large"},     // 2^53 x 2^10 = 2^63
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    CHECK_THROWS_AS(quantity::parse(r.text), quantity_error);
    CHECK_THROWS_WITH(quantity::parse(r.text), doctest::Contains(std::string(r.reason).c_str()));
  }
}

TEST_CASE("quantity::to_string picks the coarsest unit that divides the value exactly") {
  struct row {
    quantity q;
    std::string_view text;
  };
  const row rows[] = {
      {bytes(150 * mib), "150 MB"},
      {bytes(1025), "1025 B"},  // not a whole number of KB
      {bytes(kib), "1 KB"},
      {bytes(1536 * kib), "1536 KB"},  // 1.5 MB is not whole, so KB
      {bytes(15 * gib), "15 GB"},
      {bytes(1024 * gib), "1024 GB"},  // GB is the coarsest unit
      {bytes(0), "0 B"},               // zero in the base unit, not "0 GB"
      {bytes(int64_max), "9223372036854775807 B"},
      {seconds(180), "3 min"},
      {seconds(3600), "60 min"},  // hours are read, but durations print in minutes
      {seconds(5400), "90 min"},
      {seconds(61), "61 s"},
      {seconds(0), "0 s"},
      {quantity(5, dimension::messages), "5 msg"},
      {quantity(1, dimension::uses), "1 use"},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    CHECK(r.q.to_string() == r.text);
    CHECK(quantity::parse(r.q.to_string()) == r.q);  // and back
  }
  CHECK(fmt::format("{}", bytes(150 * mib)) == "150 MB");
  CHECK(fmt::format("[{:>8}]", seconds(60)) == "[   1 min]");
}

TEST_CASE("units_of rounds a quantity up to whole increments") {
  const quantity kb = quantity::parse("1 KB");
  const quantity minute = quantity::parse("1 min");
  CHECK(units_of(bytes(1025), kb) == 2);  // 1 KB + 1 B starts a second KB
  CHECK(units_of(bytes(1), kb) == 1);     // any usage costs at least one increment
  CHECK(units_of(bytes(0), kb) == 0);     // no usage, nothing to rate
  CHECK(units_of(bytes(1024), kb) == 1);  // an exact multiple is not rounded
  CHECK(units_of(bytes(150 * mib), kb) == 153'600);
  CHECK(units_of(seconds(61), minute) == 2);
  CHECK(units_of(seconds(60), minute) == 1);
  CHECK(units_of(seconds(59), minute) == 1);
  CHECK(units_of(bytes(int64_max), kb) == int64_max / 1024 + 1);  // no overflow at the top
  CHECK(units_of(bytes(5), bytes(1)) == 5);
}

TEST_CASE("times, + and - are checked and keep the dimension") {
  const quantity kb = quantity::parse("1 KB");
  CHECK(ratel::times(20'480, kb) == quantity::parse("20 MB"));
  CHECK(ratel::times(0, kb).is_zero());
  CHECK(ratel::times(int64_max / kib, kb).value() == int64_max / kib * kib);
  CHECK_THROWS_AS(ratel::times(int64_max / kib + 1, kb), quantity_error);
  CHECK_THROWS_AS(ratel::times(int64_max, quantity::parse("1 h")), quantity_error);

  CHECK(bytes(1) + bytes(2) == bytes(3));
  CHECK((seconds(60) + seconds(0)).dim() == dimension::seconds);
  CHECK(bytes(int64_max - 1) + bytes(1) == bytes(int64_max));
  CHECK_THROWS_AS(bytes(int64_max) + bytes(1), quantity_error);
  CHECK(bytes(5) - bytes(5) == bytes(0));
  CHECK(bytes(5) - bytes(2) == bytes(3));

  CHECK(min(bytes(3), bytes(2)) == bytes(2));
  CHECK(bytes(2) < bytes(3));
  CHECK(seconds(60) == quantity::parse("1 min"));
  CHECK(seconds(60) != quantity(60, dimension::messages));  // same number, other dimension
}

TEST_CASE("dimension names") {
  CHECK(ratel::to_string(dimension::bytes) == "bytes");
  CHECK(ratel::to_string(dimension::seconds) == "seconds");
  CHECK(ratel::to_string(dimension::messages) == "messages");
  CHECK(ratel::to_string(dimension::uses) == "uses");
}
