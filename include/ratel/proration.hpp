// ratel/proration.hpp: the share of a cycle's fee or allowance for part of a cycle.
//
// Concept: like a bond's day-count convention, a proration strategy turns the days a
// product was active in a cycle into an exact ratio of whole numbers (never a floating
// point year fraction): `actual_days` is active days / days in the cycle, `days_12_365`
// is 12 x active days / 365 (R-PRO-04). The ratio is applied once and rounded once, by the
// rounding the product names (D4: fees to 0.01 half-up, allowances down to whole KB).
//
// Invariants:
//  - active days are local days of the home zone, from the day of the first active instant
//    to the day of the last one, both counted; an end at 00:00 does not make its day active;
//  - a product active on every day of the cycle gets the whole amount, whatever the
//    strategy (D4: "a full month is never prorated"; 12/365 x 31 would exceed it).
//
//   // gprs-20 from 2012-07-10 10:00: 22 active days of 31.
//   day_share s = share_of_cycle(proration_strategy::actual_days, 22, 31);   // 22/31
//   money fee = prorate(money::parse("20.00", cny), s, 2, rounding::half_up);  // 14.19
#pragma once

#include <cstdint>

#include "ratel/catalog.hpp"
#include "ratel/time.hpp"

namespace ratel {

/// An exact share numerator / denominator (denominator > 0).
struct day_share {
  std::int64_t numerator = 1;
  std::int64_t denominator = 1;
  bool whole() const noexcept { return numerator == denominator; }
};

/// Local days (home zone) on which [from, until) has at least one instant, counting both
/// the first and the last day; 0 if the interval is empty.
std::int64_t active_days(instant from, instant until, const zone& home);

/// The share a strategy gives for `active` of `days_in_cycle` days. A product active on
/// every day gets the whole (1/1), whatever the strategy.
day_share share_of_cycle(proration_strategy strategy, std::int64_t active,
                         std::int64_t days_in_cycle) noexcept;

/// amount x share, rounded to `places` decimals by `mode` (exact: checked 128-bit).
[[nodiscard]] money prorate(const money& amount, day_share share, int places, rounding mode);

/// amount x share, rounded to whole increments by `mode` (D4: down to whole KB).
[[nodiscard]] quantity prorate(const quantity& amount, const quantity& increment, day_share share,
                               rounding mode);

}  // namespace ratel
