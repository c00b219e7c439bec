// ratel/testing.hpp: what another billing system's tests need to check amounts with ratel.
//
// Concept: a scenario built inline (a catalog from a TOML string or a file, account-log
// and usage lines as CSV rows), rated, re-rated against a disputed bill, explained, and
// compared exactly: amounts are parsed into exact money in the catalog's currency, so a
// test compares 614.40 with 614.40 and never with 614.3999999.
//
//   ratel::testing::scenario s = ratel::testing::scenario::from_file("tariffs/cmcc-2012.toml");
//   s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
//    .usage("d1,s1,2012-07-10T10:00:00+08:00,data,188743680");
//   ratel::dispute_report r = s.rerate("subscriber,cycle,product,kind,amount\n"
//                                      "s1,2012-07,gprs-20,usage,614.40\n");
//   CHECK(r.refund_due.total == s.amount("614.40"));
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/dispute.hpp"
#include "ratel/run/batch.hpp"

namespace ratel::testing {

class scenario {
 public:
  /// A catalog from TOML text; `name` is used in error messages.
  explicit scenario(std::string_view catalog_toml, const std::string& name = "scenario.toml");
  /// A catalog from a file (a shipped one under tariffs/, say).
  static scenario from_file(const std::string& path);

  /// An account-log row `subscriber,time,action,product,amount,note[,country]`; trailing
  /// empty fields may be left out. Throws input_error when the row is bad, on the next rate.
  scenario& account(std::string_view row);
  /// A usage row `id,subscriber,time,service,quantity[,country,region,peer,product]`;
  /// trailing empty fields may be left out. A bad row becomes a reject, as in a file.
  scenario& usage(std::string_view row);

  const rule_plan& plan() const noexcept { return plan_; }

  /// Rates a cycle "2012-07" or consecutive cycles "2012-06..2012-09".
  batch_result rate(std::string_view cycles) const;
  /// The same, going on from the states an earlier run left (state.hpp, D24); the result's
  /// `carried` is the state after the last cycle, for the next month's run.
  batch_result rate(std::string_view cycles, const carried_book& from) const;
  /// The bill of one subscriber for one cycle; throws std::out_of_range if there is none.
  bill bill_of(std::string_view subscriber, std::string_view cycle) const;
  /// Re-rates a disputed bill given as text (ratel's bill JSON, or CSV
  /// `subscriber,cycle,product,kind,amount`); one report per disputed bill.
  std::vector<dispute_report> rerate_all(std::string_view disputed,
                                         refund_policy policy = {}) const;
  /// The same, for a text holding exactly one disputed bill.
  dispute_report rerate(std::string_view disputed, refund_policy policy = {}) const;
  /// `ratel explain` for one subscriber and cycle (or one record).
  std::string explain(std::string_view subscriber, std::string_view cycle,
                      std::optional<std::string_view> record = std::nullopt) const;

  /// Exact money in the catalog's currency: amount("614.40").
  money amount(std::string_view text) const;

 private:
  explicit scenario(rule_plan plan);
  rule_plan plan_;
  std::string accounts_ = "subscriber,time,action,product,amount,note,country\n";
  std::string usage_ = "id,subscriber,time,service,quantity,country,region,peer,product\n";
};

}  // namespace ratel::testing
