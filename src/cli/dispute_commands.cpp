// `ratel rerate` and `ratel explain`: the dispute desk's commands.
#include <iostream>
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

namespace ratel::cli {

int run_rerate(const rerate_options& o) {
  try {
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
    const batch_result result = rate_batch(plan, accounts, usage, cycles, 1);
    std::vector<dispute_report> reports;
    for (const disputed_bill& d : disputed) {
      auto it = std::find_if(result.bills.begin(), result.bills.end(), [&](const bill& b) {
        return b.subscriber == d.subscriber && b.cycle == d.cycle;
      });
      if (it == result.bills.end())
        throw input_error(
            d.at, "subscriber",
            fmt::format("{} has no bill for {} from these inputs (not in the account log?)",
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
  } catch (const input_error& e) {
    std::cerr << "ratel rerate: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel rerate: " << e.what() << "\n";
    return 1;
  }
}

int run_explain(const explain_options& o) {
  auto month = parse_year_month(o.cycle);
  if (!month) {
    std::cerr << fmt::format("ratel explain: --cycle: \"{}\" is not YYYY-MM\n", o.cycle);
    return 2;
  }
  try {
    rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
    usage_batch usage = read_usage_csv(o.usage);
    const billing_cycle cycle = calendar_month_cycle(*month, plan.home_zone());
    standard_output out("the explanation");
    out.write(
        explain_bill(plan, accounts, usage, o.subscriber, cycle,
                     o.record.empty() ? std::nullopt : std::optional<std::string_view>(o.record)));
    out.finish();
    return 0;
  } catch (const input_error& e) {
    // No such subscriber or record: say which files were searched.
    if (e.where().file.empty() && (e.field() == "subscriber" || e.field() == "record"))
      std::cerr << fmt::format(
          "ratel explain: --{}: {} (searched the account log {} and the usage {})\n", e.field(),
          e.message(), o.accounts, o.usage);
    else
      std::cerr << "ratel explain: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel explain: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
