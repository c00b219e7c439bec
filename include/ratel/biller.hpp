// ratel/biller.hpp: one account billed cycle after cycle.
//
// Concept: everything that turns one subscriber's records of a cycle into that cycle's
// bill, in one place, so that every run (batch, stream, explain) bills alike: rate the
// cycle (rater.hpp), finish its bill (finish_bill in bill.hpp: lines, total, events and
// the points statement, D7), and carry to the next cycle what it needs: the carried state
// (state.hpp, D24: the points ledger and the pass charges still in use). Cycles are given in
// order, each the one after the previous call's; the first may go on from a state an
// earlier run left, and carried() is the state after the last.
//
// Which cycles get a bill: a cycle in which the account was open (known before the cycle
// ends, not closed before it starts), any cycle with a record of the subscriber, and any
// cycle given adjustments of a closed one (D25).
// A subscriber the account log does not know gets no bill; the rater rejects its records.
//
// Overflow: each record fits money exactly, but a cycle's sums may not (absurd volumes).
// Then no record of the cycle can be charged exactly, so none is: each is rejected with
// reason `overflow`, and the bill keeps what does not depend on usage (fees, credits).
//
//   account_biller biller(plan, book.find("13800000001"));
//   billed_cycle july = biller.bill(july_cycle, july_records);
//   biller.skip(august_cycle);   // nothing to bill; the points ledger still steps
//   carried_state after = biller.carried();
#pragma once

#include <optional>
#include <span>

#include "ratel/bill.hpp"

namespace ratel {

/// One cycle of one account: how it was rated, and its bill if it gets one.
struct billed_cycle {
  /// The rated cycle; after an overflow, the cycle rated without records, with one
  /// `overflow` reject per record.
  rated_cycle rated;
  std::optional<bill> finished;
};

/// Whether an account was open at some point in `cycle`: known before its end (joined, or
/// any line of the log), not closed before its start.
bool open_during(const account_history& history, const billing_cycle& cycle);

class account_biller {
 public:
  /// `history` may be null (a subscriber the account log does not know). Both must outlive
  /// the biller. `from`: the state an earlier cycle left (the first cycle billed is the one
  /// after from->after), or null to start afresh.
  account_biller(const rule_plan& plan, const account_history* history,
                 const carried_state* from = nullptr);

  /// Rates and bills `cycle`. `records`: the subscriber's records in the cycle, any order.
  /// `adjustments`: corrections of closed cycles this cycle's bill carries (D25); with any,
  /// the cycle gets a bill even if it would have none.
  billed_cycle bill(const billing_cycle& cycle, std::span<const usage_record* const> records,
                    std::span<const adjustment> adjustments = {});

  /// A cycle with nothing to bill (the account was not open and has no record in it): what
  /// carries over (points credited, expired) still steps through it.
  void skip(const billing_cycle& cycle);

  /// The state after the last cycle billed or skipped (or the one given, if none was).
  carried_state carried() const;

 private:
  const rule_plan& plan_;
  const account_history* history_;
  std::string subscriber_;
  std::optional<date::year_month> last_;  // the last cycle billed or skipped
  std::optional<points_ledger> ledger_;   // when the catalog has a points program (D7)
  std::vector<charged_pass> passes_;      // pass charges still in use (D23)
};

}  // namespace ratel
