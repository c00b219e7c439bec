// `ratel rerate` and `ratel explain`: the dispute desk's commands. Either from files (the
// catalog, the account log, the usage and, for rerate, the disputed bill), or, with
// --store, from what a cycle store keeps of a closed cycle: the bill, the records it was
// billed from (unless --usage gives others), the state the cycle went on from (points,
// pass charges, D24) and the adjustments its bill carries (D25).
#include <iostream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/dispute.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/dispute_report.hpp"
#include "ratel/io/disputed_bill.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/explain.hpp"
#include "standard_output.hpp"
#ifdef RATEL_WITH_STORE
#include "store_access.hpp"
#endif

namespace ratel::cli {
namespace {

// Compares each disputed bill with the bill of the same subscriber and cycle in `result`,
// and prints the reports.
int report(const rerate_options& o, const std::vector<disputed_bill>& disputed,
           const batch_result& result) {
  std::vector<dispute_report> reports;
  for (const disputed_bill& d : disputed) {
    auto it = std::find_if(result.bills.begin(), result.bills.end(), [&](const bill& b) {
      return b.subscriber == d.subscriber && b.cycle == d.cycle;
    });
    if (it == result.bills.end())
      throw input_error(d.at, "subscriber",
                        fmt::format("{} has no bill for {} from these inputs (not in the "
                                    "account log?)",
                                    d.subscriber, to_string(d.cycle)));
    reports.push_back(compare(d, *it, {o.pre_refund, o.verified}));
  }
  standard_output out("the report");
  out.write(o.format == "text" ? reports_to_text(reports) : reports_to_json(reports));
  out.finish();
  std::cerr << fmt::format(
      "ratel rerate: {} bill(s) compared; usage: {} records read, {} rated, {} rejected, {} "
      "duplicates\n",
      reports.size(), result.rows_read, result.rated, result.rejects.size(),
      result.duplicates.size());
  return 0;  // a report was produced, whatever it found
}

#ifdef RATEL_WITH_STORE
// What a store keeps of one subscriber's closed cycle, for a re-rating or an explanation.
struct kept_cycle {
  std::optional<stored_bill> bill;      // none: the cycle gave the subscriber no bill
  std::optional<usage_batch> records;   // the records it was billed from (when asked for)
  carried_book before;                  // the states after the cycle before (D24)
  std::vector<adjustment> adjustments;  // what the bill carries of closed cycles (D25)
};

kept_cycle read_kept_cycle(const std::string& where, const std::string& subscriber,
                           date::year_month month, bool with_records) {
  const std::string name = shown(where);
  std::unique_ptr<cycle_store> store = open_store(where);
  if (!store->find(month))
    throw store_error(fmt::format("{}: cycle {} is not closed there", name, to_string(month)));
  kept_cycle kept;
  if (std::vector<stored_bill> bills = store->bills(subscriber, month); !bills.empty()) {
    kept.adjustments = adjustments_of(bills.front(), name);
    kept.bill = std::move(bills.front());
  }
  // The records the stored bill was rated from: late records billed since went on later
  // bills as adjustments (D25), and are not the closed bill's.
  if (with_records) kept.records = billed_usage(*store, name, month, {subscriber}, true);
  if (store->find(month - date::months(1)))
    kept.before = store->carried_after(month - date::months(1));
  return kept;
}

int run_rerate_from_store(const rerate_options& o) {
  const std::optional<date::year_month> month = parse_year_month(o.cycle);
  if (!month || o.subscriber.empty()) {
    std::cerr << "ratel rerate: --store needs --subscriber ID and --cycle YYYY-MM: the bill to "
                 "re-rate\n";
    return 2;
  }
  rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
  account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
  kept_cycle kept = read_kept_cycle(o.store, o.subscriber, *month, o.usage.empty());
  if (!kept.bill)
    throw store_error(
        fmt::format("{}: {} has no bill for {}", shown(o.store), o.subscriber, to_string(*month)));
  const std::vector<disputed_bill> disputed =
      o.bill.empty() ? parse_disputed_bills(kept.bill->json,
                                            fmt::format("{} (bill of {} for {})", shown(o.store),
                                                        o.subscriber, to_string(*month)),
                                            plan)
                     : read_disputed_bills(o.bill, plan);
  for (const disputed_bill& d : disputed)
    if (d.subscriber != o.subscriber || d.cycle != *month)
      throw input_error(
          d.at, "subscriber",
          fmt::format("a bill of {} for {}: --store re-rates {}'s bill for {} only", d.subscriber,
                      to_string(d.cycle), o.subscriber, to_string(*month)));
  const usage_batch usage = o.usage.empty() ? std::move(*kept.records) : read_usage_csv(o.usage);
  const billing_cycle cycle = calendar_month_cycle(*month, plan.home_zone());
  const adjustment_book corrections{{o.subscriber, kept.adjustments}};
  const batch_result result =
      rate_batch(plan, accounts, usage, std::span(&cycle, 1), kept.before, 1, corrections);
  return report(o, disputed, result);
}
#endif

}  // namespace

int run_rerate(const rerate_options& o) {
  try {
#ifdef RATEL_WITH_STORE
    if (!o.store.empty()) return run_rerate_from_store(o);
#endif
    if (o.usage.empty() || o.bill.empty()) {
      std::cerr << "ratel rerate: give --usage and --bill (or --store with --subscriber and "
                   "--cycle: a bill a store keeps)\n";
      return 2;
    }
    rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
    usage_batch usage = read_usage_csv(o.usage);
    const std::vector<disputed_bill> disputed = read_disputed_bills(o.bill, plan);
    if (disputed.empty()) throw input_error({o.bill, 0, 0}, "", "no bill to dispute in this file");
    // Rate the cycles the disputed bills are for, as one run from the first to the last.
    std::set<date::year_month> months;
    for (const disputed_bill& d : disputed) months.insert(d.cycle);
    std::vector<billing_cycle> cycles;
    for (date::year_month m = *months.begin(); m <= *months.rbegin(); m += date::months(1))
      cycles.push_back(calendar_month_cycle(m, plan.home_zone()));
    return report(o, disputed, rate_batch(plan, accounts, usage, cycles, 1));
  } catch (const input_error& e) {
    std::cerr << "ratel rerate: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel rerate: " << e.what() << "\n";
    return 1;
#ifdef RATEL_WITH_STORE
  } catch (const store_error& e) {
    std::cerr << "ratel rerate: " << e.what() << "\n";
    return 1;
#endif
  }
}

int run_explain(const explain_options& o) {
  auto month = parse_year_month(o.cycle);
  if (!month) {
    std::cerr << fmt::format("ratel explain: --cycle: \"{}\" is not YYYY-MM\n", o.cycle);
    return 2;
  }
  if (o.usage.empty() && o.store.empty()) {
    std::cerr << "ratel explain: give --usage (or --store: the records a store billed)\n";
    return 2;
  }
  try {
    rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
    const billing_cycle cycle = calendar_month_cycle(*month, plan.home_zone());
    const std::optional<std::string_view> record =
        o.record.empty() ? std::nullopt : std::optional<std::string_view>(o.record);
    std::string text;
#ifdef RATEL_WITH_STORE
    if (!o.store.empty()) {
      kept_cycle kept = read_kept_cycle(o.store, o.subscriber, *month, o.usage.empty());
      const usage_batch usage =
          o.usage.empty() ? std::move(*kept.records) : read_usage_csv(o.usage);
      const auto from = kept.before.find(o.subscriber);
      text = explain_bill(plan, accounts, usage, o.subscriber, cycle, record,
                          from == kept.before.end() ? nullptr : &from->second, kept.adjustments);
    }
#endif
    if (o.store.empty())
      text = explain_bill(plan, accounts, read_usage_csv(o.usage), o.subscriber, cycle, record);
    standard_output out("the explanation");
    out.write(text);
    out.finish();
    return 0;
  } catch (const input_error& e) {
    // No such subscriber or record: say which files were searched.
    if (e.where().file.empty() && (e.field() == "subscriber" || e.field() == "record"))
      std::cerr << fmt::format(
          "ratel explain: --{}: {} (searched the account log {} and {})\n", e.field(), e.message(),
          o.accounts, o.usage.empty() ? "the records of the store" : "the usage " + o.usage);
    else
      std::cerr << "ratel explain: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel explain: " << e.what() << "\n";
    return 1;
#ifdef RATEL_WITH_STORE
  } catch (const store_error& e) {
    std::cerr << "ratel explain: " << e.what() << "\n";
    return 1;
#endif
  }
}

}  // namespace ratel::cli
