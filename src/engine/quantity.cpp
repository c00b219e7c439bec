#include "ratel/quantity.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace ratel {
namespace {

struct named_unit {
  std::string_view name;
  std::int64_t factor;
  dimension dim;
};

// Largest first within a dimension, so to_string picks the coarsest exact unit.
constexpr std::array<named_unit, 9> units{{
    {"GB", std::int64_t{1} << 30, dimension::bytes},
    {"MB", std::int64_t{1} << 20, dimension::bytes},
    {"KB", std::int64_t{1} << 10, dimension::bytes},
    {"B", 1, dimension::bytes},
    {"h", 3600, dimension::seconds},
    {"min", 60, dimension::seconds},
    {"s", 1, dimension::seconds},
    {"msg", 1, dimension::messages},
    {"use", 1, dimension::uses},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

quantity quantity::parse(std::string_view text) {
  std::string_view s = trim(text);
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0)
    throw quantity_error("expected a whole number followed by a unit (e.g. \"150 MB\"), got \"" +
                         std::string(text) + "\"");
  std::int64_t number = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + digits, number);
  if (ec != std::errc{}) throw quantity_error("number too large in \"" + std::string(text) + "\"");
  std::string_view unit_name = trim(s.substr(digits));
  if (!unit_name.empty() && (unit_name.front() == '.' || unit_name.front() == ','))
    throw quantity_error("quantities are whole numbers of a unit; write \"1536 KB\", not \"" +
                         std::string(text) + "\"");
  if (unit_name == "uses") unit_name = "use";
  if (unit_name == "msgs") unit_name = "msg";
  for (const named_unit& u : units) {
    if (u.name != unit_name) continue;
    if (number > std::numeric_limits<std::int64_t>::max() / u.factor)
      throw quantity_error("quantity too large: \"" + std::string(text) + "\"");
    return quantity(number * u.factor, u.dim);
  }
  throw quantity_error("unknown unit \"" + std::string(unit_name) +
                       "\" (use B, KB, MB, GB, s, min, h, msg or use)");
}

std::string quantity::to_string() const {
  // Written with to_chars: the text fmt's "{} {}" gave, without parsing a format string.
  char buf[24];
  for (const named_unit& u : units) {
    // Durations print in minutes, the unit calls are priced and read in ("3000 min").
    if (u.dim != dimension_ || u.name == "h") continue;
    if (value_ % u.factor == 0 && (value_ != 0 || u.factor == 1)) {
      const char* end = std::to_chars(buf, buf + sizeof buf, value_ / u.factor).ptr;
      std::string text(buf, static_cast<std::size_t>(end - buf));
      text += ' ';
      text += u.name;
      return text;
    }
  }
  const char* end = std::to_chars(buf, buf + sizeof buf, value_).ptr;
  return std::string(buf, static_cast<std::size_t>(end - buf));
}

quantity operator+(const quantity& a, const quantity& b) {
  assert(a.dimension_ == b.dimension_);
  if (a.value_ > std::numeric_limits<std::int64_t>::max() - b.value_)
    throw quantity_error("quantity overflow");
  return quantity(a.value_ + b.value_, a.dimension_);
}

quantity times(std::int64_t count, const quantity& increment) {
  assert(count >= 0);
  if (increment.value() != 0 &&
      count > std::numeric_limits<std::int64_t>::max() / increment.value())
    throw quantity_error("quantity overflow");
  return quantity(count * increment.value(), increment.dim());
}

}  // namespace ratel
