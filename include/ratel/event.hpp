// ratel/event.hpp: things that happened while rating, reported on the bill.
//
// Concept: an event is a fact a bill reader or a network system needs to know about: a
// request of the account log that the catalog does not allow (`refused`), a threshold
// crossed (a reminder, a cap, a cut-off, a throttle, a bar) and a cut-off lifted by the
// customer (`reactivated`). The kind names are a contract (DESIGN 4.3): later versions add
// kinds, never rename these. ratel adds `throttle_lifted` (an accelerator pack, D8, gives
// full speed back while its volume lasts), `rate_change` (a threshold changed a rate) and
// `reinstated` (a product ordered again while its cancellation was pending, D26).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"
#include "ratel/error.hpp"
#include "ratel/time.hpp"

namespace ratel {

enum class event_kind : std::uint8_t {
  notify,
  cap,
  cut_off,
  reactivated,
  throttle,
  bar,
  refused,
  throttle_lifted,
  rate_change,
  reinstated,
};

/// The kind names of the bill's events (DESIGN 4.3): a contract, never renamed.
inline constexpr auto event_kind_names = detail::enum_names_of<event_kind>({
    {event_kind::notify, "notify"},
    {event_kind::cap, "cap"},
    {event_kind::cut_off, "cut_off"},
    {event_kind::reactivated, "reactivated"},
    {event_kind::throttle, "throttle"},
    {event_kind::bar, "bar"},
    {event_kind::refused, "refused"},
    {event_kind::throttle_lifted, "throttle_lifted"},
    {event_kind::rate_change, "rate_change"},
    {event_kind::reinstated, "reinstated"},
});

constexpr std::string_view to_string(event_kind k) noexcept {
  return event_kind_names.name(k);
}

struct event {
  instant time;  ///< the account-log line's time, or the start of the record that crossed
  event_kind kind = event_kind::refused;
  std::string product;    ///< the product concerned, if any
  std::string reason;     ///< why (for refused) or what (for the others), in words
  source_position from;   ///< the account-log line that caused it, if one did
  std::string record;     ///< the usage record that crossed a threshold
  std::string threshold;  ///< the threshold's name
  std::string counter;    ///< the counter's value when it crossed ("15 GB", "500.00", "1001")
  std::optional<std::int64_t> limit_kbps;  ///< throttle: the speed limit
  /// A threshold's event: how many of the record's parts were rated before it fired, so an
  /// explanation can say which threshold split a record where (rated_cycle::parts_of).
  std::uint32_t parts_before = 0;
};

}  // namespace ratel
