// ratel/event.hpp: things that happened while rating, reported on the bill.
//
// Concept: an event is a fact a bill reader or a network system needs to know about: a
// request of the account log that the catalog does not allow (`refused`), and, as the
// thresholds land, reminders, caps, cut-offs, throttles and bars. The kind names are a
// contract (DESIGN 4.3): later versions add kinds, never rename these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ratel/error.hpp"
#include "ratel/time.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

enum class event_kind : std::uint8_t { notify, cap, cut_off, reactivated, throttle, bar, refused };

std::string_view to_string(event_kind k) noexcept;

struct event {
  instant time;
  event_kind kind = event_kind::refused;
  std::string product;  ///< the product concerned, if any
  std::string reason;   ///< why (for refused) or what (for the others), in words
  source_position from; ///< the account-log line that caused it, if one did
};

}  // namespace ratel
