#include "ratel/run/batch.hpp"

#include "ratel/biller.hpp"

#include "engine/hash.hpp"
#include "run/batch_internal.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

namespace ratel {
namespace {

// One subscriber's records of each cycle of the run, billed in cycle order by one worker
// (an account's cycles carry points from one to the next, biller.hpp).
struct job {
  std::string_view subscriber;
  std::vector<std::vector<const usage_record*>> by_cycle;  // records of each cycle
  std::vector<bool> billed;                                // a bill is due in this cycle
  // The account's history, when the caller's accounts gave it (else looked up by name):
  // with a million subscribers, the look-ups in the account book's ordered map cost a
  // tenth of the run.
  const account_history* history = nullptr;
  bool history_known = false;
};

}  // namespace

batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, const billing_cycle& cycle, unsigned threads) {
  return rate_batch(plan, accounts, usage, std::span<const billing_cycle>(&cycle, 1), threads);
}

batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, std::span<const billing_cycle> cycles,
                        unsigned threads, batch_progress* progress) {
  std::vector<const account_book_entry*> everyone;
  everyone.reserve(accounts.histories().size());
  for (const account_book_entry& entry : accounts.histories()) everyone.push_back(&entry);
  return detail::rate_batch_of(plan, accounts, everyone, usage, cycles, threads, progress);
}

batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, std::span<const billing_cycle> cycles,
                        const carried_book& from, unsigned threads,
                        const adjustment_book& adjustments) {
  std::vector<const account_book_entry*> everyone;
  everyone.reserve(accounts.histories().size());
  for (const account_book_entry& entry : accounts.histories()) everyone.push_back(&entry);
  return detail::rate_batch_of(plan, accounts, everyone, usage, cycles, threads, nullptr, &from,
                               &adjustments);
}

namespace detail {

batch_result rate_batch_of(const rule_plan& plan, const account_book& accounts,
                           std::span<const account_book_entry* const> billed_accounts,
                           const usage_batch& usage, std::span<const billing_cycle> cycles,
                           unsigned threads, batch_progress* progress, const carried_book* carried,
                           const adjustment_book* adjustments) {
  assert(!cycles.empty());
  batch_result result;
  result.rows_read = usage.rows_read();
  result.rejects = usage.rejects();
  result.duplicates = usage.duplicates();

  // Records grouped by subscriber through a hash map (one look-up per record), then the
  // subscribers put in order once: ordered maps keyed by the subscriber string cost a string
  // comparison per tree level per record.
  struct subscriber_work {
    std::vector<std::vector<const usage_record*>> by_cycle;  // records of each cycle
    std::vector<bool> billed;                                // a job for this cycle
    const account_history* history = nullptr;                // from billed_accounts
    bool history_known = false;
  };
  std::unordered_map<std::string_view, subscriber_work, string_hasher> work;
  auto slot = [&](std::string_view id) -> subscriber_work& {
    auto [it, fresh] = work.try_emplace(id);
    if (fresh) {
      it->second.by_cycle.resize(cycles.size());
      it->second.billed.resize(cycles.size());
    }
    return it->second;
  };
  for (const account_book_entry* entry : billed_accounts) {
    const auto& [id, history] = *entry;
    subscriber_work& w = slot(id);
    w.history = &history;
    w.history_known = true;
    for (std::size_t c = 0; c < cycles.size(); ++c) w.billed[c] = open_during(history, cycles[c]);
  }
  for (const usage_record& r : usage.records()) {
    subscriber_work& w = slot(r.subscriber);
    // The cycles are consecutive: the last one starting at or before the record holds it.
    auto after = std::upper_bound(cycles.begin(), cycles.end(), r.time,
                                  [](instant t, const billing_cycle& c) { return t < c.start; });
    if (after == cycles.begin() || !std::prev(after)->contains(r.time)) {
      const std::string span = cycles.size() == 1
                                   ? fmt::format("cycle {}", to_string(cycles.front().month))
                                   : fmt::format("cycles {}..{}", to_string(cycles.front().month),
                                                 to_string(cycles.back().month));
      result.rejects.push_back(
          {r.line, reject_reason::outside_cycle, std::string(r.subscriber), std::string(r.id),
           fmt::format("time {} is not in {}",
                       format_rfc3339(r.time, plan.home_zone().offset_at(r.time)), span)});
      continue;
    }
    const std::size_t c = static_cast<std::size_t>(std::prev(after) - cycles.begin());
    w.by_cycle[c].push_back(&r);
    w.billed[c] = true;
  }
  // Corrections of closed cycles go on the last cycle's bill (D25), of a known account.
  if (adjustments != nullptr)
    for (const auto& [id, list] : *adjustments)
      if (!list.empty() && accounts.find(id) != nullptr) slot(id).billed.back() = true;

  // A caller that knows the whole run's size (rate_file, which rates shard after shard
  // through here) sets the total first; a shard must not replace it with its own.
  if (progress != nullptr && progress->records_total == 0)
    progress->records_total = usage.records().size();
  std::vector<std::string_view> subscribers;
  subscribers.reserve(work.size());
  for (const auto& [id, w] : work) subscribers.push_back(id);
  std::sort(subscribers.begin(), subscribers.end());
  std::vector<job> jobs;
  jobs.reserve(subscribers.size());
  for (std::string_view id : subscribers) {
    subscriber_work& w = work.at(id);
    if (std::none_of(w.billed.begin(), w.billed.end(), [](bool b) { return b; })) continue;
    jobs.push_back({id, std::move(w.by_cycle), std::move(w.billed), w.history, w.history_known});
  }
  // Each worker bills one subscriber's cycles in order; results land at the job's index, so
  // the output order (subscriber, then cycle) never depends on which worker finished first.
  // Of a rated cycle only the rejects and the count outlive its bill: the parts are freed
  // as soon as the bill is made, so memory is reused job after job.
  std::vector<std::vector<reject>> rejected(jobs.size());
  std::vector<std::size_t> rated(jobs.size(), 0);
  std::vector<std::vector<bill>> bills(jobs.size());
  std::vector<carried_state> carried_after(carried != nullptr ? jobs.size() : 0);
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    // Records rated reach the display a few thousand at a time: one relaxed add per chunk,
    // not a contended add per subscriber.
    std::size_t unpublished = 0;
    auto publish = [&] {
      if (progress != nullptr && unpublished > 0)
        progress->records_done.fetch_add(unpublished, std::memory_order_relaxed);
      unpublished = 0;
    };
    for (std::size_t i = next++; i < jobs.size(); i = next++) {
      job& j = jobs[i];
      const carried_state* from = nullptr;
      if (carried != nullptr)
        if (auto it = carried->find(j.subscriber); it != carried->end()) from = &it->second;
      const account_history* history = j.history_known ? j.history : accounts.find(j.subscriber);
      account_biller biller(plan, history, from);
      for (std::size_t c = 0; c < cycles.size(); ++c) {
        if (!j.billed[c]) {
          biller.skip(cycles[c]);
          continue;
        }
        std::span<const adjustment> corrections;
        if (adjustments != nullptr && c + 1 == cycles.size())
          if (auto it = adjustments->find(j.subscriber); it != adjustments->end())
            corrections = it->second;
        billed_cycle r = biller.bill(cycles[c], j.by_cycle[c], corrections);
        if (r.finished) bills[i].push_back(std::move(*r.finished));
        rated[i] += r.rated.records.size();
        rejected[i].insert(rejected[i].end(), std::make_move_iterator(r.rated.rejects.begin()),
                           std::make_move_iterator(r.rated.rejects.end()));
        unpublished += j.by_cycle[c].size();
        if (unpublished >= 4096) publish();
        std::vector<const usage_record*>().swap(j.by_cycle[c]);
      }
      // A subscriber the account log does not know has no account, so no state.
      if (carried != nullptr && history != nullptr) carried_after[i] = biller.carried();
    }
    publish();
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins

  for (std::size_t i = 0; i < jobs.size(); ++i) {
    result.rated += rated[i];
    result.rejects.insert(result.rejects.end(), rejected[i].begin(), rejected[i].end());
    for (bill& b : bills[i]) result.bills.push_back(std::move(b));
  }
  if (carried != nullptr) {
    // Every account's state after the run: those billed, and those the run left alone
    // (nothing to bill in any of its cycles), whose state holds on unchanged.
    carried_book after;
    for (const auto& [id, state] : *carried)
      after.emplace(id, state).first->second.after = cycles.back().month;
    for (carried_state& s : carried_after)
      if (!s.subscriber.empty()) after.insert_or_assign(s.subscriber, std::move(s));
    for (auto& [id, s] : after) result.carried.push_back(std::move(s));
  }
  std::sort(result.rejects.begin(), result.rejects.end(),
            [](const reject& a, const reject& b) { return a.line < b.line; });
  std::sort(result.duplicates.begin(), result.duplicates.end(),
            [](const duplicate& a, const duplicate& b) { return a.line < b.line; });
  return result;
}

}  // namespace detail
}  // namespace ratel
