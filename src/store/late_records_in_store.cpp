// Late records rated against a cycle store (see store/late_records_in_store.hpp). Part of the
// core library: it needs the store interface only, never a database.
#include "ratel/store/late_records_in_store.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "ratel/io/usage_csv.hpp"

namespace ratel {

usage_batch billed_usage(cycle_store& store, const std::string& store_name, date::year_month month,
                         const std::set<std::string_view>& subscribers, bool as_closed) {
  std::string rows(usage_csv_header());
  for (std::string_view subscriber : subscribers)
    for (const billed_record& b : store.records_of(month, subscriber)) {
      if (as_closed && b.billed_by != month) continue;  // a late record, billed later
      rows += b.row;
      rows += '\n';
    }
  usage_batch billed = parse_usage_csv(
      std::move(rows), fmt::format("{} (records billed in {})", store_name, to_string(month)));
  if (!billed.rejects().empty() || !billed.duplicates().empty())
    throw store_error(fmt::format(
        "{}: a record billed in cycle {} cannot be read back (line {} of its records): the "
        "store is damaged",
        store_name, to_string(month),
        billed.rejects().empty() ? billed.duplicates().front().line
                                 : billed.rejects().front().line));
  return billed;
}

store_late_records rate_late_records_in_store(cycle_store& store, const std::string& store_name,
                                              const rule_plan& plan, const account_book& accounts,
                                              const std::vector<const usage_record*>& candidates,
                                              const billing_cycle& open) {
  store_late_records out;
  const std::optional<closed_cycle> first = store.first_closed();
  if (!first || first->cycle >= open.month) return out;
  std::vector<billing_cycle> closed;
  for (date::year_month m = first->cycle; m < open.month; m += date::months(1))
    closed.push_back(calendar_month_cycle(m, plan.home_zone()));
  std::map<date::year_month, std::vector<const usage_record*>> late_by_cycle;
  for (const usage_record* r : candidates) {
    // Consecutive cycles: the last one starting at or before the record may hold it.
    auto after = std::upper_bound(closed.begin(), closed.end(), r->time,
                                  [](instant t, const billing_cycle& c) { return t < c.start; });
    if (after == closed.begin() || !std::prev(after)->contains(r->time)) continue;
    const date::year_month month = std::prev(after)->month;
    late_by_cycle[month].push_back(r);
    out.cycle_of.emplace(r->line, month);
  }
  std::vector<late_cycle> cycles;
  for (auto& [month, late] : late_by_cycle) {
    late_cycle c;
    c.cycle = calendar_month_cycle(month, plan.home_zone());
    c.before = &out.before.emplace_back(
        month > first->cycle ? store.carried_after(month - date::months(1)) : carried_book{});
    // The records the closed cycle billed, of the subscribers with late records.
    std::set<std::string_view> subscribers;
    for (const usage_record* r : late) subscribers.insert(r->subscriber);
    const usage_batch& billed =
        out.billed.emplace_back(billed_usage(store, store_name, month, subscribers));
    for (const usage_record& r : billed.records()) c.billed.push_back(&r);
    c.late = std::move(late);
    cycles.push_back(std::move(c));
  }
  out.rated = rate_late_records(plan, accounts, cycles);
  return out;
}

}  // namespace ratel
