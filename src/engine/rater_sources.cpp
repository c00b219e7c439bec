// Where each segment of a record comes from (rater.hpp, step 4), in this order:
//  - a pass that covers the record (rater_passes.cpp);
//  - an allowance bucket valid at the record's time for its service, band and country,
//    drawn in D13 order (higher priority, then smaller product code, then earlier start);
//    an accelerator pack's bucket only while the service is throttled, and then first (D8);
//    none after a cut-off (D6);
//  - a rate: a per-use service's own (D15), a cut-off's or rate change's (D6), else the
//    first product held in D13 order that rates it, else the base tariff (rules.hpp).
// choose_source and drawable run for every segment and are inline at the end of
// cycle_rater.hpp.
#include <algorithm>
#include <cassert>

#include "engine/cycle_rater.hpp"
#include "engine/small_sort.hpp"

namespace ratel::detail {

bool drawn_before(const rule_plan& plan, const subscription& a, std::size_t a_index,
                  const subscription& b, std::size_t b_index) {
  const product& pa = *plan.product_at(a.product).source;
  const product& pb = *plan.product_at(b.product).source;
  if (pa.priority != pb.priority) return pa.priority > pb.priority;
  if (pa.code != pb.code) return pa.code < pb.code;
  if (a.start != b.start) return a.start < b.start;
  return a_index < b_index;
}

void cycle_rater::order_draws() {
  const auto& subs = history_->subscriptions;
  for (std::size_t i = 0; i < subs.size(); ++i)
    if (held_in(subs[i], out_.cycle)) by_draw_order_.push_back(i);
  std::sort(by_draw_order_.begin(), by_draw_order_.end(), [&](std::size_t a, std::size_t b) {
    return drawn_before(plan_, subs[a], a, subs[b], b);
  });
  bucket_order_.resize(out_.buckets.size());
  for (std::size_t b = 0; b < bucket_order_.size(); ++b) bucket_order_[b] = b;
  stable_sort_small(bucket_order_.begin(), bucket_order_.end(), [&](std::size_t a, std::size_t b) {
    const bucket& x = out_.buckets[a];
    const bucket& y = out_.buckets[b];
    // While throttled, an accelerator pack's volume is the one to use (D8).
    const bool lift_x = lifts_throttle(x), lift_y = lifts_throttle(y);
    if (lift_x != lift_y) return lift_x;
    if (x.subscription != y.subscription)
      return drawn_before(plan_, subs[x.subscription], x.subscription, subs[y.subscription],
                          y.subscription);
    return x.allowance < y.allowance;
  });
}

// The rate for the part of a record no allowance covers, under the current state.
source cycle_rater::rate_for(const usage_record& r, band_id band, country_id country) const {
  // A vas record naming a per-use service is priced by that service alone (D15).
  if (r.svc == service::vas && !r.product.empty()) {
    const auto index = plan_.product_index(r.product);
    if (!index) return source{};
    return source::charged(rule_plan::match(plan_.product_at(*index).rates, r.svc, band, country),
                           *index);
  }
  const service_state& state = services_[static_cast<std::size_t>(r.svc)];
  if (state.rate_override != nullptr && state.rate_override->covers.test(country))
    return source::charged(&*state.rate_override->then_rate, state.rate_override->product);
  for (std::size_t i : by_draw_order_) {
    const subscription& s = history_->subscriptions[i];
    if (!s.active_at(r.time)) continue;
    if (const compiled_rate* rate =
            rule_plan::match(plan_.product_at(s.product).rates, r.svc, band, country))
      return source::charged(rate, s.product);
  }
  return source::charged(rule_plan::match(plan_.base_rates(), r.svc, band, country), std::nullopt);
}

std::int64_t cycle_rater::drawable_units(const usage_record& r, band_id band,
                                         country_id country) const {
  std::int64_t total = 0;
  for (const bucket& k : out_.buckets)
    if (drawable(k, r, band, country))
      total += k.remaining.value() / plan_.increment(r.svc)->value();
  return total;
}

}  // namespace ratel::detail
