// ratel/store/late_records_in_store.hpp: late records (D25) rated against what a cycle store
// kept of their closed cycles.
//
// Concept: a record of a closed cycle that arrives after the close (a batch `ratel rate
// --store` of a later cycle, or a live worker, kafka/live_worker.hpp) is rated by rating its
// closed cycle again (run/late_records.hpp). What that needs comes from the store: the
// states the cycle before it left, and the records the closed cycle billed, read back from
// the rows the store kept. The same function serves the batch close and the live close, so
// both bill a late record the same way.
//
//   store_late_records late =
//       rate_late_records_in_store(store, "billing.db", plan, accounts, candidates, august);
//   add_late_pass_charges(from, late.rated, july);
//   rate_batch(plan, accounts, usage, august, from, 1, late.rated.adjustments);
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/run/late_records.hpp"
#include "ratel/store/cycle_store.hpp"
#include "ratel/usage.hpp"

namespace ratel {

/// The records of closed cycle `month` for `subscribers`, read back from the rows the store
/// kept: all of them (`as_closed` false: its late records billed since included), or only
/// those its own close billed (true: what its stored bills were rated from). Throws
/// store_error naming `store_name` if one cannot be read.
usage_batch billed_usage(cycle_store& store, const std::string& store_name, date::year_month month,
                         const std::set<std::string_view>& subscribers, bool as_closed = false);

/// Late records rated with their closed cycles, and what their rating views into.
struct store_late_records {
  late_result rated;
  /// Each late record's closed cycle, by its line; a candidate not here is of no closed
  /// cycle (before the store's first), and is left to the caller (outside the cycle).
  std::map<std::uint32_t, date::year_month> cycle_of;
  std::deque<usage_batch> billed;   ///< what the closed cycles were billed from
  std::deque<carried_book> before;  ///< the state each closed cycle went on from
};

/// Rates the closed cycles of `store` again with those of `candidates` (records dated before
/// the `open` cycle, none billed already: cycle_store::billed) that belong to one of them
/// (run/late_records.hpp). Reads the store only: callable inside a close's transaction
/// before its first add.
store_late_records rate_late_records_in_store(cycle_store& store, const std::string& store_name,
                                              const rule_plan& plan, const account_book& accounts,
                                              const std::vector<const usage_record*>& candidates,
                                              const billing_cycle& open);

}  // namespace ratel
