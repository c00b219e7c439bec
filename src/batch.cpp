#include "ratel/batch.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

namespace ratel {
namespace {

bool open_during(const account_history& h, const billing_cycle& cycle) {
  if (h.closed && *h.closed < cycle.start) return false;
  bool known_before_end = h.joined && *h.joined < cycle.end;
  for (const subscription& s : h.subscriptions) known_before_end |= s.ordered < cycle.end;
  for (const event& e : h.events) known_before_end |= e.time < cycle.end;
  return known_before_end;
}

}  // namespace

batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, const billing_cycle& cycle, unsigned threads) {
  batch_result result;
  result.rows_read = usage.rows_read();
  result.rejects = usage.rejects();
  result.duplicates = usage.duplicates();

  // The subscribers to rate, in order, each with its records of the cycle.
  std::map<std::string_view, std::vector<const usage_record*>> work;
  for (const auto& [id, history] : accounts.histories())
    if (open_during(history, cycle)) work[id];
  for (const usage_record& r : usage.records()) {
    if (!cycle.contains(r.time)) {
      result.rejects.push_back({r.line, reject_reason::outside_cycle, std::string(r.subscriber),
                                std::string(r.id),
                                fmt::format("time {} is not in cycle {}",
                                            format_rfc3339(r.time, plan.home_zone().offset_at(r.time)),
                                            to_string(cycle.month))});
      continue;
    }
    work[r.subscriber].push_back(&r);
  }

  std::vector<std::pair<std::string_view, std::vector<const usage_record*>>> jobs(
      std::make_move_iterator(work.begin()), std::make_move_iterator(work.end()));
  // Each worker rates a subscriber and builds its bill; results land at the subscriber's
  // index, so the output order never depends on which worker finished first.
  std::vector<rated_cycle> rated(jobs.size());
  std::vector<std::optional<bill>> bills(jobs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      const account_history* history = accounts.find(jobs[i].first);
      rated[i] = rate_cycle(plan, history, cycle, jobs[i].second);
      // A bill for every account open in the cycle, and for any record that was charged.
      if (history != nullptr && (open_during(*history, cycle) || !rated[i].records.empty()))
        bills[i] = make_bill(plan, rated[i]);
    }
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins

  for (std::size_t i = 0; i < jobs.size(); ++i) {
    result.rated += rated[i].records.size();
    result.rejects.insert(result.rejects.end(), rated[i].rejects.begin(), rated[i].rejects.end());
    if (bills[i]) result.bills.push_back(std::move(*bills[i]));
  }
  std::sort(result.rejects.begin(), result.rejects.end(),
            [](const reject& a, const reject& b) { return a.line < b.line; });
  std::sort(result.duplicates.begin(), result.duplicates.end(),
            [](const duplicate& a, const duplicate& b) { return a.line < b.line; });
  return result;
}

}  // namespace ratel
