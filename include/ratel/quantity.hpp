// ratel/quantity.hpp: amounts of usage with their unit.
//
// Concept: a non-fractional amount in a base unit (bytes, seconds, messages, uses), with
// named multiples for reading and printing catalogs: KB = 1024 B, MB = 1024 KB,
// GB = 1024 MB (D1); min = 60 s, h = 60 min.
//
// Why the dimension is a value and not a template parameter: a catalog decides at run
// time which service (and so which dimension) an allowance or a rate is for, so the
// check that "150 MB" is not used for voice happens once, when the catalog is loaded,
// and the engine's arithmetic asserts that dimensions agree.
//
// Rating increments: a record's quantity is rounded up to a whole number of the
// service's increment before anything else (D1); `units_of` does that rounding.
//
//   quantity q = quantity::parse("150 MB");        // 157,286,400 bytes
//   quantity kb = quantity::parse("1 KB");
//   units_of(quantity{1025, dimension::bytes}, kb);   // 2 (rounded up)
#pragma once

#include <cassert>
#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

enum class dimension : std::uint8_t { bytes, seconds, messages, uses };

/// What messages call each dimension ("must be a positive quantity of bytes").
inline constexpr auto dimension_names = detail::enum_names_of<dimension>({
    {dimension::bytes, "bytes"},
    {dimension::seconds, "seconds"},
    {dimension::messages, "messages"},
    {dimension::uses, "uses"},
});

constexpr std::string_view to_string(dimension d) noexcept {
  return dimension_names.name(d);
}

/// Bad quantity text ("15 GiB", "-3 MB", "1.5 MB") or overflow.
class quantity_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A non-negative whole amount in the base unit of its dimension.
class quantity {
 public:
  constexpr quantity() = default;
  constexpr quantity(std::int64_t base_units, dimension d) : value_(base_units), dimension_(d) {
    assert(base_units >= 0);
  }

  /// "150 MB", "1 KB", "15GB", "60 s", "1 min", "1 msg", "1 use". Units: B KB MB GB, s min
  /// h, msg, use. Throws quantity_error on anything else, on a negative or fractional
  /// number and on overflow.
  static quantity parse(std::string_view text);

  constexpr std::int64_t value() const noexcept { return value_; }
  constexpr dimension dim() const noexcept { return dimension_; }
  constexpr bool is_zero() const noexcept { return value_ == 0; }

  /// Largest named unit that divides the value exactly: "150 MB", "1025 B", "3 min" (durations
  /// print in minutes or seconds: "3000 min", never "50 h").
  std::string to_string() const;

  friend constexpr bool operator==(const quantity&, const quantity&) = default;
  friend constexpr std::strong_ordering operator<=>(const quantity& a, const quantity& b) {
    assert(a.dimension_ == b.dimension_);
    return a.value_ <=> b.value_;
  }
  friend quantity operator+(const quantity& a, const quantity& b);
  /// a - b; asserts a >= b (quantities are never negative).
  friend constexpr quantity operator-(const quantity& a, const quantity& b) {
    assert(a.dimension_ == b.dimension_ && a.value_ >= b.value_);
    return quantity(a.value_ - b.value_, a.dimension_);
  }
  /// The smaller of two quantities of one dimension.
  friend constexpr quantity min(const quantity& a, const quantity& b) { return a <= b ? a : b; }

 private:
  std::int64_t value_ = 0;
  dimension dimension_ = dimension::bytes;
};

/// Number of whole increments needed to hold q: ceil(q / increment). increment > 0.
constexpr std::int64_t units_of(const quantity& q, const quantity& increment) {
  assert(q.dim() == increment.dim() && increment.value() > 0);
  return q.value() / increment.value() + (q.value() % increment.value() != 0 ? 1 : 0);
}

/// `count` increments as a quantity (checked: throws quantity_error on overflow).
quantity times(std::int64_t count, const quantity& increment);

}  // namespace ratel

template <>
struct fmt::formatter<ratel::quantity> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const ratel::quantity& q, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(q.to_string(), ctx);
  }
};
