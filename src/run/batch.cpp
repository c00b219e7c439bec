#include "ratel/run/batch.hpp"

#include "ratel/biller.hpp"

#include "run/batch_internal.hpp"
#include "run/subscriber_index.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

namespace ratel {
namespace {

// One subscriber of a batch: its history (when the caller's accounts gave it: with a
// million subscribers, looking each up again by name in the account book's ordered map
// cost a tenth of the run), and where its cells are (one per cycle, subscriber-major).
struct subscriber_work {
  std::string_view id;
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

  // Records grouped by subscriber and cycle, contiguously: each record's cell (subscriber,
  // cycle) found through a hash index (one look-up per record), the cells' sizes counted,
  // then the records placed, in their batch order, at their cell's offset in one array. Then
  // the subscribers put in order once: ordered maps keyed by the subscriber string cost a
  // string comparison per tree level per record, and a vector per subscriber and cycle an
  // allocation each.
  const std::size_t cycle_count = cycles.size();
  const std::vector<usage_record>& records = usage.records();
  std::vector<subscriber_work> subscribers;
  subscribers.reserve(billed_accounts.size());
  detail::subscriber_index index(billed_accounts.size());
  std::vector<std::uint8_t> billed;  // [subscriber * cycle_count + c]: a bill is due
  auto subscriber = [&](std::string_view id) {
    const std::uint32_t k = index.find_or_add(id);
    if (k == subscribers.size()) subscribers.push_back({id});
    billed.resize(subscribers.size() * cycle_count);
    return k;
  };
  for (const account_book_entry* entry : billed_accounts) {
    const auto& [id, history] = *entry;
    const std::uint32_t k = subscriber(id);
    subscribers[k].history = &history;
    subscribers[k].history_known = true;
    for (std::size_t c = 0; c < cycle_count; ++c)
      billed[k * cycle_count + c] = open_during(history, cycles[c]);
  }
  constexpr std::uint32_t outside = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> cell_of(records.size(), outside);
  std::vector<std::uint32_t> cell_size;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const usage_record& r = records[i];
    // The cycles are consecutive: the last one starting at or before the record holds it.
    auto after = std::upper_bound(cycles.begin(), cycles.end(), r.time,
                                  [](instant t, const billing_cycle& c) { return t < c.start; });
    const std::uint32_t k = subscriber(r.subscriber);
    if (after == cycles.begin() || !std::prev(after)->contains(r.time)) {
      const std::string span = cycle_count == 1
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
    const auto cell = static_cast<std::uint32_t>(k * cycle_count + c);
    cell_of[i] = cell;
    billed[cell] = 1;
    if (cell_size.size() <= cell) cell_size.resize(billed.size(), 0);
    ++cell_size[cell];
  }
  // Corrections of closed cycles go on the last cycle's bill (D25), of a known account.
  if (adjustments != nullptr)
    for (const auto& [id, list] : *adjustments)
      if (!list.empty() && accounts.find(id) != nullptr)
        billed[subscriber(id) * cycle_count + cycle_count - 1] = 1;
  // cell_start[cell]..cell_start[cell + 1]: the cell's records in `grouped`.
  std::vector<std::size_t> cell_start(billed.size() + 1, 0);
  for (std::size_t cell = 0; cell < cell_size.size(); ++cell)
    cell_start[cell + 1] = cell_size[cell];
  for (std::size_t cell = 0; cell < billed.size(); ++cell) cell_start[cell + 1] += cell_start[cell];
  std::vector<const usage_record*> grouped(cell_start.back());
  {
    std::vector<std::size_t> filled(cell_start.begin(), cell_start.end() - 1);
    for (std::size_t i = 0; i < records.size(); ++i)
      if (cell_of[i] != outside) grouped[filled[cell_of[i]]++] = &records[i];
  }
  std::vector<std::uint32_t>().swap(cell_of);
  auto records_of = [&](std::size_t cell) {
    return std::span<const usage_record* const>(grouped.data() + cell_start[cell],
                                                cell_start[cell + 1] - cell_start[cell]);
  };

  // A caller that knows the whole run's size (rate_file, which rates shard after shard
  // through here) sets the total first; a shard must not replace it with its own.
  if (progress != nullptr && progress->records_total == 0)
    progress->records_total = usage.records().size();
  std::vector<std::uint32_t> jobs;  // subscribers with a bill due, in subscriber order
  jobs.reserve(subscribers.size());
  for (std::uint32_t k = 0; k < subscribers.size(); ++k)
    if (std::any_of(billed.begin() + static_cast<std::ptrdiff_t>(k * cycle_count),
                    billed.begin() + static_cast<std::ptrdiff_t>((k + 1) * cycle_count),
                    [](std::uint8_t b) { return b != 0; }))
      jobs.push_back(k);
  // The accounts come in the book's order, by id, and number the subscribers first: only
  // the jobs after the ordered run (subscribers with records and no account) need sorting,
  // then merging in. (Sorting them all was 1.5% of a month of 4 records a subscriber.)
  auto by_id = [&](std::uint32_t a, std::uint32_t b) {
    return subscribers[a].id < subscribers[b].id;
  };
  const auto ordered_end = std::is_sorted_until(jobs.begin(), jobs.end(), by_id);
  std::sort(ordered_end, jobs.end(), by_id);
  std::inplace_merge(jobs.begin(), ordered_end, jobs.end(), by_id);
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
      const std::uint32_t k = jobs[i];
      const subscriber_work& j = subscribers[k];
      const carried_state* from = nullptr;
      if (carried != nullptr)
        if (auto it = carried->find(j.id); it != carried->end()) from = &it->second;
      const account_history* history = j.history_known ? j.history : accounts.find(j.id);
      account_biller biller(plan, history, from);
      for (std::size_t c = 0; c < cycle_count; ++c) {
        const std::size_t cell = k * cycle_count + c;
        if (billed[cell] == 0) {
          biller.skip(cycles[c]);
          continue;
        }
        std::span<const adjustment> corrections;
        if (adjustments != nullptr && c + 1 == cycle_count)
          if (auto it = adjustments->find(j.id); it != adjustments->end()) corrections = it->second;
        const std::span<const usage_record* const> own = records_of(cell);
        billed_cycle r = biller.bill(cycles[c], own, corrections);
        if (r.finished) bills[i].push_back(std::move(*r.finished));
        rated[i] += r.rated.records.size();
        rejected[i].insert(rejected[i].end(), std::make_move_iterator(r.rated.rejects.begin()),
                           std::make_move_iterator(r.rated.rejects.end()));
        unpublished += own.size();
        if (unpublished >= 4096) publish();
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
