// Thresholds of the products held in the cycle (rater.hpp, step 5): each counts volume,
// usage fee, allowance used or distinct numbers, is crossed when its counter reaches or
// exceeds its level, and then acts for the rest of the cycle:
//  - notify: an event only (an allowance reminder, a fee reminder);
//  - cap (D6): no more usage fee; the part that reaches the cap is charged up to it;
//  - cut_off (D6): the service is suspended; what is still recorded is charged at the
//    cut-off's own rate and draws no allowance (rater_sources.cpp);
//  - rate_change: another rate from here on;
//  - throttle (D8): a speed limit, lifted while an accelerator pack's volume lasts;
//  - bar (D9): later records of the service are rejected (rater.cpp).
// A segment of a record ends where a threshold it counts toward is crossed, so each part is
// rated under the state in force for it. That counting runs for every segment and is inline
// at the end of cycle_rater.hpp (counts, cap_room, before_crossing, count_last_part, ...);
// here are the slots, firing and its events, distinct numbers and accelerator events. The
// account request the rater decides is here too, because what it changes is threshold
// state: reactivate_data (D6) lifts a cut-off, and whatever else the product says, for the
// rest of the cycle.
#include <algorithm>

#include <fmt/format.h>

#include "engine/cycle_rater.hpp"

namespace ratel::detail {

// One slot per threshold of every product held at some point in the cycle.
void cycle_rater::collect_thresholds() {
  std::vector<std::size_t> held;
  for (std::size_t i : by_draw_order_) {
    std::size_t p = history_->subscriptions[i].product;
    if (std::find(held.begin(), held.end(), p) == held.end()) held.push_back(p);
  }
  // Room for all at once: a slot holds a set, and regrowing the vector moves every one.
  std::size_t count = 0;
  for (std::size_t p : held) count += plan_.product_at(p).thresholds.size();
  slots_.reserve(count);
  for (std::size_t p : held)
    for (const compiled_threshold& t : plan_.product_at(p).thresholds) {
      threshold_slot slot;
      slot.rule = &t;
      slot.level = t.level;
      if (t.counter == counter_kind::allowance_used) {
        // A share of what the product includes in this cycle, rounded up to a whole
        // increment: the reminder comes once at least that share is used.
        const std::int64_t increment = plan_.increment(*t.svc)->value();
        std::int64_t included = 0;
        for (const bucket& k : out_.buckets)
          if (k.product == p && plan_.product_at(p).allowances[k.allowance].source->svc == *t.svc)
            included += k.initial.value() / increment;
        slot.level = ceil_div(included * t.level, 100);
      }
      counts_peers_ |= t.counter == counter_kind::distinct_peers;
      slots_.push_back(std::move(slot));
    }
}

// Distinct numbers (D9) are counted per record, not per segment: a new number adds one.
// A number is counted as the catalog normalises it (D20): +86 13000000000 after
// 13000000000 is the same number.
void cycle_rater::count_peer(const usage_record& r, const quantity& increment) {
  if (r.peer.empty()) return;
  const rule_plan::called_number number = plan_.normalise_number(r.peer);
  for (threshold_slot& slot : slots_) {
    const compiled_threshold& t = *slot.rule;
    if (t.counter != counter_kind::distinct_peers || *t.svc != r.svc) continue;
    if (slot.fired || slot.lifted || !slot.active) continue;
    if (!slot.peers.insert(number).second) continue;
    ++slot.counter;
    if (crossed(slot)) fire(slot, r, increment);
  }
}

// A threshold is crossed: its action, for the rest of the cycle, and its event.
void cycle_rater::fire(threshold_slot& slot, const usage_record& r, const quantity& increment) {
  slot.fired = true;
  const compiled_threshold& t = *slot.rule;
  event e;
  e.time = r.time;
  e.product = plan_.product_at(t.product).source->id;
  e.record = std::string(r.id);
  e.threshold = t.source->name;
  e.counter = counter_text(slot, increment);
  e.parts_before = static_cast<std::uint32_t>(out_.parts.size() - record_first_part_);
  // What was crossed, in words: built only where the reason says it (a notify with its own
  // message does not, and those are most events).
  const auto crossing = [&] { return crossing_text(t, e.counter); };
  service_state* state = t.svc ? &services_[static_cast<std::size_t>(*t.svc)] : nullptr;
  switch (t.action) {
    case threshold_action::notify:
      e.kind = event_kind::notify;
      e.reason = t.source->message.empty() ? crossing() : t.source->message;
      break;
    case threshold_action::cap:
      e.kind = event_kind::cap;
      e.reason = fmt::format("{}: no more usage fee is charged this cycle", crossing());
      break;
    case threshold_action::cut_off:
      e.kind = event_kind::cut_off;
      state->rate_override = &t;
      state->suspended_by = &t;
      e.reason =
          fmt::format("{}: {} suspended; what is still recorded is charged {} per {}", crossing(),
                      *t.svc, t.then_rate->source->price, t.then_rate->source->per);
      break;
    case threshold_action::rate_change:
      e.kind = event_kind::rate_change;
      state->rate_override = &t;
      e.reason = fmt::format("{}: {} from here on at {} per {}", crossing(), *t.svc,
                             t.then_rate->source->price, t.then_rate->source->per);
      break;
    case threshold_action::throttle:
      e.kind = event_kind::throttle;
      e.limit_kbps = t.source->limit_kbps;
      state->throttled_by = &t;
      e.reason = fmt::format("{}: {} limited to {} kbps", crossing(), *t.svc, t.source->limit_kbps);
      break;
    case threshold_action::bar:
      e.kind = event_kind::bar;
      state->barred_by = &t;
      e.reason = fmt::format("{}: {} barred until the next cycle", crossing(), *t.svc);
      break;
  }
  out_.events.push_back(std::move(e));
}

std::string cycle_rater::counter_text(const threshold_slot& slot, const quantity& increment) const {
  switch (slot.rule->counter) {
    case counter_kind::volume:
    case counter_kind::allowance_used:
      return times(slot.counter, increment).to_string();
    case counter_kind::usage_fee:
      return money::from_micros(slot.counter, plan_.source().money_unit).to_string();
    case counter_kind::distinct_peers:
      return std::to_string(slot.counter);
  }
  return {};
}

// "data volume reached 15 GB", "off-net voice volume exceeded 3000 min (3001 min)".
std::string cycle_rater::crossing_text(const compiled_threshold& t,
                                       const std::string& counter) const {
  std::string what;
  switch (t.counter) {
    case counter_kind::volume:
      what = fmt::format("{}{} volume",
                         t.peers == peer_filter::any      ? ""
                         : t.peers == peer_filter::on_net ? "on-net "
                                                          : "off-net ",
                         *t.svc);
      break;
    case counter_kind::usage_fee:
      what = "usage fee";
      break;
    case counter_kind::allowance_used:
      what = fmt::format("{} allowance used", *t.svc);
      break;
    case counter_kind::distinct_peers:
      what = fmt::format("distinct {} numbers", *t.svc);
      break;
  }
  std::string text = fmt::format(
      "{} {} {}", what, t.compare == comparison::reaches ? "reached" : "exceeded", level_text(t));
  if (counter != level_text(t)) text += fmt::format(" ({})", counter);
  return text;
}

std::string cycle_rater::level_text(const compiled_threshold& t) const {
  switch (t.counter) {
    case counter_kind::volume:
      return t.source->volume_level->to_string();
    case counter_kind::usage_fee:
      return t.source->fee_level->to_string();
    case counter_kind::distinct_peers:
      return std::to_string(t.source->count_level);
    case counter_kind::allowance_used:
      return fmt::format("{}%", t.source->percent_level);
  }
  return {};
}

// An accelerator pack's volume starts or ends being drawn while throttled (D8).
void cycle_rater::change_speed(const usage_record& r, const source& from, bool boosting,
                               bool after_last_part) {
  service_state& state = services_[static_cast<std::size_t>(r.svc)];
  state.boosting = boosting;
  event e;
  e.time = r.time;
  e.record = std::string(r.id);
  // The speed changed before the part just rated (it was drawn at the new speed), or, for
  // an accelerator that part used up, after it.
  e.parts_before = static_cast<std::uint32_t>(out_.parts.size() - record_first_part_ -
                                              (after_last_part ? 0 : 1));
  if (boosting) {
    e.kind = event_kind::throttle_lifted;
    e.product = plan_.product_at(out_.buckets[*from.bucket].product).source->id;
    e.reason = fmt::format("full speed while the accelerator's {} lasts", to_string(r.svc));
  } else {
    e.kind = event_kind::throttle;
    e.product = plan_.product_at(state.throttled_by->product).source->id;
    e.threshold = state.throttled_by->source->name;
    e.limit_kbps = state.throttled_by->source->limit_kbps;
    e.reason = fmt::format("accelerator volume used up; {} limited to {} kbps again",
                           to_string(r.svc), state.throttled_by->source->limit_kbps);
  }
  out_.events.push_back(std::move(e));
}

// reactivate_data lines up to t, in time order (D6: lifts the cut-off as the product says).
void cycle_rater::apply_requests_until(instant t) {
  const auto& requests = history_->reactivations;
  for (; next_request_ < requests.size() && requests[next_request_].time <= t; ++next_request_) {
    const account_request& q = requests[next_request_];
    if (!out_.cycle.contains(q.time)) continue;  // another cycle's request
    event e;
    e.time = q.time;
    e.from = q.from;
    service_state& data = services_[static_cast<std::size_t>(service::data)];
    if (data.suspended_by == nullptr) {
      e.kind = event_kind::refused;
      e.reason = "reactivate_data: data is not cut off";
    } else if (const product& p = *plan_.product_at(data.suspended_by->product).source;
               !p.reactivation.allowed) {
      e.kind = event_kind::refused;
      e.product = p.id;
      e.reason = fmt::format("reactivate_data: {} does not allow reactivating data", p.id);
    } else {
      e.kind = event_kind::reactivated;
      e.product = p.id;
      std::vector<std::string_view> lifted;
      for (threshold_action a : p.reactivation.lifts) lifted.push_back(to_string(a));
      e.reason = fmt::format("data reactivated; for the rest of the cycle no further {}",
                             fmt::join(lifted, " or "));
      for (threshold_slot& slot : slots_)
        if (slot.rule->product == data.suspended_by->product &&
            std::find(p.reactivation.lifts.begin(), p.reactivation.lifts.end(),
                      slot.rule->action) != p.reactivation.lifts.end())
          slot.lifted = true;
      data.suspended_by = nullptr;
    }
    out_.events.push_back(std::move(e));
  }
}

}  // namespace ratel::detail
