// Internal: the state of rating one subscriber's cycle (rate_cycle, rater.hpp), declared
// here by rule family so that each family can live in its own file.
#pragma once

#include <array>
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
/// pass that covers it.
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

/// One threshold of a product held in the cycle, with its counter.
struct threshold_slot {
  const compiled_threshold* rule = nullptr;
  std::int64_t level = 0;  ///< in the counter's unit; allowance_used resolved to increments
  std::int64_t counter = 0;
  bool fired = false;
  bool lifted = false;  ///< switched off by reactivate_data for the rest of the cycle
  bool active = false;  ///< its product is held at the time of the record being rated
  std::unordered_set<std::string_view> peers;  ///< distinct_peers: numbers seen
};

/// What thresholds have done to one service so far in the cycle.
struct service_state {
  const compiled_threshold* rate_override = nullptr;  ///< a cut_off or rate_change in force
  const compiled_threshold* suspended_by = nullptr;   ///< a cut_off not lifted by the customer
  const compiled_threshold* barred_by = nullptr;
  const compiled_threshold* throttled_by = nullptr;
  bool boosting = false;  ///< the last part drew from an accelerator pack
};

/// A subscription that can be billed in a cycle: it does not end where it starts.
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

  void rate(const usage_record& r);

  bool holds_passes() const noexcept { return !pass_order_.empty(); }

  /// D10-D12: each (pass, day or validity, country) with covered use is charged once, in
  /// the cycle holding that day's date (or the validity's first date). `context` holds the
  /// subscriber's records of every cycle the caller has, in (time, id) order.
  void charge_passes(std::span<const usage_record* const> context);

  rated_cycle finish() &&;

 private:
  // The record loop.
  std::string format_time(instant t) const;
  void reject_record(const usage_record& r, reject_reason reason, std::string detail);
  void emit_part(const usage_record& r, const source& from, std::int64_t units,
                 const quantity& increment);

  // Fees, allowance buckets and credits (rater_fees.cpp).
  void collect_fees_and_buckets();
  void collect_credits();

  // Sources: where a segment comes from (rater_sources.cpp).
  void order_draws();
  source choose_source(const usage_record& r, band_id band, country_id country) const;
  source rate_for(const usage_record& r, band_id band, country_id country) const;
  bool drawable(const bucket& k, const usage_record& r, band_id band, country_id country) const;
  std::int64_t drawable_units(const usage_record& r, band_id band, country_id country) const;
  bool lifts_throttle(const bucket& k) const {
    return plan_.product_at(k.product).source->lifts_throttle;
  }

  // Passes (rater_passes.cpp).
  void collect_passes();
  std::optional<std::size_t> covering_pass(const usage_record& r, country_id country) const;
  const zone& day_zone_of(const compiled_pass& pass, country_id country) const;

  // Thresholds (rater_thresholds.cpp).
  void collect_thresholds();
  bool product_active(std::size_t product, instant t) const;
  void set_active_slots(instant t);
  std::int64_t before_crossing(const usage_record& r, const source& from, country_id country,
                               std::int64_t take) const;
  void count_last_part(const usage_record& r, const source& from, country_id country,
                       const quantity& increment);
  bool counts(const threshold_slot& slot, const usage_record& r, const source& from,
              country_id country) const;
  bool can_cross(const threshold_slot& slot, const usage_record& r, const source& from) const;
  std::optional<std::int64_t> cap_room(const usage_record& r, const source& from) const;
  std::int64_t distance(const threshold_slot& slot, const source& from) const;
  std::int64_t counted(const threshold_slot& slot, const charge_part& part) const;
  static bool crossed(const threshold_slot& slot);
  bool fire_exceeded_before(const usage_record& r, const source& from, country_id country,
                            const quantity& increment);
  void count_peer(const usage_record& r, const quantity& increment);
  void fire(threshold_slot& slot, const usage_record& r, const quantity& increment);
  std::string counter_text(const threshold_slot& slot, const quantity& increment) const;
  std::string crossing_text(const compiled_threshold& t, const std::string& counter) const;
  std::string level_text(const compiled_threshold& t) const;
  void track_boost(const usage_record& r, const source& from);

  // Account requests: reactivate_data (rater_thresholds.cpp).
  void apply_requests_until(instant t);

  const rule_plan& plan_;
  const account_history* history_;
  rated_cycle out_;
  std::vector<std::size_t> bucket_order_;   // bucket indices, accelerators first, then D13
  std::vector<std::size_t> by_draw_order_;  // subscription indices in D13 order
  std::vector<std::size_t> pass_order_;     // subscriptions of passes (any cycle), D13 order
  std::vector<threshold_slot> slots_;
  bool counts_peers_ = false;  // some slot counts distinct numbers: only then read peers
  std::array<service_state, all_services.size()> services_{};
  std::size_t next_request_ = 0;
};

}  // namespace ratel::detail
