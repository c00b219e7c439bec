// Implementation of ratel/money.hpp.
//
// Sums and differences are checked in int64. Products and ratios go through Boost's
// checked 128-bit integer: |int64 * int64| < 2^126, so the 128-bit intermediate itself can
// never overflow and the only failure point is the final narrowing back to int64, which is
// checked explicitly and reported as money_error (never std::overflow_error, never a wrap).
#include "ratel/money.hpp"

#include <ostream>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <boost/multiprecision/cpp_int.hpp>

namespace ratel {
namespace {

using wide = boost::multiprecision::checked_int128_t;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

// 10^k for k in 0..6: the quantum of `places` decimals is pow10[6 - places] micros.
constexpr std::array<std::int64_t, 7> pow10{1, 10, 100, 1'000, 10'000, 100'000, 1'000'000};
static_assert(pow10[money::decimals] == money::micros_per_unit);

// |micros| without the undefined -INT64_MIN.
constexpr std::uint64_t magnitude(std::int64_t micros) noexcept {
  return micros < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(micros)
                    : static_cast<std::uint64_t>(micros);
}

// Text with exactly `places` decimals; the caller guarantees the dropped digits are zero.
std::string format_micros(std::int64_t micros, int places) {
  const std::uint64_t mag = magnitude(micros);
  const auto unit = static_cast<std::uint64_t>(money::micros_per_unit);
  const std::uint64_t whole = mag / unit;
  const std::uint64_t fraction = mag % unit / static_cast<std::uint64_t>(pow10[6 - places]);
  // sign, whole part, and `places` digits of fraction zero-padded on the left (what
  // fmt's "{}{}.{:0{}}" printed), written without a format string.
  char buf[48];
  char* p = buf;
  if (micros < 0) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, whole).ptr;
  if (places > 0) {
    *p++ = '.';
    std::uint64_t f = fraction;
    for (int i = places - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + f % 10);
      f /= 10;
    }
    p += places;
  }
  return std::string(buf, static_cast<std::size_t>(p - buf));
}

// An amount with its currency, for error messages: "14.19 CNY".
std::string describe(const money& m) {
  return fmt::format("{} {}", m.to_string(), m.unit().code());
}

void require_same_currency(const money& a, const money& b, std::string_view op) {
  if (a.unit() != b.unit())
    throw money_error(fmt::format("currency mismatch: {} {} {}", describe(a), op, describe(b)));
}

void require_places(int places, std::string_view what) {
  if (places < 0 || places > money::decimals)
    throw money_error(
        fmt::format("{}: places must be in 0..{}, got {}", what, money::decimals, places));
}

// The exact result `value` as micros, or money_error naming the operation that overflowed.
template <typename Describe>
std::int64_t narrow(const wide& value, Describe&& what) {
  if (value > int64_max || value < int64_min)
    throw money_error(
        fmt::format("money overflow: {} is outside the range of int64 micro-units "
                    "(-9223372036854.775808 .. 9223372036854.775807)",
                    what()));
  return static_cast<std::int64_t>(value);
}

// numerator / denominator rounded to an integer by `mode`; denominator > 0.
//
// Works from the truncated quotient and the remainder: when the remainder is zero the result
// is exact; otherwise the exact value lies strictly between q and its neighbour away from zero
// (q - 1 or q + 1, by the sign of the numerator), and comparing 2|r| with the denominator tells
// whether it is nearer q, nearer the neighbour, or exactly halfway. 2|r| < 2 * denominator
// <= 2^64, so the comparison cannot overflow.
wide divide_rounded(const wide& numerator, const wide& denominator, rounding mode) {
  const wide q = numerator / denominator;  // truncates toward zero
  const wide r = numerator % denominator;  // takes the sign of the numerator
  if (r == 0) return q;
  const bool negative = numerator < 0;
  const wide away = negative ? wide(q - 1) : wide(q + 1);
  const wide twice_r = 2 * abs(r);
  switch (mode) {
    case rounding::down:
      return q;
    case rounding::up:
      return away;
    case rounding::floor:
      return negative ? away : q;
    case rounding::ceiling:
      return negative ? q : away;
    case rounding::half_up:
      return twice_r >= denominator ? away : q;
    case rounding::half_down:
      return twice_r > denominator ? away : q;
    case rounding::half_even:
      if (twice_r != denominator) return twice_r > denominator ? away : q;
      return q % 2 == 0 ? q : away;
  }
  throw money_error("invalid rounding mode");  // unreachable for a valid enumerator
}

// "unexpected character 'e' at position 2"; bytes outside printable ASCII in hex, so that a
// message never carries half of a UTF-8 sequence or a control character.
std::string unexpected(std::string_view text, std::size_t at) {
  const auto byte = static_cast<unsigned char>(text[at]);
  if (byte >= 0x20 && byte < 0x7f)
    return fmt::format("unexpected character '{}' at position {}", text[at], at + 1);
  return fmt::format("unexpected byte 0x{:02X} at position {}", byte, at + 1);
}

}  // namespace

currency currency::parse(std::string_view code) {
  bool ok = code.size() == 3;
  for (char ch : code) ok = ok && ch >= 'A' && ch <= 'Z';
  if (!ok)
    throw money_error(fmt::format(
        "invalid currency code \"{}\": expected three upper-case ASCII letters (ISO 4217, e.g. "
        "\"CNY\")",
        code));
  currency c;
  c.code_ = {code[0], code[1], code[2]};
  return c;
}

money money::parse(std::string_view text, currency c) {
  const auto malformed = [&](std::string_view why) {
    return money_error(fmt::format(
        "invalid amount \"{}\": {} (expected an optional sign, digits and up to {} decimals, "
        "e.g. \"12.34\")",
        text, why, decimals));
  };
  std::size_t i = 0;
  const std::size_t n = text.size();
  const auto is_digit = [&](std::size_t k) { return k < n && text[k] >= '0' && text[k] <= '9'; };

  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const std::size_t int_begin = i;
  while (is_digit(i)) ++i;
  const std::size_t int_end = i;
  if (int_end == int_begin) {
    if (n == 0) throw malformed("empty");
    if (i == n) throw malformed("expected digits after the sign");
    if (text[i] == '.') throw malformed("expected a digit before '.'");
    throw malformed(unexpected(text, i));
  }
  std::size_t frac_begin = i, frac_end = i;
  if (i < n && text[i] == '.') {
    frac_begin = ++i;
    while (is_digit(i)) ++i;
    frac_end = i;
    if (frac_end == frac_begin) throw malformed("expected a digit after '.'");
  }
  if (i != n) throw malformed(unexpected(text, i));
  const std::size_t frac_digits = frac_end - frac_begin;
  if (frac_digits > static_cast<std::size_t>(decimals))
    throw money_error(fmt::format("amount \"{}\" has {} decimals; at most {} are held exactly",
                                  text, frac_digits, decimals));

  // Accumulate the magnitude in micros, digit by digit, against the limit of the sign:
  // 2^63 for a negative amount (INT64_MIN micros), 2^63 - 1 otherwise.
  const std::uint64_t limit =
      negative ? magnitude(int64_min) : static_cast<std::uint64_t>(int64_max);
  const auto overflow = [&] {
    return money_error(fmt::format(
        "amount \"{}\" is out of range (-9223372036854.775808 .. 9223372036854.775807)", text));
  };
  std::uint64_t mag = 0;
  const auto push_digit = [&](std::uint64_t d) {
    if (mag > (limit - d) / 10) throw overflow();
    mag = mag * 10 + d;
  };
  for (std::size_t k = int_begin; k < int_end; ++k) push_digit(text[k] - '0');
  for (std::size_t k = frac_begin; k < frac_end; ++k) push_digit(text[k] - '0');
  for (std::size_t k = frac_digits; k < static_cast<std::size_t>(decimals); ++k) push_digit(0);

  // Modular conversion (defined since C++20) gives INT64_MIN for a magnitude of 2^63.
  const auto micros = static_cast<std::int64_t>(negative ? std::uint64_t{0} - mag : mag);
  return money(micros, c);
}

money money::operator-() const {
  if (micros_ == int64_min)
    throw money_error(fmt::format("money overflow: -({}) does not fit", describe(*this)));
  return money(-micros_, currency_);
}

money& money::operator+=(const money& other) {
  require_same_currency(*this, other, "+");
  std::int64_t sum = 0;
  if (__builtin_add_overflow(micros_, other.micros_, &sum))
    throw money_error(
        fmt::format("money overflow: {} + {} does not fit", describe(*this), describe(other)));
  micros_ = sum;
  return *this;
}

money& money::operator-=(const money& other) {
  require_same_currency(*this, other, "-");
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(micros_, other.micros_, &difference))
    throw money_error(
        fmt::format("money overflow: {} - {} does not fit", describe(*this), describe(other)));
  micros_ = difference;
  return *this;
}

money operator*(const money& m, std::int64_t count) {
  const wide product = wide(m.micros_) * count;
  return money(narrow(product, [&] { return fmt::format("{} x {}", describe(m), count); }),
               m.currency_);
}

std::strong_ordering operator<=>(const money& a, const money& b) {
  require_same_currency(a, b, "<=>");
  return a.micros_ <=> b.micros_;
}

bool operator==(const money& a, const money& b) {
  require_same_currency(a, b, "==");
  return a.micros_ == b.micros_;
}

std::string money::to_string() const {
  // Drop trailing zero decimals, but keep two: money reads as "20.00", not "20".
  int places = decimals;
  while (places > 2 && magnitude(micros_) % static_cast<std::uint64_t>(pow10[7 - places]) == 0)
    --places;
  return format_micros(micros_, places);
}

std::string money::to_string(int places) const {
  require_places(places, "money::to_string");
  if (magnitude(micros_) % static_cast<std::uint64_t>(pow10[decimals - places]) != 0)
    throw money_error(fmt::format(
        "{} has more than {} decimals; round it first (round_to) instead of truncating text",
        describe(*this), places));
  return format_micros(micros_, places);
}

money round_to(const money& m, int places, rounding mode) {
  require_places(places, "round_to");
  const std::int64_t quantum = pow10[money::decimals - places];
  const wide rounded = divide_rounded(wide(m.micros()), wide(quantum), mode) * quantum;
  const std::int64_t micros = narrow(rounded, [&] {
    return fmt::format("{} rounded {} to {} decimals", describe(m), to_string(mode), places);
  });
  return money::from_micros(micros, m.unit());
}

std::vector<money> round_as_group(std::span<const money> exact, int places, rounding mode) {
  require_places(places, "round_as_group");
  std::vector<money> rounded;
  if (exact.empty()) return rounded;
  const std::int64_t quantum = pow10[money::decimals - places];
  money sum = money::zero(exact.front().unit());
  std::vector<std::int64_t> remainders;  // micro-units past each amount's floor
  for (const money& m : exact) {
    sum += m;  // checks the currency and overflow
    const money floor = round_to(m, places, rounding::floor);
    rounded.push_back(floor);
    remainders.push_back(m.micros() - floor.micros());
  }
  money missing = round_to(sum, places, mode);
  for (const money& m : rounded) missing -= m;
  // Largest remainder first; a stable sort keeps ties in the given order.
  std::vector<std::size_t> order(exact.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  // 0 <= missing <= the number of amounts with a remainder (sum of floors <= floor(sum)
  // <= the rounded sum <= ceil(sum)), so each quantum goes to an amount that lacks one.
  for (std::size_t i = 0; missing.micros() > 0; ++i) {
    rounded[order[i]] += money::from_micros(quantum, missing.unit());
    missing -= money::from_micros(quantum, missing.unit());
  }
  return rounded;
}

money mul_div(const money& m, std::int64_t numerator, std::int64_t denominator, rounding mode) {
  if (denominator <= 0)
    throw money_error(fmt::format("mul_div({}, {}, {}): the denominator must be positive",
                                  describe(m), numerator, denominator));
  const wide product = wide(m.micros()) * numerator;
  const wide quotient = divide_rounded(product, wide(denominator), mode);
  const std::int64_t micros = narrow(quotient, [&] {
    return fmt::format("{} x {} / {} rounded {}", describe(m), numerator, denominator,
                       to_string(mode));
  });
  return money::from_micros(micros, m.unit());
}

std::ostream& operator<<(std::ostream& out, const money& m) {
  return out << m.to_string() << ' ' << m.unit().code();
}

}  // namespace ratel
