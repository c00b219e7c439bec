// What each product held in a cycle brings to it before any usage:
//  - its fee: D4 (a part month prorated by active days, by the product's day-count
//    strategy), D5 (effective dates, already in the subscriptions), D15 (per-order services,
//    a free window's end or the confirmation of a trial as the start of the charge);
//  - its allowance buckets: D4 (x 12/365 x active days, rounded down to whole increments);
//  - the credits of a deposit-and-bonus offer due in the cycle: D16.
// The order the buckets are drawn in is in rater_sources.cpp.
#include <algorithm>

#include "engine/cycle_rater.hpp"
#include "engine/small_sort.hpp"

namespace ratel::detail {

void cycle_rater::collect_fees_and_buckets() {
  const billing_cycle& cycle = out_.cycle;
  const zone& home = plan_.home_zone();
  const std::int64_t cycle_days = cycle.length_in_days().count();
  const auto& subs = history_->subscriptions;
  for (std::size_t i = 0; i < subs.size(); ++i) {
    const subscription& s = subs[i];
    // D22: a free window is half-open, [order, order + window). Ended at the window's very
    // end, the product was held outside it: the day the window ends is charged.
    const bool ended_as_window_ends = s.free_window && s.end == s.charged_from;
    if (ended_as_window_ends && cycle.contains(s.charged_from) && !s.awaiting_confirm)
      charge_fee(s, i, 1);
    if (!held_in(s, cycle)) continue;
    const product& p = *plan_.product_at(s.product).source;
    const instant until = s.end ? std::min(*s.end, cycle.end) : cycle.end;
    if (p.fee_charged == fee_basis::per_order && cycle.contains(s.start))
      out_.fees.push_back({s.product, i, p.fee_charged, p.fee, 0, cycle_days, {}});
    if (p.fee_charged == fee_basis::per_cycle && !s.awaiting_confirm && !ended_as_window_ends)
      // Charged from the start, the end of a free window or the confirmation (D15), by
      // the product's day-count strategy (D4).
      charge_fee(s, i, active_days(std::max(s.charged_from, cycle.start), until, home));
    const instant from = std::max(s.start, cycle.start);
    const day_share allowance_share =
        share_of_cycle(p.proration.allowance, active_days(from, until, home), cycle_days);
    for (std::size_t a = 0; a < p.allowances.size(); ++a) {
      const quantity& increment = *plan_.increment(p.allowances[a].svc);
      const quantity size = p.lasts == validity::subscription
                                ? prorate(p.allowances[a].amount, increment, allowance_share,
                                          p.proration.allowance_rounding)
                                : p.allowances[a].amount;
      out_.buckets.push_back({s.product, a, i, from, until, size, size});
    }
  }
}

// The recurring fee of subscription i for `days` active days of the cycle, by the
// product's day-count strategy (D4); nothing for no day.
void cycle_rater::charge_fee(const subscription& s, std::size_t i, std::int64_t days) {
  if (days <= 0) return;
  const product& p = *plan_.product_at(s.product).source;
  const std::int64_t cycle_days = out_.cycle.length_in_days().count();
  const day_share share = share_of_cycle(p.proration.fee, days, cycle_days);
  const money amount =
      share.whole() ? p.fee
                    : prorate(p.fee, share, p.proration.fee_places, p.proration.fee_rounding);
  out_.fees.push_back({s.product, i, p.fee_charged, amount, days, cycle_days, share});
}

// D16: each credit of each deposit's schedule that falls in this cycle: at the deposit
// (month 0) or at the start of the n-th cycle after the deposit's. None after a close.
void cycle_rater::collect_credits() {
  const zone& home = plan_.home_zone();
  for (const deposit_order& d : history_->deposits) {
    const product& offer = *plan_.product_at(d.product).source;
    const date::year_month deposit_month = cycle_containing(d.time, home).month;
    std::int64_t count = 0;
    for (const credit_rule& c : offer.credits) count += c.last_month - c.first_month + 1;
    std::vector<credit_due> schedule;
    for (const credit_rule& c : offer.credits)
      for (std::int64_t m = c.first_month; m <= c.last_month; ++m) {
        const instant at =
            m == 0 ? d.time : calendar_month_cycle(deposit_month + date::months(m), home).start;
        schedule.push_back({d.product, at, c.deposit_part, c.bonus_part, 0, count});
      }
    detail::stable_sort_small(
        schedule.begin(), schedule.end(),
        [](const credit_due& a, const credit_due& b) { return a.time < b.time; });
    for (std::size_t n = 0; n < schedule.size(); ++n) {
      credit_due& c = schedule[n];
      c.number = static_cast<std::int64_t>(n) + 1;
      if (!out_.cycle.contains(c.time)) continue;
      // None at or after a close, but for the credit at the deposit itself when the deposit
      // and the close share an instant: D21 applies the deposit first.
      if (history_->closed && c.time >= *history_->closed &&
          !(c.time == d.time && d.time == *history_->closed))
        continue;
      out_.credits.push_back(c);
    }
  }
}

}  // namespace ratel::detail
