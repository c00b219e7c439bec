// ratel/explain.hpp: why a bill says what it says, in words a dispute agent can read aloud.
//
// Concept: for one subscriber and cycle, every bill line with the records and the catalog
// rules that made it: the fee and its proration, each allowance and the records that drew
// it, each usage line with its parts (a record split at an allowance's end or a threshold
// shows one part on each side), the exact unrounded sum and the rounding that made the
// line's amount, pass charges with the records that made a day chargeable, credits; then
// the total as the sum of the lines, and the events. With a record id: that record's whole
// path (its rounding to increments, band, country, each part and the thresholds it crossed).
// Adjustment lines (D25) are shown with the cycle they correct.
//
//   std::cout << explain_bill(plan, accounts, usage, "13800000001", july, std::nullopt);
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ratel/bill.hpp"

namespace ratel {

/// The explanation of `subscriber`'s bill for `cycle`, or of one of its records. Throws
/// input_error (field `subscriber` or `record`) if there is no such bill or record. `from`:
/// the subscriber's state after the cycle before (a store's, D24), or null to start afresh;
/// `adjustments`: the corrections of closed cycles the bill carries (D25).
std::string explain_bill(const rule_plan& plan, const account_book& accounts,
                         const usage_batch& usage, std::string_view subscriber,
                         const billing_cycle& cycle, std::optional<std::string_view> record,
                         const carried_state* from = nullptr,
                         std::span<const adjustment> adjustments = {});

}  // namespace ratel
