// ratel/run/late_records.hpp: records of a closed cycle that arrive after it closed (D25).
//
// Concept: a closed cycle's bill is never rewritten. A record of a closed cycle given to a
// later run is rated by rating the closed cycle again, from the state the cycle before it
// left, with the records it was billed from and the late ones. What that changes on the
// closed cycle's bill becomes adjustments (adjustment.hpp) for the bill of the open cycle.
// The closed cycle's points are not stepped again: adjustments are spend of the cycle that
// bills them (D25). A pass charge the late records make is carried on (add_late_pass_charges),
// so that the open cycle does not charge that pass again (D23).
//
// Both bills of the closed cycle (as billed, and with the late records) are rated here with
// the same plan, so only the late records make a difference: a catalog changed since the
// close never turns into adjustments.
//
//   late_cycle july{july_cycle, &states_after_june, &july_billed_records, {&r1, &r2}};
//   late_result late = rate_late_records(plan, accounts, std::span(&july, 1));
//   rate_batch(plan, accounts, august_usage, august, from, threads, late.adjustments);
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "ratel/adjustment.hpp"
#include "ratel/bill.hpp"
#include "ratel/state.hpp"

namespace ratel {

/// A closed cycle and its late records.
struct late_cycle {
  billing_cycle cycle;
  /// The states the cycle before it left (the store's carried states), or null: none.
  const carried_book* before = nullptr;
  /// The records the cycle was billed from (at least those of the subscribers with late
  /// records); they view into a batch the caller keeps.
  std::vector<const usage_record*> billed;
  std::vector<const usage_record*> late;  ///< records of the cycle that arrived since
};

struct late_result {
  adjustment_book adjustments;  ///< by subscriber, each in (cycle, product, kind) order
  std::vector<reject> rejects;  ///< late records the closed cycle's rating rejects
  std::size_t rated = 0;        ///< late records charged
  /// Pass charges the late records made (D23), by subscriber.
  std::map<std::string, std::vector<charged_pass>, std::less<>> passes;
};

/// Rates the closed `cycles` again with their late records (see the file comment).
late_result rate_late_records(const rule_plan& plan, const account_book& accounts,
                              std::span<const late_cycle> cycles);

/// Adds the pass charges of `late` to the states an open cycle goes on from (`from`, states
/// after the cycle `after`), so that the open cycle does not charge them again.
void add_late_pass_charges(carried_book& from, const late_result& late, date::year_month after);

}  // namespace ratel
