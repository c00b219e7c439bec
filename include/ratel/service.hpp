// ratel/service.hpp: the kinds of usage a record can carry.
//
// Concept: the closed set of services of the usage contract (DESIGN 4.1). Each service
// has one base unit, fixed here: data is counted in bytes, voice in seconds, SMS and MMS
// in messages, value-added services in uses. Everything else about a service (its rating
// increment, its rates) is catalog data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "ratel/quantity.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

enum class service : std::uint8_t { data, voice, sms, mms, vas };

inline constexpr std::array<service, 5> all_services{service::data, service::voice, service::sms,
                                                     service::mms, service::vas};


/// The base unit in which a record of this service states its quantity.
constexpr dimension dimension_of(service s) noexcept {
  switch (s) {
    case service::data: return dimension::bytes;
    case service::voice: return dimension::seconds;
    case service::sms:
    case service::mms: return dimension::messages;
    case service::vas: return dimension::uses;
  }
  return dimension::uses;
}

constexpr std::string_view to_string(service s) noexcept {
  switch (s) {
    case service::data: return "data";
    case service::voice: return "voice";
    case service::sms: return "sms";
    case service::mms: return "mms";
    case service::vas: return "vas";
  }
  return "?";
}

/// "data", "voice", "sms", "mms", "vas" (exact, lower case).
constexpr std::optional<service> parse_service(std::string_view name) noexcept {
  for (service s : all_services)
    if (name == to_string(s)) return s;
  return std::nullopt;
}

}  // namespace ratel

