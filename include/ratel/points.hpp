// ratel/points.hpp: loyalty points: accrual, cohorts, expiry, redemption (D7).
//
// Concept: a ledger per subscriber, advanced one cycle at a time in cycle order. Points
// earned on a cycle's bill (whole units of the spend lines, the fraction rounded as the
// program says) are credited at the start of a later cycle as one cohort; a cohort
// credited in month M expires at the end of month M + validity - 1 and is written off in
// the first cycle after that. `redeem_points` takes points from the oldest (or newest)
// cohorts, or is refused with a reason (account closed, tenure too short, not enough
// points) and changes nothing. `close` forfeits the balance and what is still to be
// credited.
//
// The ledger flows from cycle to cycle: a run starts it empty at its first cycle, unless it
// is given the points_carry an earlier run left (carried_state, state.hpp, D24).
//
//   points_ledger ledger(*plan.source().points, history, plan.home_zone());
//   points_statement june = ledger.step(june_cycle, points_for(program, spend_of(program, b)),
//   events);
#pragma once

#include <cstdint>
#include <vector>

#include "ratel/account.hpp"

namespace ratel {

/// Points credited together in one month, and what is left of them.
struct points_cohort {
  date::year_month credited;  ///< the month whose first instant credited them
  std::int64_t points = 0;
  std::int64_t remaining = 0;
  date::year_month last_month;  ///< valid to the end of this month
  bool operator==(const points_cohort&) const = default;
};

/// What happened to a subscriber's points in one cycle.
struct points_statement {
  std::int64_t earned = 0;    ///< on this cycle's bill, to be credited later
  std::int64_t credited = 0;  ///< at this cycle's start
  std::int64_t redeemed = 0;
  std::int64_t expired = 0;            ///< cohorts past their last month, written off
  std::int64_t forfeited = 0;          ///< at a close
  std::int64_t balance = 0;            ///< at the end of the cycle
  std::vector<points_cohort> cohorts;  ///< with points left at the end of the cycle, oldest first
};

/// Points a spend earns: whole `unit`s of it (the fraction rounded as the program says),
/// times points_per_unit; nothing for a spend that is not positive. The spend of a bill is
/// `spend_of` in bill.hpp.
std::int64_t points_for(const points_program& program, const money& spend);

/// What a ledger holds between cycles: its cohorts, what is earned but not yet credited,
/// and whether the account was closed.
struct points_carry {
  std::vector<points_cohort> cohorts;                              ///< oldest first
  std::vector<std::pair<date::year_month, std::int64_t>> pending;  ///< credit month, points
  bool closed = false;
  bool operator==(const points_carry&) const = default;
};

class points_ledger {
 public:
  /// An empty ledger, or one that goes on from `from` (the end of an earlier cycle).
  points_ledger(const points_program& program, const account_history& history, const zone& home,
                const points_carry* from = nullptr);

  /// The ledger as it stands after the last step.
  points_carry carry() const { return {cohorts_, pending_, closed_}; }

  /// Advances through `cycle` (the next one after the previous step's): credits, then
  /// expiries, then the redemptions and close in the cycle in time order, then records
  /// `earned` for crediting later. Refused redemptions are appended to `events`.
  points_statement step(const billing_cycle& cycle, std::int64_t earned,
                        std::vector<event>& events);

 private:
  std::int64_t balance() const;
  void redeem(const account_request& request, std::int64_t points, points_statement& s,
              std::vector<event>& events);

  const points_program& program_;
  const account_history& history_;
  const zone& home_;
  std::vector<points_cohort> cohorts_;                              // oldest first
  std::vector<std::pair<date::year_month, std::int64_t>> pending_;  // credit month, points
  bool closed_ = false;
};

}  // namespace ratel
