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

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"
#include "ratel/quantity.hpp"

namespace ratel {

enum class service : std::uint8_t { data, voice, sms, mms, vas };

/// The names of the usage contract (DESIGN 4.1) and of catalogs: exact, lower case.
inline constexpr auto service_names = detail::enum_names_of<service>({
    {service::data, "data"},
    {service::voice, "voice"},
    {service::sms, "sms"},
    {service::mms, "mms"},
    {service::vas, "vas"},
});

inline constexpr std::array<service, service_names.size()> all_services = service_names.values();

/// The base unit in which a record of this service states its quantity.
constexpr dimension dimension_of(service s) noexcept {
  switch (s) {
    case service::data:
      return dimension::bytes;
    case service::voice:
      return dimension::seconds;
    case service::sms:
    case service::mms:
      return dimension::messages;
    case service::vas:
      return dimension::uses;
  }
  return dimension::uses;
}

constexpr std::string_view to_string(service s) noexcept {
  return service_names.name(s);
}

/// "data", "voice", "sms", "mms", "vas" (exact, lower case).
constexpr std::optional<service> parse_service(std::string_view name) noexcept {
  return service_names.parse(name);
}

}  // namespace ratel
