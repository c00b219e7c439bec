// Internal: rating one subscriber's cycle (rate_cycle, rater.hpp). One class, cycle_rater,
// declared here by rule family; each family's members are defined in a file of its own:
//
//   rater.cpp             the record loop and rate_cycle: (time, id) order, whole
//                         increments (D1), bands (D17), rejects, segments and their parts
//   rater_fees.cpp        before any usage: fees (D4, D5, D15), allowance buckets (D4),
//                         deposit credits (D16)
//   rater_sources.cpp     where a segment comes from: draw order (D13; D8 accelerators),
//                         the bucket to draw, the rate (D15 per-use services, D6 cut-off)
//   rater_passes.cpp      roaming passes (D10, D11, D12): which pass covers a record, what
//                         is charged and in which cycle
//   rater_thresholds.cpp  thresholds: caps and cut-offs (D6), throttles and accelerators
//                         (D8), bars and distinct numbers (D9), reminders; and the request
//                         that lifts them, reactivate_data (D6)
//
// What the loop asks for every segment (choosing the source, counting toward thresholds,
// caps) is defined at the end of this header instead, inline: the note there says why.
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "ratel/rater.hpp"

namespace ratel::detail {

/// Where the next segment of a record comes from: a bucket to draw, a rate to charge, or a
/// pass that covers it (rater_sources.cpp decides).
struct source {
  std::optional<std::size_t> bucket;
  const compiled_rate* rate = nullptr;
  std::optional<std::size_t> owner;  ///< the rate's or the pass's product; nullopt: base tariff
  std::optional<std::size_t> pass;   ///< the covering pass's subscription

  static source drawn(std::size_t bucket) {
    source s;
    s.bucket = bucket;
    return s;
  }
  static source charged(const compiled_rate* rate, std::optional<std::size_t> owner) {
    source s;
    s.rate = rate;
    s.owner = owner;
    return s;
  }
  static source covered(std::size_t product, std::size_t subscription) {
    source s;
    s.owner = product;
    s.pass = subscription;
    return s;
  }
};

/// Called numbers in a set: foreign and national numbers of the same digits are two.
struct called_number_hash {
  std::size_t operator()(const rule_plan::called_number& n) const noexcept {
    return std::hash<std::string_view>{}(n.digits) ^ static_cast<std::size_t>(n.foreign);
  }
};

/// One threshold of a product held in the cycle, with its counter (rater_thresholds.cpp).
struct threshold_slot {
  const compiled_threshold* rule = nullptr;
  std::int64_t level = 0;  ///< in the counter's unit; allowance_used resolved to increments
  std::int64_t counter = 0;
  bool fired = false;
  bool lifted = false;          ///< switched off by reactivate_data for the rest of the cycle
  bool active = false;          ///< its product is held at the time of the record being rated
  bool counts_segment = false;  ///< the segment being rated adds to it (before_crossing)
  /// distinct_peers: the numbers seen, normalised (D20)
  std::unordered_set<rule_plan::called_number, called_number_hash> peers;
};

/// What thresholds have done to one service so far in the cycle (set by
/// rater_thresholds.cpp; the loop and the sources read it).
struct service_state {
  const compiled_threshold* rate_override = nullptr;  ///< a cut_off or rate_change in force
  const compiled_threshold* suspended_by = nullptr;   ///< a cut_off not lifted by the customer
  const compiled_threshold* barred_by = nullptr;
  const compiled_threshold* throttled_by = nullptr;
  bool boosting = false;  ///< the last part drew from an accelerator pack
};

/// a / b rounded up, for a >= 0 and b > 0.
inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return a / b + (a % b != 0 ? 1 : 0);
}

/// A subscription that lasts at all: it does not end where it starts.
inline bool non_empty(const subscription& s) {
  return !s.end || *s.end > s.start;
}

/// A subscription held at some time in the cycle: its fees, allowances, rates and
/// thresholds apply to the cycle.
inline bool held_in(const subscription& s, const billing_cycle& cycle) {
  return non_empty(s) && s.overlaps(cycle.start, cycle.end);
}

/// D13 draw order between two product instances: higher priority, then smaller product
/// code, then earlier start; the log order settles the rest deterministically.
bool drawn_before(const rule_plan& plan, const subscription& a, std::size_t a_index,
                  const subscription& b, std::size_t b_index);

/// One subscriber's cycle being rated. Construction collects what the cycle holds before
/// any usage (fees, buckets, credits, the draw orders, the threshold slots); then rate()
/// takes each record in (time, id) order, charge_passes() the pass charges, and finish()
/// gives the rated cycle.
class cycle_rater {
 public:
  cycle_rater(const rule_plan& plan, const account_history* history, const billing_cycle& cycle);

  /// Room for `records` records and their parts at once (most records are one part; a
  /// threshold crossed splits one): grown record by record, each cycle's two vectors were
  /// reallocated and moved a few times over.
  void expect_records(std::size_t records) {
    out_.records.reserve(records);
    out_.parts.reserve(records + records / 4 + 1);
  }

  void rate(const usage_record& r);

  bool holds_passes() const noexcept { return !pass_order_.empty(); }

  /// D10-D12: each (pass, day or validity, country) with covered use is charged once, in
  /// the cycle holding that day's date (or the validity's first date). `context` holds the
  /// subscriber's records of every cycle the caller has, in (time, id) order.
  void charge_passes(std::span<const usage_record* const> records,
                     std::span<const charged_pass> before);

  rated_cycle finish() &&;

  /// What is rated so far (cycle_rating, live rating): events and rejects grow as records
  /// are rated.
  const rated_cycle& so_far() const noexcept { return out_; }
  /// Drops the parts and records rated so far, keeping the state they left (buckets,
  /// thresholds, events, rejects): live rating closes by rating again, so it needs only
  /// the state, and a saved point stays small.
  void forget_rated() noexcept {
    out_.parts.clear();
    out_.records.clear();
  }

 private:
  // The record loop (rater.cpp; emit_part is inline there).
  std::string format_time(instant t) const;
  void reject_record(const usage_record& r, reject_reason reason, std::string detail);
  [[gnu::always_inline]] void emit_part(const usage_record& r, const source& from,
                                        std::int64_t units, const quantity& increment);

  // Fees, allowance buckets and credits (rater_fees.cpp).
  void collect_fees_and_buckets();
  void charge_fee(const subscription& s, std::size_t i, std::int64_t days);
  void collect_credits();

  // The band of a record's time: the home zone's offset looked up once per span of the
  // zone's table, not per record (records come in time order).
  band_id band_at(instant t) {
    if (!home_offset_.holds(t)) home_offset_ = plan_.home_zone().offset_span_at(t);
    return plan_.band_at(t, home_offset_.offset);
  }

  // Sources: where a segment comes from (rater_sources.cpp; the first two inline below).
  [[gnu::always_inline]] source choose_source(const usage_record& r, band_id band,
                                              country_id country) const;
  bool drawable(const bucket& k, const usage_record& r, band_id band, country_id country) const;
  void order_draws();
  source rate_for(const usage_record& r, band_id band, country_id country) const;
  std::int64_t drawable_units(const usage_record& r, band_id band, country_id country) const;
  bool lifts_throttle(const bucket& k) const {
    return plan_.product_at(k.product).source->lifts_throttle;
  }

  // Passes (rater_passes.cpp).
  void collect_passes();
  // The pass that covers r, if any (inline: most cycles hold no pass, and the question is
  // asked for every segment).
  std::optional<std::size_t> covering_pass(const usage_record& r, country_id country) const {
    if (pass_order_.empty()) return std::nullopt;
    return first_covering_pass(r, country);
  }
  std::optional<std::size_t> first_covering_pass(const usage_record& r, country_id country) const;
  const zone& day_zone_of(const compiled_pass& pass, country_id country) const;

  // Thresholds, per segment (inline below).
  [[gnu::always_inline]] void set_active_slots(instant t);
  bool product_active(std::size_t product, instant t) const;
  bool fire_exceeded_before(const usage_record& r, const source& from, country_id country,
                            const quantity& increment);
  std::int64_t before_crossing(const usage_record& r, const source& from, country_id country,
                               std::int64_t take);
  void count_last_part(const usage_record& r, const quantity& increment);
  bool counts(const threshold_slot& slot, const usage_record& r, const source& from,
              country_id country) const;
  bool can_cross(const threshold_slot& slot, const usage_record& r, const source& from) const;
  std::optional<std::int64_t> cap_room(const usage_record& r, const source& from) const;
  std::int64_t distance(const threshold_slot& slot, const source& from) const;
  std::int64_t counted(const threshold_slot& slot, const charge_part& part) const;
  static bool crossed(const threshold_slot& slot);
  void track_boost(const usage_record& r, const source& from, band_id band, country_id country);

  // Thresholds, collecting the slots and acting (rater_thresholds.cpp).
  void collect_thresholds();
  void count_peer(const usage_record& r, const quantity& increment);
  void fire(threshold_slot& slot, const usage_record& r, const quantity& increment);
  std::string counter_text(const threshold_slot& slot, const quantity& increment) const;
  std::string crossing_text(const compiled_threshold& t, const std::string& counter) const;
  std::string level_text(const compiled_threshold& t) const;
  void change_speed(const usage_record& r, const source& from, bool boosting, bool after_last_part);
  void apply_requests_until(instant t);  // reactivate_data
  // Whether a reactivate_data is due by t: asked for every record, rarely true, so inline.
  bool request_due_by(instant t) const {
    const auto& requests = history_->reactivations;
    return next_request_ < requests.size() && requests[next_request_].time <= t;
  }

  const rule_plan& plan_;
  const account_history* history_;
  rated_cycle out_;
  // Sources.
  std::vector<std::size_t> bucket_order_;   // bucket indices, accelerators first, then D13
  std::vector<std::size_t> by_draw_order_;  // subscriptions held in the cycle, D13 order
  // Passes.
  std::vector<std::size_t> pass_order_;  // subscriptions of passes (any cycle), D13 order
  // Bands: the home zone's offset over the span holding the last record (band_at).
  zone::offset_span home_offset_{instant::max(), instant::min(), {}};
  // Thresholds.
  std::vector<threshold_slot> slots_;
  // The slots' `active` hold for the records in [from, until): no subscription held in the
  // cycle starts or ends inside (set_active_slots).
  instant slots_active_from_ = instant::max();
  instant slots_active_until_ = instant::min();
  bool counts_peers_ = false;  // some slot counts distinct numbers: only then read peers
  std::array<service_state, all_services.size()> services_{};
  std::size_t next_request_ = 0;       // the next reactivate_data to apply
  std::size_t record_first_part_ = 0;  // the first part of the record being rated
};

// Inline: the per-segment path. The loop calls these for every segment of every record;
// in their families' files, out of the loop's reach, the rating benchmark ran about 5%
// slower. While cycle_rater was local to rater.cpp, GCC also inlined the larger ones because
// each has a single caller; shared between files they no longer count as such, and -O2's
// limit for inline functions kept choose_source, set_active_slots and emit_part out (2%
// slower), so those three say always_inline. bench/README.md has the measurements.

// Sources (rater_sources.cpp has the rest of the family).

// Where the next segment of r comes from: a covering pass, then the first bucket that can be
// drawn in bucket_order_ (D13), then the rate (rate_for).
inline source cycle_rater::choose_source(const usage_record& r, band_id band,
                                         country_id country) const {
  if (const auto pass = covering_pass(r, country))
    return source::covered(history_->subscriptions[*pass].product, *pass);
  for (std::size_t b : bucket_order_)
    if (drawable(out_.buckets[b], r, band, country)) return source::drawn(b);
  source s = rate_for(r, band, country);
  assert(s.rate != nullptr);  // checked before the record's first segment
  return s;
}

// Whether bucket k can be drawn for record r now.
inline bool cycle_rater::drawable(const bucket& k, const usage_record& r, band_id band,
                                  country_id country) const {
  const compiled_allowance& a = plan_.product_at(k.product).allowances[k.allowance];
  if (a.source->svc != r.svc || !a.covers.test(country)) return false;
  if (a.band && *a.band != band) return false;
  if (r.time < k.valid_from || r.time >= k.valid_until) return false;
  if (k.remaining.value() < plan_.increment(r.svc)->value()) return false;
  const service_state& state = services_[static_cast<std::size_t>(r.svc)];
  // An accelerator pack's volume is drawn only while the service is throttled (D8).
  if (lifts_throttle(k) && state.throttled_by == nullptr) return false;
  // After a cut-off (D6), what is still recorded is rated by the cut-off's own rate.
  if (state.rate_override != nullptr && state.rate_override->action == threshold_action::cut_off &&
      state.rate_override->covers.test(country))
    return false;
  return true;
}

// Thresholds: counting (rater_thresholds.cpp collects the slots and acts on what is
// counted).

// t is in the cycle, so only the subscriptions held in it can be active then: those, not
// the whole history (issue 14 item 11: a record would look at every line ever written).
inline bool cycle_rater::product_active(std::size_t product, instant t) const {
  return std::any_of(by_draw_order_.begin(), by_draw_order_.end(), [&](std::size_t i) {
    const subscription& s = history_->subscriptions[i];
    return s.product == product && s.active_at(t);
  });
}

// A record has one instant, so whether each threshold's product is held is known once; and
// it changes only where a subscription held in the cycle starts or ends, so the flags found
// for one record stand for every record up to the next such instant (and back to the last):
// most records of a cycle skip the search (issue 19: it was 4% of a month).
inline void cycle_rater::set_active_slots(instant t) {
  if (t >= slots_active_from_ && t < slots_active_until_) return;
  for (threshold_slot& slot : slots_) slot.active = product_active(slot.rule->product, t);
  slots_active_from_ = instant::min();
  slots_active_until_ = instant::max();
  auto bound = [&](instant change) {
    if (change <= t)
      slots_active_from_ = std::max(slots_active_from_, change);
    else
      slots_active_until_ = std::min(slots_active_until_, change);
  };
  for (std::size_t i : by_draw_order_) {
    const subscription& s = history_->subscriptions[i];
    bound(s.start);
    if (s.end) bound(*s.end);
  }
}

// Exceeds-thresholds at exactly their level fire before the next unit they count.
inline bool cycle_rater::fire_exceeded_before(const usage_record& r, const source& from,
                                              country_id country, const quantity& increment) {
  bool fired = false;
  for (threshold_slot& slot : slots_) {
    if (slot.rule->compare != comparison::exceeds || slot.counter != slot.level) continue;
    if (slot.rule->counter == counter_kind::usage_fee || !counts(slot, r, from, country)) continue;
    slot.counter += 1;  // the unit about to be rated is the one that exceeds
    fire(slot, r, increment);
    slot.counter -= 1;  // and it is counted when it is rated
    fired = true;
  }
  return fired;
}

// At most `take` increments: where a segment from `from` ends so that no threshold it
// counts toward is crossed inside it. Which slots the segment counts toward is kept for
// count_last_part: nothing between the two changes it (a slot fired while counting the
// part is not visited again).
inline std::int64_t cycle_rater::before_crossing(const usage_record& r, const source& from,
                                                 country_id country, std::int64_t take) {
  for (threshold_slot& slot : slots_) {
    slot.counts_segment = counts(slot, r, from, country);
    if (slot.counts_segment && can_cross(slot, r, from))
      take = std::min(take, distance(slot, from));
  }
  return take;
}

// The part just rated adds to the counters it counts toward; those it takes across their
// level fire.
inline void cycle_rater::count_last_part(const usage_record& r, const quantity& increment) {
  for (threshold_slot& slot : slots_)
    if (slot.counts_segment) {
      slot.counter += counted(slot, out_.parts.back());
      if (crossed(slot)) fire(slot, r, increment);
    }
}

// Whether a segment from `from` of record r adds to this slot's counter.
inline bool cycle_rater::counts(const threshold_slot& slot, const usage_record& r,
                                const source& from, country_id country) const {
  const compiled_threshold& t = *slot.rule;
  if (slot.fired || slot.lifted || !slot.active) return false;
  switch (t.counter) {
    case counter_kind::volume:
      if (*t.svc != r.svc || !t.covers.test(country)) return false;
      if (t.peers == peer_filter::on_net) return plan_.is_on_net(r.peer);
      if (t.peers == peer_filter::off_net) return !plan_.is_on_net(r.peer);
      return true;
    case counter_kind::allowance_used:
      return from.bucket && out_.buckets[*from.bucket].product == t.product &&
             plan_.product_at(t.product)
                     .allowances[out_.buckets[*from.bucket].allowance]
                     .source->svc == *t.svc;
    case counter_kind::usage_fee:
      return from.rate != nullptr && (t.all_fees || from.owner == t.product) && from.rate->capped &&
             (!t.svc || *t.svc == r.svc) && from.rate->price_per_increment.micros() > 0;
    case counter_kind::distinct_peers:
      return false;  // counted per record (count_peer)
  }
  return false;
}

// A usage fee counter grows by what is charged, so when the caps in force leave less
// room than it needs, it cannot cross in this segment: splitting every few increments
// would change nothing but fill memory with parts (a 100 MB record in 1 B increments).
inline bool cycle_rater::can_cross(const threshold_slot& slot, const usage_record& r,
                                   const source& from) const {
  if (slot.rule->counter != counter_kind::usage_fee) return true;
  const std::optional<std::int64_t> room = cap_room(r, from);
  const std::int64_t need = slot.level - slot.counter;
  return !room || (slot.rule->compare == comparison::reaches ? *room >= need : *room > need);
}

// The least room the caps in force (D6) leave for a charge from `from` (micro-units);
// nullopt when no cap stops it.
inline std::optional<std::int64_t> cycle_rater::cap_room(const usage_record& r,
                                                         const source& from) const {
  std::optional<std::int64_t> room;
  if (from.rate == nullptr || !from.rate->capped) return room;
  for (const threshold_slot& slot : slots_) {
    const compiled_threshold& t = *slot.rule;
    if (t.action != threshold_action::cap || slot.lifted) continue;
    if (!t.all_fees && from.owner != t.product) continue;
    if ((t.svc && *t.svc != r.svc) || !slot.active) continue;
    // A cap in force charges nothing; the part that reaches it, only up to it.
    const std::int64_t left = slot.fired ? 0 : slot.level - slot.counter;
    room = room ? std::min(*room, left) : left;
  }
  return room;
}

// How many increments of a segment from `from` this slot can count before it crosses.
inline std::int64_t cycle_rater::distance(const threshold_slot& slot, const source& from) const {
  const std::int64_t need = slot.level - slot.counter;  // >= 0 (>= 1 for reaches)
  if (slot.rule->counter != counter_kind::usage_fee)
    return std::max<std::int64_t>(need, 1);  // state applies to units beyond the level
  const std::int64_t price = from.rate->price_per_increment.micros();
  return slot.rule->compare == comparison::reaches ? ceil_div(need, price) : need / price + 1;
}

inline std::int64_t cycle_rater::counted(const threshold_slot& slot,
                                         const charge_part& part) const {
  return slot.rule->counter == counter_kind::usage_fee ? part.charge.micros() : part.units;
}

inline bool cycle_rater::crossed(const threshold_slot& slot) {
  return slot.rule->compare == comparison::reaches ? slot.counter >= slot.level
                                                   : slot.counter > slot.level;
}

// An accelerator pack starting or ending while throttled changes the speed (D8).
inline void cycle_rater::track_boost(const usage_record& r, const source& from, band_id band,
                                     country_id country) {
  service_state& state = services_[static_cast<std::size_t>(r.svc)];
  if (state.throttled_by == nullptr) return;
  const bool boosting = from.bucket && lifts_throttle(out_.buckets[*from.bucket]);
  if (boosting != state.boosting) change_speed(r, from, boosting, false);
  // Used up by this part, with no other accelerator to draw: the throttle is back from the
  // record that used it up, not from the next one.
  if (boosting && out_.buckets[*from.bucket].remaining.value() == 0 &&
      std::none_of(bucket_order_.begin(), bucket_order_.end(), [&](std::size_t b) {
        return lifts_throttle(out_.buckets[b]) && drawable(out_.buckets[b], r, band, country);
      }))
    change_speed(r, from, false, true);
}

}  // namespace ratel::detail
