// Unit tests for ratel/money.hpp: parsing and printing, every rounding mode, overflow,
// currency mismatch, the operator documents' worked numbers, compile-time guarantees, and a
// property test against an independent oracle written with boost::multiprecision::cpp_rational.
#include "ratel/money.hpp"

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/multiprecision/cpp_int.hpp>

template <>
struct doctest::StringMaker<ratel::money> {
  static doctest::String convert(const ratel::money& m) {
    return fmt::format("{:c} ({} micros)", m, m.micros()).c_str();
  }
};

namespace {

using ratel::currency;
using ratel::money;
using ratel::money_error;
using ratel::rounding;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

const currency cny = currency::parse("CNY");
const currency usd = currency::parse("USD");

money yuan(std::string_view text) {
  return money::parse(text, cny);
}
money micros(std::int64_t value) {
  return money::from_micros(value, cny);
}

// The modes in declaration order; the tables below list one expectation per mode in this order.
constexpr std::array<rounding, 7> all_modes{
    rounding::half_up, rounding::half_even, rounding::half_down, rounding::down,
    rounding::up,      rounding::floor,     rounding::ceiling};

// ---------------------------------------------------------------------------------------------
// Must-not-compile checks. Each concept asks whether an expression is well-formed, so a
// static_assert on its negation fails the build if someone adds the operation.

template <typename A, typename B>
concept multipliable = requires {
  std::declval<A>() * std::declval<B>();
};
template <typename A, typename B>
concept dividable = requires {
  std::declval<A>() / std::declval<B>();
};
template <typename A, typename B>
concept addable = requires {
  std::declval<A>() + std::declval<B>();
};
template <typename A, typename B>
concept subtractable = requires {
  std::declval<A>() - std::declval<B>();
};
template <typename N, typename D>
concept mul_div_accepts = requires {
  mul_div(std::declval<money>(), std::declval<N>(), std::declval<D>(), rounding::half_up);
};

// money * money has no meaning (yuan squared); a rate times a count of units does.
static_assert(!multipliable<money, money>);
static_assert(multipliable<money, std::int64_t>);
static_assert(multipliable<std::int64_t, money>);
static_assert(multipliable<money, int>);
// A fractional factor needs a named rounding (mul_div), never a silent truncation to int64.
static_assert(!multipliable<money, double>);
static_assert(!multipliable<double, money>);
static_assert(!multipliable<money, float>);
static_assert(!multipliable<money, long double>);
static_assert(!dividable<money, money>);
static_assert(!dividable<money, std::int64_t>);
static_assert(mul_div_accepts<std::int64_t, std::int64_t>);
static_assert(mul_div_accepts<int, int>);
static_assert(!mul_div_accepts<double, std::int64_t>);
static_assert(!mul_div_accepts<std::int64_t, double>);
static_assert(!mul_div_accepts<double, double>);
// Amounts only meet amounts: money + int would have to guess the scale (units? micros?).
static_assert(addable<money, money>);
static_assert(!addable<money, int>);
static_assert(!addable<int, money>);
static_assert(!addable<money, std::int64_t>);
static_assert(!addable<money, double>);
static_assert(!subtractable<money, int>);
static_assert(!subtractable<double, money>);
static_assert(!std::equality_comparable_with<money, int>);
static_assert(!std::totally_ordered_with<money, std::int64_t>);
// No implicit (or even explicit single-argument) conversion in either direction.
static_assert(!std::is_convertible_v<int, money>);
static_assert(!std::is_convertible_v<std::int64_t, money>);
static_assert(!std::is_convertible_v<double, money>);
static_assert(!std::is_convertible_v<const char*, money>);
static_assert(!std::is_convertible_v<std::string_view, money>);
static_assert(!std::is_constructible_v<money, int>);
static_assert(!std::is_constructible_v<money, double>);
static_assert(!std::is_constructible_v<money, std::int64_t, currency>);  // use from_micros
static_assert(!std::is_convertible_v<money, std::int64_t>);
static_assert(!std::is_convertible_v<money, double>);
static_assert(!std::is_convertible_v<money, bool>);
static_assert(!std::is_convertible_v<std::string_view, currency>);
static_assert(!std::is_convertible_v<int, rounding>);
// Cheap value types.
static_assert(std::is_trivially_copyable_v<money>);
static_assert(std::is_trivially_copyable_v<currency>);
static_assert(money::from_micros(5, currency{}).micros() == 5);

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("currency::parse takes exactly three upper-case ASCII letters") {
  CHECK(cny.code() == "CNY");
  CHECK(currency::parse("USD").code() == "USD");
  CHECK(currency{}.code() == "XXX");  // the placeholder is ISO 4217's "no currency"
  CHECK(currency::parse("XXX") == currency{});
  CHECK(cny != usd);
  for (std::string_view bad : {"", "C", "CN", "CNYY", "cny", "Cny", "C1Y", " CNY", "CNY ", "CN Y",
                               "C-Y", "\u00c4BC" /* non-ASCII letter */, "@@@", "[[["}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(currency::parse(bad), money_error);
    CHECK_THROWS_WITH(currency::parse(bad), doctest::Contains(fmt::format("\"{}\"", bad).c_str()));
  }
}

TEST_CASE("rounding names round-trip and nothing else parses") {
  const std::array<std::string_view, 7> names{"half_up", "half_even", "half_down", "down",
                                              "up",      "floor",     "ceiling"};
  for (std::size_t i = 0; i < all_modes.size(); ++i) {
    CHECK(to_string(all_modes[i]) == names[i]);
    CHECK(ratel::parse_rounding(names[i]) == all_modes[i]);
  }
  for (std::string_view bad : {"", "HALF_UP", "half-up", "half_up ", " half_up", "halfup",
                               "nearest", "truncate", "round"}) {
    CAPTURE(bad);
    CHECK_FALSE(ratel::parse_rounding(bad).has_value());
  }
}

TEST_CASE("money::parse accepts sign, digits and up to six decimals") {
  struct row {
    std::string_view text;
    std::int64_t micros;
  };
  const row rows[] = {
      {"0", 0},
      {"-0", 0},
      {"+0.000000", 0},
      {"12", 12'000'000},
      {"12.3", 12'300'000},
      {"-0.0005", -500},
      {"+7.10", 7'100'000},
      {"0.000001", 1},
      {"-0.000001", -1},
      {"007.50", 7'500'000},                        // leading zeros are harmless
      {"00000000000000000000000001.5", 1'500'000},  // ... however many
      {"534.53", 534'530'000},
      {"9223372036854", 9'223'372'036'854'000'000},
      {"9223372036854.775807", int64_max},  // the largest amount: INT64_MAX micros
      {"+9223372036854.775807", int64_max},
      {"-9223372036854.775807", -int64_max},
      {"-9223372036854.775808", int64_min},  // one more on the negative side
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    const money m = yuan(r.text);
    CHECK(m.micros() == r.micros);
    CHECK(m.unit() == cny);
  }
  CHECK(money::parse("1.5", usd).unit() == usd);
}

TEST_CASE("money::parse rejects malformed, over-precise and out-of-range text, quoting it") {
  struct row {
    std::string_view text;
    std::string_view reason;  // a fragment of the message
  };
  const row rows[] = {
      {"", "empty"},
      {".5", "expected a digit before '.'"},
      {"-.5", "expected a digit before '.'"},
      {"5.", "digit after"},
      {".", "expected a digit before '.'"},
      {"+", "expected digits after the sign"},
      {"-", "expected digits after the sign"},
      {"--5", "unexpected character '-' at position 2"},
      {"+-5", "unexpected character '-' at position 2"},
      {"1e3", "unexpected character 'e' at position 2"},
      {"1E3", "unexpected character 'E'"},
      {" 5", "unexpected character ' ' at position 1"},
      {"5 ", "unexpected character ' ' at position 2"},
      {"1 000", "unexpected character ' '"},
      {"- 5", "unexpected character ' ' at position 2"},
      {"1,5", "unexpected character ','"},
      {"1.2.3", "unexpected character '.' at position 4"},
      {"0x10", "unexpected character 'x'"},
      {"five", "unexpected character 'f' at position 1"},
      {"12.34 CNY", "unexpected character ' ' at position 6"},
      {"\xef\xbc\x91", "unexpected byte 0xEF at position 1"},  // a full-width digit is not ASCII
      {"5\n", "unexpected byte 0x0A at position 2"},           // control characters in hex
      {"0.0000001", "has 7 decimals; at most 6 are held exactly"},
      {"1.1234567", "has 7 decimals"},
      {"-1.50000000", "has 8 decimals"},  // never rounds silently, not even trailing zeros
      {"9223372036854.775808", "out of range"},
      {"-9223372036854.775809", "out of range"},
      {"9223372036855", "out of range"},
      {"18446744073709.551616", "out of range"},  // 2^64 micros: must not wrap to 0
      {"18446744073709.551617", "out of range"},  // 2^64 + 1 micros: must not wrap to 1
      {"99999999999999999999999999", "out of range"},
  };
  for (const row& r : rows) {
    CAPTURE(r.text);
    CHECK_THROWS_AS(yuan(r.text), money_error);
    CHECK_THROWS_WITH(yuan(r.text), doctest::Contains(std::string(r.reason).c_str()));
    CHECK_THROWS_WITH(yuan(r.text), doctest::Contains(fmt::format("\"{}\"", r.text).c_str()));
  }
}

TEST_CASE("to_string is the shortest exact decimal with at least two decimals") {
  struct row {
    std::int64_t micros;
    std::string_view text;
  };
  const row rows[] = {
      {0, "0.00"},
      {20'000'000, "20.00"},
      {500, "0.0005"},
      {-3'100'000, "-3.10"},
      {1, "0.000001"},
      {-1, "-0.000001"},
      {10, "0.00001"},
      {100'000, "0.10"},
      {-10'000, "-0.01"},
      {512'000, "0.512"},
      {1'000'000, "1.00"},
      {123'456'789, "123.456789"},
      {int64_max, "9223372036854.775807"},
      {int64_min, "-9223372036854.775808"},  // no negation overflow on the way
      {-int64_max, "-9223372036854.775807"},
  };
  for (const row& r : rows) {
    CAPTURE(r.micros);
    CHECK(micros(r.micros).to_string() == r.text);
    CHECK(yuan(r.text).micros() == r.micros);  // and back
  }
}

TEST_CASE("to_string(places) prints exactly that many decimals or throws") {
  CHECK(yuan("20").to_string(0) == "20");
  CHECK(yuan("20").to_string(2) == "20.00");
  CHECK(yuan("20").to_string(6) == "20.000000");
  CHECK(yuan("-3.1").to_string(1) == "-3.1");
  CHECK(yuan("0.512").to_string(3) == "0.512");
  CHECK(yuan("0.512").to_string(4) == "0.5120");
  CHECK(micros(0).to_string(0) == "0");
  CHECK(micros(int64_min).to_string(6) == "-9223372036854.775808");
  CHECK(micros(int64_max).to_string(6) == "9223372036854.775807");
  // Dropping a non-zero digit would be a silent rounding: the caller must round_to first.
  CHECK_THROWS_AS(yuan("0.512").to_string(2), money_error);
  CHECK_THROWS_WITH(yuan("0.512").to_string(2), doctest::Contains("0.512 CNY"));
  CHECK_THROWS_AS(yuan("-0.000001").to_string(5), money_error);
  CHECK_THROWS_AS(micros(int64_min).to_string(5), money_error);
  CHECK_THROWS_AS(yuan("1").to_string(-1), money_error);
  CHECK_THROWS_AS(yuan("1").to_string(7), money_error);
}

TEST_CASE("fmt formats money as to_string, with the currency on request") {
  CHECK(fmt::format("{}", yuan("20")) == "20.00");
  CHECK(fmt::format("{:c}", yuan("-0.0005")) == "-0.0005 CNY");
  CHECK(fmt::format("[{}]", money{}) == "[0.00]");
}

TEST_CASE("zero, the placeholder currency and comparisons") {
  CHECK(money{}.is_zero());
  CHECK(money{}.unit() == currency{});
  CHECK(money::zero(cny).unit() == cny);
  CHECK(money::zero(cny) == yuan("0.00"));
  CHECK(yuan("-0.01").is_negative());
  CHECK_FALSE(yuan("0").is_negative());
  CHECK(yuan("1.99") < yuan("2"));
  CHECK(yuan("-2") < yuan("-1.99"));
  CHECK(yuan("2.00") == yuan("2"));
  CHECK(yuan("2.00") != yuan("2.000001"));
  CHECK((yuan("3") <=> yuan("3")) == std::strong_ordering::equal);
  CHECK(yuan("0.1") + yuan("0.2") == yuan("0.3"));  // exact, unlike binary floating point
}

TEST_CASE("currency mismatch throws in +, -, comparisons and equality") {
  const money a = yuan("1.00");
  const money b = money::parse("1.00", usd);
  money c = a;
  CHECK_THROWS_AS(a + b, money_error);
  CHECK_THROWS_AS(a - b, money_error);
  CHECK_THROWS_AS(c += b, money_error);
  CHECK_THROWS_AS(c -= b, money_error);
  CHECK(c == a);  // a failed += leaves the target unchanged
  CHECK_THROWS_AS(static_cast<void>(a == b), money_error);
  CHECK_THROWS_AS(static_cast<void>(a != b), money_error);
  CHECK_THROWS_AS(static_cast<void>(a < b), money_error);
  CHECK_THROWS_AS(static_cast<void>(a >= b), money_error);
  CHECK_THROWS_AS(static_cast<void>(a <=> b), money_error);
  // The placeholder is a currency too: an accumulator must start at money::zero(c).
  CHECK_THROWS_AS(money{} + a, money_error);
  CHECK_THROWS_WITH(a + b, doctest::Contains("1.00 CNY + 1.00 USD"));
}

TEST_CASE("overflow throws money_error instead of wrapping") {
  const money max = micros(int64_max);
  const money min = micros(int64_min);
  const money tick = micros(1);
  // Sums and differences.
  CHECK_THROWS_AS(max + tick, money_error);
  CHECK_THROWS_AS(min - tick, money_error);
  CHECK_THROWS_AS(min + micros(-1), money_error);
  CHECK_THROWS_AS(max - micros(-1), money_error);
  CHECK((max + min).micros() == -1);
  CHECK((max - max).micros() == 0);
  CHECK((min - min).micros() == 0);
  // Negation: -INT64_MIN does not fit.
  CHECK_THROWS_AS(-min, money_error);
  CHECK((-max).micros() == -int64_max);
  // Products with a count.
  CHECK_THROWS_AS(max * 2, money_error);
  CHECK_THROWS_AS(2 * max, money_error);
  CHECK_THROWS_AS(min * -1, money_error);
  CHECK_THROWS_AS(micros(-1) * int64_min, money_error);
  CHECK_THROWS_AS(yuan("0.01") * int64_max, money_error);
  CHECK((tick * int64_min).micros() == int64_min);
  CHECK((max * -1).micros() == -int64_max);
  CHECK((micros(0) * int64_min).micros() == 0);
  CHECK((min * 1).micros() == int64_min);
  CHECK((micros(2) * (int64_max / 2)).micros() == int64_max - 1);
  // mul_div: the 128-bit intermediate never overflows, only the final result can.
  CHECK(mul_div(max, int64_max, int64_max, rounding::down).micros() == int64_max);
  CHECK(mul_div(min, int64_max, int64_max, rounding::down).micros() == int64_min);
  CHECK_THROWS_AS(static_cast<void>(mul_div(min, int64_min, int64_max, rounding::down)),
                  money_error);  // 2^126/(2^63-1)
  CHECK_THROWS_AS(static_cast<void>(mul_div(max, 2, 1, rounding::down)), money_error);
  CHECK_THROWS_AS(static_cast<void>(mul_div(max, int64_max, 1, rounding::down)), money_error);
  CHECK_THROWS_AS(static_cast<void>(mul_div(min, -1, 1, rounding::down)), money_error);
  CHECK(mul_div(max, 2, 2, rounding::down).micros() == int64_max);
  CHECK(mul_div(min, 1, 1, rounding::down).micros() == int64_min);
  // round_to: rounding away from zero past the last representable multiple.
  CHECK_THROWS_AS(static_cast<void>(round_to(max, 0, rounding::up)), money_error);  // 9223372036855
  CHECK_THROWS_AS(static_cast<void>(round_to(max, 0, rounding::half_up)),
                  money_error);  // .775807 > .5
  CHECK_THROWS_AS(static_cast<void>(round_to(min, 2, rounding::floor)), money_error);  // -...854.78
  CHECK(round_to(max, 0, rounding::down).to_string() == "9223372036854.00");
  CHECK(round_to(min, 2, rounding::ceiling).to_string() == "-9223372036854.77");
  CHECK(round_to(max, 6, rounding::up).micros() == int64_max);
  CHECK(round_to(min, 6, rounding::floor).micros() == int64_min);
  // The errors are money_error, never Boost's std::overflow_error, and name the operands.
  CHECK_THROWS_WITH(max * 2, doctest::Contains("9223372036854.775807 CNY x 2"));
}

// One row per input; `expected` lists the result for each mode in all_modes order:
// half_up, half_even, half_down, down, up, floor, ceiling.
struct mode_row {
  std::string_view input;
  int places;
  std::array<std::string_view, 7> expected;
};

TEST_CASE("round_to: every mode on positive and negative ties and non-ties") {
  const mode_row rows[] = {
      // Ties (exactly half a cent). 1.005 has an even lower neighbour (1.00), 1.015 an odd
      // one (1.01), so half_even goes down for the first and up for the second.
      {"1.005", 2, {"1.01", "1.00", "1.00", "1.00", "1.01", "1.00", "1.01"}},
      {"-1.005", 2, {"-1.01", "-1.00", "-1.00", "-1.00", "-1.01", "-1.01", "-1.00"}},
      {"1.015", 2, {"1.02", "1.02", "1.01", "1.01", "1.02", "1.01", "1.02"}},
      {"-1.015", 2, {"-1.02", "-1.02", "-1.01", "-1.01", "-1.02", "-1.02", "-1.01"}},
      // Below half: the nearest-modes agree on the neighbour toward zero.
      {"1.004999", 2, {"1.00", "1.00", "1.00", "1.00", "1.01", "1.00", "1.01"}},
      {"-1.004999", 2, {"-1.00", "-1.00", "-1.00", "-1.00", "-1.01", "-1.01", "-1.00"}},
      // Above half: the nearest-modes agree on the neighbour away from zero.
      {"1.005001", 2, {"1.01", "1.01", "1.01", "1.00", "1.01", "1.00", "1.01"}},
      {"-1.005001", 2, {"-1.01", "-1.01", "-1.01", "-1.00", "-1.01", "-1.01", "-1.00"}},
      // Exact: nothing to round.
      {"1.23", 2, {"1.23", "1.23", "1.23", "1.23", "1.23", "1.23", "1.23"}},
      {"-1.23", 2, {"-1.23", "-1.23", "-1.23", "-1.23", "-1.23", "-1.23", "-1.23"}},
      // Smallest amounts: -0.000001 rounds to zero (printed "0.00", no "-0.00") or -0.01.
      {"-0.000001", 2, {"0.00", "0.00", "0.00", "0.00", "-0.01", "-0.01", "0.00"}},
      {"0.000001", 2, {"0.00", "0.00", "0.00", "0.00", "0.01", "0.00", "0.01"}},
      // Whole units: 2.5 and 3.5 are ties with an even and an odd lower neighbour.
      {"2.5", 0, {"3.00", "2.00", "2.00", "2.00", "3.00", "2.00", "3.00"}},
      {"3.5", 0, {"4.00", "4.00", "3.00", "3.00", "4.00", "3.00", "4.00"}},
      {"-2.5", 0, {"-3.00", "-2.00", "-2.00", "-2.00", "-3.00", "-3.00", "-2.00"}},
      {"-3.5", 0, {"-4.00", "-4.00", "-3.00", "-3.00", "-4.00", "-4.00", "-3.00"}},
      {"0.5", 0, {"1.00", "0.00", "0.00", "0.00", "1.00", "0.00", "1.00"}},
      {"-0.5", 0, {"-1.00", "0.00", "0.00", "0.00", "-1.00", "-1.00", "0.00"}},
      // Other quanta: a tie at 10^-5, and 6 places as the identity.
      {"0.000015",
       5,
       {"0.00002", "0.00002", "0.00001", "0.00001", "0.00002", "0.00001", "0.00002"}},
      {"-0.000025",
       5,
       {"-0.00003", "-0.00002", "-0.00002", "-0.00002", "-0.00003", "-0.00003", "-0.00002"}},
      {"-7.654321",
       6,
       {"-7.654321", "-7.654321", "-7.654321", "-7.654321", "-7.654321", "-7.654321", "-7.654321"}},
  };
  for (const mode_row& r : rows) {
    for (std::size_t i = 0; i < all_modes.size(); ++i) {
      CAPTURE(r.input);
      CAPTURE(r.places);
      CAPTURE(to_string(all_modes[i]));
      const money rounded = round_to(yuan(r.input), r.places, all_modes[i]);
      CHECK(rounded.to_string() == r.expected[i]);
      CHECK(rounded.unit() == cny);
    }
  }
  CHECK_THROWS_AS(static_cast<void>(round_to(yuan("1"), -1, rounding::half_up)), money_error);
  CHECK_THROWS_AS(static_cast<void>(round_to(yuan("1"), 7, rounding::half_up)), money_error);
}

TEST_CASE("mul_div: every mode, rounding the exact ratio once to the micro-unit") {
  struct row {
    std::string_view input;
    std::int64_t numerator;
    std::int64_t denominator;
    std::array<std::string_view, 7> expected;  // half_up ... ceiling, as in all_modes
  };
  const row rows[] = {
      // 1/3 = 0.333333|33...: below half.
      {"1",
       1,
       3,
       {"0.333333", "0.333333", "0.333333", "0.333333", "0.333334", "0.333333", "0.333334"}},
      {"-1",
       1,
       3,
       {"-0.333333", "-0.333333", "-0.333333", "-0.333333", "-0.333334", "-0.333334", "-0.333333"}},
      // 2/3 = 0.666666|67...: above half.
      {"1",
       2,
       3,
       {"0.666667", "0.666667", "0.666667", "0.666666", "0.666667", "0.666666", "0.666667"}},
      {"1",
       -2,
       3,
       {"-0.666667", "-0.666667", "-0.666667", "-0.666666", "-0.666667", "-0.666667", "-0.666666"}},
      // 0.000001/2 = 0.5 micro: a tie with an even (0) lower neighbour.
      {"0.000001", 1, 2, {"0.000001", "0.00", "0.00", "0.00", "0.000001", "0.00", "0.000001"}},
      // 0.000003/2 = 1.5 micros: a tie with an odd (1) lower neighbour.
      {"0.000003",
       1,
       2,
       {"0.000002", "0.000002", "0.000001", "0.000001", "0.000002", "0.000001", "0.000002"}},
      {"-0.000003",
       1,
       2,
       {"-0.000002", "-0.000002", "-0.000001", "-0.000001", "-0.000002", "-0.000002", "-0.000001"}},
      // A negative numerator: 0.000005 x -1/2 = -2.5 micros.
      {"0.000005",
       -1,
       2,
       {"-0.000003", "-0.000002", "-0.000002", "-0.000002", "-0.000003", "-0.000003", "-0.000002"}},
      // Exact ratios are not rounded: 20.00 x 15/30 = 10.
      {"20", 15, 30, {"10.00", "10.00", "10.00", "10.00", "10.00", "10.00", "10.00"}},
      {"20", 0, 31, {"0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00"}},
  };
  for (const row& r : rows) {
    for (std::size_t i = 0; i < all_modes.size(); ++i) {
      CAPTURE(r.input);
      CAPTURE(r.numerator);
      CAPTURE(r.denominator);
      CAPTURE(to_string(all_modes[i]));
      CHECK(mul_div(yuan(r.input), r.numerator, r.denominator, all_modes[i]).to_string() ==
            r.expected[i]);
    }
  }
  // The ratio is a fraction of a positive number of parts.
  CHECK_THROWS_AS(static_cast<void>(mul_div(yuan("20"), 22, 0, rounding::half_up)), money_error);
  CHECK_THROWS_AS(static_cast<void>(mul_div(yuan("20"), 22, -31, rounding::half_up)), money_error);
  CHECK_THROWS_WITH(static_cast<void>(mul_div(yuan("20"), 22, 0, rounding::half_up)),
                    doctest::Contains("positive"));
}

TEST_CASE("worked values from the operator documents (RULES.md)") {
  struct row {
    std::string_view rule;
    money value;
    std::string_view expected;
  };
  const money gprs_fee = yuan("20.00");
  const row rows[] = {
      // D4 (R-PRO-02): GPRS 20 subscribed for 22 active days of a 31-day month:
      // 20 x 22/31 = 440/31 = 14.193548387..., to the micro half_up 14.193548 ...
      {"D4 fee x 22/31 to micros", mul_div(gprs_fee, 22, 31, rounding::half_up), "14.193548"},
      // ... and the bill line to the cent (D2) half_up: 14.19|3548 -> 14.19.
      {"D4 fee x 22/31 to cents",
       round_to(mul_div(gprs_fee, 22, 31, rounding::half_up), 2, rounding::half_up), "14.19"},
      // D4, one active day of 31: 20/31 = 0.645161290... -> 0.645161 -> 0.65 (third decimal 5).
      {"D4 fee x 1/31 to cents",
       round_to(mul_div(gprs_fee, 1, 31, rounding::half_up), 2, rounding::half_up), "0.65"},
      // D4, half of a 30-day month is exact: 20 x 15/30 = 10.
      {"D4 fee x 15/30", mul_div(gprs_fee, 15, 30, rounding::half_up), "10.00"},
      // R-DATA-01: 0.01 yuan/KB standard rate, 20 MB = 20 x 1024 KB = 20480 KB:
      // 0.01 x 20480 = 204.80, exact.
      {"R-DATA-01 0.01/KB x 20480 KB", yuan("0.01") * 20'480, "204.80"},
      // F3:L1018: 0.0005 yuan/KB "equals 0.512 yuan/MB": 0.0005 x 1024 = 0.512, exact.
      {"F3:L1018 0.0005/KB x 1024 KB", yuan("0.0005") * 1'024, "0.512"},
      // D6: every KB beyond 15 GB at 0.0005/KB; 1 GB more = 1024 x 1024 = 1048576 KB:
      // 0.0005 x 1048576 = 524.288, line to the cent half_up -> 524.29.
      {"D6 0.0005/KB x 1 GB, line", round_to(yuan("0.0005") * 1'048'576, 2, rounding::half_up),
       "524.29"},
      // D6 cap: 50 MB beyond the allowance at 0.01/KB = 0.01 x 51200 = 512.00, above the
      // 500.00 cap, so the line is the cap.
      {"D6 cap", std::min(yuan("0.01") * 51'200, yuan("500.00")), "500.00"},
      // D2: charges kept at full precision, the line rounded once: four 3-KB records at
      // 0.0005/KB are 4 x 0.0015 = 0.006 -> 0.01 (rounding each record first would give 0.00).
      {"D2 line of sub-cent records",
       round_to(yuan("0.0005") * 3 + yuan("0.0005") * 3 + yuan("0.0005") * 3 + yuan("0.0005") * 3,
                2, rounding::half_up),
       "0.01"},
      // R-PRO-10: wireless broadband beyond the included minutes at 0.02 yuan/min, 61 min:
      // 0.02 x 61 = 1.22.
      {"R-PRO-10 0.02/min x 61", yuan("0.02") * 61, "1.22"},
      // R-OTH-04 (F3:L410-418): 0.19 yuan/min to the home and nominated city, 7 min:
      // 0.19 x 7 = 1.33.
      {"R-OTH-04 0.19/min x 7", yuan("0.19") * 7, "1.33"},
      // R-OTH-03 (F3:L748-756): IP long-distance fee 0.3 yuan/min, 12 min: 0.3 x 12 = 3.60.
      {"R-OTH-03 0.3/min x 12", yuan("0.3") * 12, "3.60"},
      // R-OTH-05 (F3:L1134-1142): spam MMS forwarded to the reporting port at the normal
      // 0.3 yuan each, 3 MMS: 0.3 x 3 = 0.90.
      {"R-OTH-05 0.3 x 3 MMS", 3 * yuan("0.3"), "0.90"},
      // D10: 88.00 roaming day pass, data used on 3 Beijing days: 88 x 3 = 264.00.
      {"D10 88.00 x 3 days", yuan("88.00") * 3, "264.00"},
      // D16: deposit 100 returned as 20 at once plus 8 a month for 10 months: 20 + 8 x 10 = 100.
      {"D16 deposit 100 release", yuan("20") + yuan("8") * 10, "100.00"},
      // D16: deposit 200 returned as 50 at once plus 10 a month for 15 months: 50 + 150 = 200.
      {"D16 deposit 200 release", yuan("50") + yuan("10") * 15, "200.00"},
      // D7: 85.50 billed gives 85 points, one per whole yuan with fractions dropped: the bill
      // rounded to 0 places toward zero is 85.
      {"D7 whole yuan for points", round_to(yuan("85.50"), 0, rounding::down), "85.00"},
      // D14: the customer gets 2 x the overcharge; disputed 14.19 vs recomputed 10.69 is an
      // overcharge of 3.50, refunded as 7.00.
      {"D14 double refund", (yuan("14.19") - yuan("10.69")) * 2, "7.00"},
  };
  for (const row& r : rows) {
    CAPTURE(r.rule);
    CHECK(r.value.to_string() == r.expected);
  }
  CHECK(round_to(yuan("85.50"), 0, rounding::down).to_string(0) == "85");
}

// ---------------------------------------------------------------------------------------------
// Property test: random operations against an oracle that works in exact rationals.
//
// The oracle models an amount as the rational number of currency units it stands for
// (micros / 10^6), computes each operation's exact value with cpp_rational, and rounds it with
// rules written from the enum's definitions on top of a floor function. It shares no code with
// the engine, which works from a truncated 128-bit quotient and its remainder. Where the exact
// value is not a whole number of micros in int64 range, the engine must throw money_error.

namespace {

namespace mp = boost::multiprecision;
using integer = mp::cpp_int;
using rational = mp::cpp_rational;

const integer oracle_micros_per_unit = 1'000'000;

integer power_of_ten(int exponent) {
  integer p = 1;
  for (int i = 0; i < exponent; ++i) p *= 10;
  return p;
}

bool fits_int64(const integer& micros) {
  return micros >= int64_min && micros <= int64_max;
}

// The number of units an amount stands for.
rational units_of(const money& m) {
  return rational(integer(m.micros()), oracle_micros_per_unit);
}

// floor(x): the greatest integer not above x.
integer floor_of(const rational& x) {
  const integer n = mp::numerator(x);
  const integer d = mp::denominator(x);  // positive in canonical form
  integer q = n / d;                     // toward zero, so one too high for negative x ...
  if (q * d > n) --q;                    // ... which this undoes
  return q;
}

// x rounded to an integer by `mode`, from the definitions in money.hpp. `tie` tells whether
// x was exactly halfway between two integers (to measure how often the data reaches ties).
integer round_rational(const rational& x, rounding mode, bool& tie) {
  const integer below = floor_of(x);
  const rational excess = x - rational(below);  // in [0, 1)
  const rational half(1, 2);
  tie = excess == half;
  if (excess == 0) return below;
  const integer above = below + 1;
  const integer toward_zero = x > 0 ? below : above;
  const integer away_from_zero = x > 0 ? above : below;
  switch (mode) {
    case rounding::floor:
      return below;
    case rounding::ceiling:
      return above;
    case rounding::down:
      return toward_zero;
    case rounding::up:
      return away_from_zero;
    case rounding::half_up:
    case rounding::half_even:
    case rounding::half_down:
      break;
  }
  // The nearest of below and above; at a tie, the mode decides.
  if (excess < half) return below;
  if (excess > half) return above;
  if (mode == rounding::half_up) return away_from_zero;
  if (mode == rounding::half_down) return toward_zero;
  return below % 2 == 0 ? below : above;  // half_even
}

// The micros of an exact number of units (which must be a whole number of micros).
integer micros_of(const rational& units) {
  const rational scaled = units * oracle_micros_per_unit;
  if (mp::denominator(scaled) != 1) throw std::logic_error("oracle: not a whole number of micros");
  return mp::numerator(scaled);
}

// Grammar of money text, checked by std::regex rather than by hand: sign, digits, and an
// optional point followed by at least one digit.
const std::regex decimal_syntax{"([+-]?)([0-9]+)(?:\\.([0-9]+))?"};

struct oracle_text {
  bool well_formed = false;
  std::size_t decimals = 0;
  rational units;
};

oracle_text read_text(const std::string& text) {
  oracle_text out;
  std::smatch match;
  if (!std::regex_match(text, match, decimal_syntax)) return out;
  out.well_formed = true;
  const std::string digits = match[2].str() + match[3].str();
  out.decimals = match[3].length();
  integer value = 0;
  for (char ch : digits) value = value * 10 + (ch - '0');
  if (match[1] == "-") value = -value;
  out.units = rational(value, power_of_ten(static_cast<int>(out.decimals)));
  return out;
}

// Text for a number of micros with `places` decimals, built from cpp_int's own digits.
std::string oracle_format(const integer& micros, int places) {
  std::string digits = integer(abs(micros)).str();
  if (digits.size() < 7) digits.insert(0, 7 - digits.size(), '0');
  digits.insert(digits.size() - 6, ".");
  digits.resize(digits.size() - static_cast<std::size_t>(6 - places));
  if (places == 0) digits.pop_back();  // the point
  return (micros < 0 ? "-" : "") + digits;
}

class generator {
 public:
  explicit generator(std::uint64_t seed) : rng_(seed) {}

  // Uniform enough for test data; the modulo bias is irrelevant here.
  std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  bool one_in(std::uint64_t n) { return below(n) == 0; }
  std::uint64_t bits() { return rng_(); }

  // Amounts in micros: small, whole cents, ties at every decimal place, medium, anywhere in
  // int64, at the edges of int64, notable constants, and numbers with a random digit count.
  std::int64_t amount() {
    switch (below(8)) {
      case 0:
        return static_cast<std::int64_t>(below(2'000'001)) - 1'000'000;
      case 1:
        return (static_cast<std::int64_t>(below(200'001)) - 100'000) * 10'000;
      case 2: {
        const std::int64_t quantum = small_power_of_ten(1 + below(6));
        return signed_(static_cast<std::int64_t>(below(1'000'000)) * quantum + quantum / 2);
      }
      case 3:
        return static_cast<std::int64_t>(below(2'000'000'000'000)) - 1'000'000'000'000;
      case 4:
        return static_cast<std::int64_t>(bits());
      case 5:
        return edge();
      case 6: {
        constexpr std::array<std::int64_t, 10> notable{
            0,         1,          -1, int64_max, int64_min, int64_max / 2, int64_min / 2,
            1'000'000, -1'000'000, 500};
        return notable[below(notable.size())];
      }
      default:
        return with_digits(1 + below(19));
    }
  }

  // Counts and numerators: small (with zero and negatives), usage-sized, powers of ten,
  // any digit count, anywhere in int64, and the edges.
  std::int64_t factor() {
    switch (below(6)) {
      case 0:
        return static_cast<std::int64_t>(below(21)) - 10;
      case 1:
        return static_cast<std::int64_t>(below(1'048'577));
      case 2:
        return signed_(small_power_of_ten(below(19)));
      case 3:
        return with_digits(1 + below(19));
      case 4:
        return static_cast<std::int64_t>(bits());
      default:
        return edge();
    }
  }

  // Denominators: mostly positive (2 makes ties common; days in a month; 365; powers of
  // ten; anything), one in eight zero or negative, which mul_div must refuse.
  std::int64_t denominator() {
    switch (below(8)) {
      case 0:
        return 2;
      case 1:
        return 28 + static_cast<std::int64_t>(below(4));
      case 2:
        return 365;
      case 3:
        return small_power_of_ten(below(19));
      case 4:
        return std::max<std::int64_t>(1, with_digits(1 + below(19)) & int64_max);
      case 5:
        return int64_max - static_cast<std::int64_t>(below(3));
      case 6:
        return one_in(4) ? 0 : -static_cast<std::int64_t>(below(1'000'000)) - 1;
      default:
        return 1 + static_cast<std::int64_t>(below(1'000'000));
    }
  }

  int places() { return static_cast<int>(below(7)); }
  rounding mode() { return all_modes[below(all_modes.size())]; }

  // Random money text: mostly well formed, sometimes with 7+ decimals, too many digits,
  // missing parts, or a stray character.
  std::string text() {
    std::string s;
    if (one_in(3)) s += one_in(2) ? '-' : '+';
    const std::uint64_t int_digits = one_in(8) ? below(3) : 1 + below(20);
    for (std::uint64_t i = 0; i < int_digits; ++i) s += static_cast<char>('0' + below(10));
    if (!one_in(4)) {
      s += '.';
      const std::uint64_t frac_digits = one_in(6) ? below(10) : 1 + below(6);
      for (std::uint64_t i = 0; i < frac_digits; ++i) s += static_cast<char>('0' + below(10));
    }
    if (one_in(12)) {
      constexpr std::string_view junk = " e,x.-+\t";
      s.insert(below(s.size() + 1), 1, junk[below(junk.size())]);
    }
    return s;
  }

 private:
  static std::int64_t small_power_of_ten(std::uint64_t exponent) {
    std::int64_t p = 1;
    for (std::uint64_t i = 0; i < exponent; ++i) p *= 10;
    return p;
  }
  std::int64_t signed_(std::int64_t v) { return one_in(2) ? v : -v; }
  std::int64_t with_digits(std::uint64_t digits) {
    return signed_(static_cast<std::int64_t>(below(
                       static_cast<std::uint64_t>(small_power_of_ten(digits > 18 ? 18 : digits)))) *
                   (digits > 18 ? 9 : 1));
  }
  std::int64_t edge() {
    const auto offset = static_cast<std::int64_t>(below(1000));
    return one_in(2) ? int64_max - offset : int64_min + offset;
  }

  std::mt19937_64 rng_;
};

struct property_stats {
  long operations = 0;
  long expected_errors = 0;
  std::array<long, 7> ties{};  // per mode, in all_modes order
  long failures = 0;
  std::vector<std::string> first_failures;

  template <typename Describe>
  void fail(Describe&& describe, std::string_view what) {
    if (++failures <= 20) first_failures.push_back(describe() + ": " + std::string(what));
  }

  // Runs `op`; `expected` is the exact result in micros, or nullopt if the operation must
  // be refused (currency mismatch, bad denominator). Out-of-range results must throw too.
  template <typename Op, typename Describe>
  void expect(Op&& op, const std::optional<integer>& expected, currency unit, Describe&& describe) {
    ++operations;
    const bool must_throw = !expected || !fits_int64(*expected);
    if (must_throw) ++expected_errors;
    try {
      const money got = op();
      if (must_throw)
        fail(describe, "expected money_error, got " + got.to_string());
      else if (integer(got.micros()) != *expected)
        fail(describe,
             "expected " + expected->str() + " micros, got " + std::to_string(got.micros()));
      else if (got.unit() != unit)
        fail(describe, "wrong currency " + std::string(got.unit().code()));
    } catch (const money_error& e) {
      if (!must_throw) fail(describe, std::string("unexpected money_error: ") + e.what());
    } catch (const std::exception& e) {
      fail(describe, std::string("wrong exception type: ") + e.what());
    }
  }

  std::size_t mode_index(rounding mode) const {
    for (std::size_t i = 0; i < all_modes.size(); ++i)
      if (all_modes[i] == mode) return i;
    return 0;
  }
};

void check_arithmetic(generator& g, property_stats& stats) {
  const money a = micros(g.amount());
  const money b =
      money::from_micros(g.one_in(3) ? a.micros() : g.amount(), g.one_in(64) ? usd : cny);
  const bool same_currency = a.unit() == b.unit();
  const auto show = [&](std::string_view op) {
    return [&a, &b, op] { return fmt::format("{:c} {} {:c}", a, op, b); };
  };
  switch (g.below(6)) {
    case 0:
      stats.expect(
          [&] { return a + b; },
          same_currency ? std::optional(micros_of(units_of(a) + units_of(b))) : std::nullopt, cny,
          show("+"));
      break;
    case 1:
      stats.expect(
          [&] { return a - b; },
          same_currency ? std::optional(micros_of(units_of(a) - units_of(b))) : std::nullopt, cny,
          show("-"));
      break;
    case 2:
      stats.expect([&] { return -a; }, micros_of(-units_of(a)), cny, show("(unary -)"));
      break;
    case 3: {
      const std::int64_t k = g.factor();
      const bool count_first = g.one_in(2);
      stats.expect([&] { return count_first ? k * a : a * k; }, micros_of(units_of(a) * integer(k)),
                   cny, [&] { return fmt::format("{:c} x {}", a, k); });
      break;
    }
    default: {
      // Ordering and equality, both throwing on a currency mismatch.
      ++stats.operations;
      const auto describe = show("<=>");
      try {
        const std::strong_ordering got = a <=> b;
        const bool equal = a == b;
        if (!same_currency) {
          stats.fail(describe, "expected money_error on a currency mismatch");
        } else {
          const rational x = units_of(a), y = units_of(b);
          const std::strong_ordering want = x < y    ? std::strong_ordering::less
                                            : x == y ? std::strong_ordering::equal
                                                     : std::strong_ordering::greater;
          if (got != want || equal != (x == y)) stats.fail(describe, "wrong ordering");
        }
      } catch (const money_error& e) {
        if (same_currency) stats.fail(describe, e.what());
      }
      if (!same_currency) ++stats.expected_errors;
      break;
    }
  }
}

void check_mul_div(generator& g, property_stats& stats) {
  const money a = micros(g.amount());
  const std::int64_t n = g.factor();
  const std::int64_t d = g.denominator();
  const rounding mode = g.mode();
  std::optional<integer> expected;
  if (d > 0) {
    bool tie = false;
    const rational exact = units_of(a) * integer(n) / integer(d);
    expected = round_rational(exact * oracle_micros_per_unit, mode, tie);
    if (tie) ++stats.ties[stats.mode_index(mode)];
  }
  stats.expect([&] { return mul_div(a, n, d, mode); }, expected, cny,
               [&] { return fmt::format("mul_div({:c}, {}, {}, {})", a, n, d, to_string(mode)); });
}

void check_round_to(generator& g, property_stats& stats) {
  const money a = micros(g.amount());
  const int places = g.places();
  const rounding mode = g.mode();
  bool tie = false;
  const integer scale = power_of_ten(places);
  const integer steps = round_rational(units_of(a) * scale, mode, tie);
  if (tie) ++stats.ties[stats.mode_index(mode)];
  stats.expect([&] { return round_to(a, places, mode); }, micros_of(rational(steps, scale)), cny,
               [&] { return fmt::format("round_to({:c}, {}, {})", a, places, to_string(mode)); });
}

// to_string is exact and shortest (at least two decimals), parse reads it back, and
// to_string(places) prints exactly `places` decimals or refuses to drop digits.
void check_text_round_trip(generator& g, property_stats& stats) {
  const money a = micros(g.amount());
  const auto describe = [&] { return fmt::format("text of {} micros", a.micros()); };
  ++stats.operations;
  const std::string text = a.to_string();
  const oracle_text read = read_text(text);
  int shortest = 0;
  while (mp::denominator(units_of(a) * power_of_ten(shortest)) != 1) ++shortest;
  if (!read.well_formed || read.units != units_of(a))
    stats.fail(describe, "to_string gave \"" + text + "\"");
  else if (read.decimals != static_cast<std::size_t>(std::max(2, shortest)))
    stats.fail(describe, "\"" + text + "\" is not the shortest text with two decimals");
  stats.expect([&] { return yuan(text); }, integer(a.micros()), cny, describe);

  ++stats.operations;
  const int places = g.places();
  const bool exact = shortest <= places;
  if (!exact) ++stats.expected_errors;
  try {
    const std::string fixed = a.to_string(places);
    const oracle_text fixed_read = read_text(fixed);
    if (!exact)
      stats.fail(describe, fmt::format("to_string({}) dropped digits: \"{}\"", places, fixed));
    else if (fixed != oracle_format(integer(a.micros()), places) || fixed_read.units != units_of(a))
      stats.fail(describe, fmt::format("to_string({}) gave \"{}\"", places, fixed));
  } catch (const money_error& e) {
    if (exact) stats.fail(describe, fmt::format("to_string({}) threw {}", places, e.what()));
  }
}

// parse accepts exactly the grammar, at most six decimals and the int64 range.
void check_parse(generator& g, property_stats& stats) {
  std::string text;
  if (g.one_in(4)) {
    // Just inside or just outside the representable range, written by the oracle.
    const integer edge = g.one_in(2) ? integer(int64_max) : integer(int64_min);
    const integer micros_value = edge + integer(static_cast<std::int64_t>(g.below(7))) - 3;
    text = oracle_format(micros_value, money::decimals);
  } else {
    text = g.text();
  }
  const oracle_text read = read_text(text);
  const auto describe = [&] { return fmt::format("parse(\"{}\")", text); };
  if (!read.well_formed || read.decimals > 6) {
    ++stats.operations;
    ++stats.expected_errors;
    const std::string quoted = "\"" + text + "\"";
    const std::string reason =
        read.well_formed ? fmt::format("has {} decimals", read.decimals) : std::string();
    try {
      const money got = yuan(text);
      stats.fail(describe, "accepted as " + got.to_string());
    } catch (const money_error& e) {
      const std::string message = e.what();
      if (message.find(quoted) == std::string::npos || message.find(reason) == std::string::npos)
        stats.fail(describe, "message does not quote the text or give the reason: " + message);
    }
    return;
  }
  stats.expect([&] { return yuan(text); }, micros_of(read.units), cny, describe);
}

}  // namespace

TEST_CASE("property: 100,000+ random operations agree with a cpp_rational oracle") {
  generator g(0x5241'5445'4c30'3031);  // fixed seed: "RATEL001"
  property_stats stats;
  constexpr int iterations = 80'000;  // about 1.5 operations each
  for (int i = 0; i < iterations; ++i) {
    switch (g.below(6)) {
      case 0:
        check_arithmetic(g, stats);
        break;
      case 1:
        check_mul_div(g, stats);
        break;
      case 2:
        check_round_to(g, stats);
        break;
      case 3:
        check_text_round_trip(g, stats);
        break;
      case 4:
        check_parse(g, stats);
        break;
      default:
        // Chains: a rate times a count, prorated, rounded to the cent, as a bill line is.
        check_mul_div(g, stats);
        check_round_to(g, stats);
        break;
    }
  }
  MESSAGE(fmt::format("{} operations, {} expected money_error, ties per mode {}", stats.operations,
                      stats.expected_errors, fmt::join(stats.ties, "/")));
  for (const std::string& failure : stats.first_failures) FAIL_CHECK(failure);
  CHECK(stats.failures == 0);
  CHECK(stats.operations >= 100'000);
  // The data must reach the paths it is meant to test: refusals and overflow, and exact ties
  // for every mode.
  CHECK(stats.expected_errors >= stats.operations / 20);
  for (long ties : stats.ties) CHECK(ties >= 100);
}

TEST_CASE("round_as_group: the rounded amounts add up to the rounded sum (D18)") {
  auto group = [](std::initializer_list<const char*> texts, rounding mode = rounding::half_up) {
    std::vector<money> exact;
    for (const char* t : texts) exact.push_back(yuan(t));
    std::vector<std::string> out;
    for (const money& r : ratel::round_as_group(exact, 2, mode)) out.push_back(r.to_string());
    return out;
  };
  using v = std::vector<std::string>;
  // decisions.md's example: 250.005 + 249.995 = 500.000. Rounded down 250.00 + 249.99, one
  // fen missing, equal remainders 0.005: the first line gets it. (D2 alone: 500.01.)
  CHECK(group({"250.005", "249.995"}) == v{"250.01", "249.99"});
  // The gprs-20 case under the cap: 499.995 + 0.00 + 0.005 = 500.00.
  CHECK(group({"499.995", "0", "0.005"}) == v{"500.00", "0.00", "0.00"});
  // The largest remainder wins over order: 0.004 + 0.006 = 0.01, the fen to the second.
  CHECK(group({"0.004", "0.006"}) == v{"0.00", "0.01"});
  // Two fen missing: 0.004 + 0.004 + 0.004 + 0.003 = 0.015 -> 0.02; the first two of the
  // three equal remainders get one each.
  CHECK(group({"0.004", "0.004", "0.004", "0.003"}) == v{"0.01", "0.01", "0.00", "0.00"});
  // Whole fen change nothing; one amount alone is rounded as by itself.
  CHECK(group({"12.34", "0.56"}) == v{"12.34", "0.56"});
  CHECK(group({"0.125"}) == v{"0.13"});
  // The group's sum rounds by the given mode: down, 0.009 + 0.009 = 0.018 -> 0.01.
  CHECK(group({"0.009", "0.009"}, rounding::down) == v{"0.01", "0.00"});
  // Negative amounts round toward negative infinity first: -0.005 + -0.005 = -0.01 is
  // -0.01 + -0.01 rounded down, one fen too little, given back to the first: 0.00 + -0.01.
  CHECK(group({"-0.005", "-0.005"}) == v{"0.00", "-0.01"});
  CHECK(ratel::round_as_group({}, 2, rounding::half_up).empty());
}
