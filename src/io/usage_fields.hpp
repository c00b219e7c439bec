// usage_fields.hpp (private): the checks of one usage record's fields (DESIGN 4.1),
// whatever carried them: a CSV row (usage_csv.cpp) or a JSON message (usage_json.cpp).
// One place, so that a record is rejected for the same reason, in the same words, in any
// format.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ratel/service.hpp"
#include "ratel/time.hpp"
#include "ratel/usage.hpp"

namespace ratel::detail {

enum class quantity_problem : std::uint8_t { none, negative, not_integer, too_large };

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Digits only: a sign, a decimal point or a space is not a quantity (the contract says a
/// non-negative integer, and "1.5" bytes or " 12" would be a guess).
inline quantity_problem parse_quantity(std::string_view text, std::int64_t& out) noexcept {
  assert(!text.empty());
  if (text.size() > 1 && text[0] == '-' && is_digit(text[1])) return quantity_problem::negative;
  // Up to 18 digits cannot overflow (10^18 - 1 < 2^63 - 1): the usual case is read in the
  // one pass that checks its digits, without a division per digit; only longer texts are
  // checked for the largest value digit by digit.
  constexpr std::size_t digits_that_always_fit = 18;
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  if (text.size() <= digits_that_always_fit) {
    for (char c : text) {
      if (!is_digit(c)) return quantity_problem::not_integer;
      value = value * 10 + (c - '0');
    }
    out = value;
    return quantity_problem::none;
  }
  if (!std::all_of(text.begin(), text.end(), is_digit)) return quantity_problem::not_integer;
  for (char c : text) {
    const std::int64_t digit = c - '0';
    if (value > (max - digit) / 10) return quantity_problem::too_large;
    value = value * 10 + digit;
  }
  out = value;
  return quantity_problem::none;
}

inline std::string describe(quantity_problem p, std::string_view text) {
  switch (p) {
    case quantity_problem::none:
      break;
    case quantity_problem::negative:
      return fmt::format("quantity: {} is negative", text);
    case quantity_problem::not_integer:
      return fmt::format("quantity: {} is not an integer (only the digits 0-9 are allowed)", text);
    case quantity_problem::too_large:
      return fmt::format("quantity: {} is too large (the largest is {})", text,
                         std::numeric_limits<std::int64_t>::max());
  }
  return "quantity: ok";
}

constexpr bool is_country_code(std::string_view text) noexcept {
  return text.size() == 2 && text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'A' && text[1] <= 'Z';
}

/// The fields a record is checked by, as written (a CSV field may still hold its escaped
/// quotes: no valid time, service, quantity or country contains a quote, so the verdict is
/// the same). `country` is empty when absent.
struct usage_field_texts {
  std::string_view id, subscriber, time, service, quantity, country;
};

enum class usage_field : std::uint8_t { time, service, quantity, country };

/// What the checks make of the fields.
struct checked_usage_fields {
  instant time;
  std::int16_t written_offset_minutes = 0;
  service svc = service::data;
  std::int64_t quantity = 0;
};

/// The fields' values, or nullopt with `reason` and `detail` set. `shown(field)` gives a
/// field's text as the message shows it (unescaped), asked only for a rejected field.
template <class Shown>
std::optional<checked_usage_fields> check_usage_fields(const usage_field_texts& f, Shown&& shown,
                                                       reject_reason& reason, std::string& detail) {
  auto fail = [&](reject_reason why, std::string what) {
    reason = why;
    detail = std::move(what);
    return std::nullopt;
  };
  if (f.subscriber.empty()) return fail(reject_reason::empty_subscriber, "subscriber: empty");
  for (auto [text, name] : {std::pair{f.id, "id"}, std::pair{f.time, "time"},
                            std::pair{f.service, "service"}, std::pair{f.quantity, "quantity"}})
    if (text.empty()) return fail(reject_reason::missing_field, fmt::format("{}: empty", name));

  checked_usage_fields out;
  time_parse_error time_error;
  std::chrono::seconds written_offset{0};
  const std::optional<instant> time = parse_rfc3339(f.time, &time_error, &written_offset);
  if (!time)
    return fail(reject_reason::bad_time, fmt::format("time: {} is not RFC 3339: {}",
                                                     shown(usage_field::time), time_error.message));
  out.time = *time;
  // Offsets are at most 23:59, so the minutes fit 16 bits.
  out.written_offset_minutes = static_cast<std::int16_t>(
      std::chrono::duration_cast<std::chrono::minutes>(written_offset).count());
  const std::optional<service> svc = parse_service(f.service);
  if (!svc)
    return fail(reject_reason::unknown_service,
                fmt::format("service: {} is not one of {}", shown(usage_field::service),
                            service_names.list()));
  out.svc = *svc;
  if (const quantity_problem p = parse_quantity(f.quantity, out.quantity);
      p != quantity_problem::none)
    return fail(reject_reason::bad_quantity, describe(p, shown(usage_field::quantity)));
  if (!f.country.empty() && !is_country_code(f.country))
    return fail(reject_reason::bad_country,
                fmt::format("country: {} is not an ISO 3166-1 alpha-2 code (two upper-case "
                            "letters, e.g. CN)",
                            shown(usage_field::country)));
  return out;
}

}  // namespace ratel::detail
