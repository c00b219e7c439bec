// ratel/money.hpp: exact money.
//
// Concept: an amount of one currency held as a signed 64-bit count of micro-units
// (1e-6 of the currency unit). Every rate in the operator documents (0.0005 yuan/KB,
// 0.19 yuan/min) is exact at this scale. There is no floating point anywhere here.
//
// Invariants:
//  - arithmetic is exact or it throws money_error: overflow never wraps;
//  - amounts of different currencies never mix (money_error);
//  - money * money does not exist; money * integer count does (a rate times units);
//  - anything that could lose precision (a ratio, a coarser quantum) goes through a
//    function that takes a named `rounding`, so every rounding is visible at its call site;
//  - products and ratios are computed with Boost.Multiprecision's checked 128-bit integers
//    and rounded once.
//
// Example:
//   auto cny  = currency::parse("CNY");
//   auto rate = money::parse("0.01", cny);              // per KB
//   auto fee  = rate * 20'480;                          // 204.80, exact
//   auto part = mul_div(money::parse("20.00", cny), 22, 31, rounding::half_up);  // 14.19
//   auto line = round_to(part, 2, rounding::half_up);   // to the cent
//   fmt::print("{}", line);                             // "14.19"
#pragma once

#include <array>
#include <compare>
#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

/// Arithmetic or parse failure on money: overflow, too many decimals, malformed text,
/// currency mismatch. Catalog loading turns it into an input_error with file:line:col.
class money_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// ISO 4217 alphabetic currency code (three upper-case ASCII letters).
class currency {
 public:
  /// The "no currency" value; only useful as a placeholder before a catalog is loaded.
  constexpr currency() = default;
  /// Throws money_error unless `code` is exactly three upper-case ASCII letters.
  static currency parse(std::string_view code);
  std::string_view code() const noexcept { return {code_.data(), code_.size()}; }
  friend bool operator==(const currency&, const currency&) = default;

 private:
  std::array<char, 3> code_{'X', 'X', 'X'};
};

/// How a value that falls between two representable values is resolved.
enum class rounding {
  half_up,    ///< nearest; ties away from zero (commercial rounding)
  half_even,  ///< nearest; ties to the even neighbour (banker's rounding)
  half_down,  ///< nearest; ties toward zero
  down,       ///< toward zero (truncate)
  up,         ///< away from zero
  floor,      ///< toward negative infinity
  ceiling,    ///< toward positive infinity
};

/// The names catalogs write (`mode = "half_up"`).
inline constexpr auto rounding_names = detail::enum_names_of<rounding>({
    {rounding::half_up, "half_up"},
    {rounding::half_even, "half_even"},
    {rounding::half_down, "half_down"},
    {rounding::down, "down"},
    {rounding::up, "up"},
    {rounding::floor, "floor"},
    {rounding::ceiling, "ceiling"},
});

/// "half_up", "half_even", ... as spelled above; nullopt for anything else.
constexpr std::optional<rounding> parse_rounding(std::string_view name) noexcept {
  return rounding_names.parse(name);
}
/// The name parse_rounding accepts for `mode` ("half_up", ...).
constexpr std::string_view to_string(rounding mode) noexcept {
  return rounding_names.name(mode);
}

/// Exact amount of one currency, in micro-units.
class money {
 public:
  /// Number of decimal places held exactly.
  static constexpr int decimals = 6;
  static constexpr std::int64_t micros_per_unit = 1'000'000;

  /// Zero of the placeholder currency.
  constexpr money() = default;
  static constexpr money zero(currency c) noexcept { return money(0, c); }
  static constexpr money from_micros(std::int64_t micros, currency c) noexcept {
    return money(micros, c);
  }
  /// Parses "12", "12.3", "-0.0005", "+7.10". Throws money_error on malformed text, on more
  /// than 6 decimals (never rounds silently) and on overflow.
  static money parse(std::string_view text, currency c);

  constexpr std::int64_t micros() const noexcept { return micros_; }
  constexpr currency unit() const noexcept { return currency_; }
  constexpr bool is_zero() const noexcept { return micros_ == 0; }
  constexpr bool is_negative() const noexcept { return micros_ < 0; }

  /// Checked; throw money_error on overflow or currency mismatch.
  money operator-() const;
  money& operator+=(const money& other);
  money& operator-=(const money& other);
  friend money operator+(money a, const money& b) { return a += b; }
  friend money operator-(money a, const money& b) { return a -= b; }
  /// Price times a count of units (a rate per KB times KB). Checked.
  friend money operator*(const money& m, std::int64_t count);
  friend money operator*(std::int64_t count, const money& m) { return m * count; }
  /// Deleted: a double would otherwise convert silently to the int64 count (1.5 -> 1). A
  /// fractional factor needs a rounding: use mul_div.
  template <std::floating_point F>
  friend money operator*(const money& m, F factor) = delete;
  template <std::floating_point F>
  friend money operator*(F factor, const money& m) = delete;

  /// Same currency only (money_error otherwise).
  friend std::strong_ordering operator<=>(const money& a, const money& b);
  friend bool operator==(const money& a, const money& b);

  /// Shortest exact decimal text with at least two decimals: "20.00", "0.0005", "-3.10".
  std::string to_string() const;
  /// Exactly `places` decimals (0..6). Throws money_error if that would drop a non-zero
  /// digit: round first with round_to.
  std::string to_string(int places) const;

 private:
  constexpr money(std::int64_t micros, currency c) noexcept : micros_(micros), currency_(c) {}
  std::int64_t micros_ = 0;
  currency currency_{};
};

/// Rounds to a multiple of 10^-places (places in 0..6) by `mode`. Exact, never throws
/// except on overflow.
[[nodiscard]] money round_to(const money& m, int places, rounding mode);

/// Rounds amounts as a group to multiples of 10^-places (D18): the rounded amounts add up
/// to their exact sum rounded by `mode`. Each is first rounded down (toward negative
/// infinity); the quanta still missing go one each to the amounts with the largest
/// remainders, ties to the one that comes first. All amounts must be of one currency.
///
///   round_as_group({250.004, 249.996}, 2, half_up)  // {250.00, 250.00}: sum 500.00
///   round_as_group({0.005, 0.005}, 2, half_up)      // {0.01, 0.00}: sum 0.01, tie to the first
[[nodiscard]] std::vector<money> round_as_group(std::span<const money> exact, int places,
                                                rounding mode);

/// m * numerator / denominator, rounded to the micro-unit by `mode`. The product is
/// formed in a checked 128-bit integer, so only the final result can overflow
/// (money_error). denominator must be positive (money_error otherwise).
[[nodiscard]] money mul_div(const money& m, std::int64_t numerator, std::int64_t denominator,
                            rounding mode);
/// Deleted: a floating-point ratio would convert silently to int64; pass whole numbers.
/// (Both arguments floating is ambiguous between these two, so it does not compile either.)
template <std::floating_point F>
money mul_div(const money& m, F numerator, std::int64_t denominator, rounding mode) = delete;
template <std::floating_point F>
money mul_div(const money& m, std::int64_t numerator, F denominator, rounding mode) = delete;

/// Writes "20.00 CNY". Test frameworks print values through it: a failed
/// `CHECK(r.refund_due.total == s.amount("8.86"))` shows both amounts, not `{?}`.
std::ostream& operator<<(std::ostream& out, const money& m);

}  // namespace ratel

/// A currency prints as its ISO 4217 code: `CNY`.
template <>
struct fmt::formatter<ratel::currency> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const ratel::currency& c, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(c.code(), ctx);
  }
};

/// Formats as money::to_string(); "{:c}" appends the currency code ("20.00 CNY").
template <>
struct fmt::formatter<ratel::money> {
  bool with_currency = false;
  constexpr auto parse(fmt::format_parse_context& ctx) {
    auto it = ctx.begin();
    if (it != ctx.end() && *it == 'c') {
      with_currency = true;
      ++it;
    }
    return it;
  }
  template <typename Context>
  auto format(const ratel::money& m, Context& ctx) const {
    if (with_currency) return fmt::format_to(ctx.out(), "{} {}", m.to_string(), m.unit().code());
    return fmt::format_to(ctx.out(), "{}", m.to_string());
  }
};
