#include "ratel/run/batch.hpp"

#include "run/batch_internal.hpp"
#include "engine/hash.hpp"

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

bool open_during(const account_history& h, const billing_cycle& cycle) {
  if (h.closed && *h.closed < cycle.start) return false;
  bool known_before_end = h.joined && *h.joined < cycle.end;
  for (const subscription& s : h.subscriptions) known_before_end |= s.ordered < cycle.end;
  for (const event& e : h.events) known_before_end |= e.time < cycle.end;
  for (const deposit_order& d : h.deposits) known_before_end |= d.time < cycle.end;
  for (const account_request& r : h.redemptions) known_before_end |= r.time < cycle.end;
  return known_before_end;
}

// One subscriber's records of one cycle.
struct job {
  std::string_view subscriber;
  std::size_t cycle = 0;
  std::vector<const usage_record*> records;
};

// Points flow from cycle to cycle (D7): each subscriber's ledger steps through every cycle
// of the run in order, earning from that cycle's bill and showing its statement there.
void add_points(const rule_plan& plan, const account_book& accounts, std::span<const billing_cycle> cycles,
                const std::vector<job>& jobs, std::vector<std::optional<bill>>& bills) {
  const points_program& program = *plan.source().points;
  std::size_t i = 0;
  while (i < jobs.size()) {
    const std::string_view subscriber = jobs[i].subscriber;
    std::size_t end = i;
    while (end < jobs.size() && jobs[end].subscriber == subscriber) ++end;
    if (const account_history* history = accounts.find(subscriber)) {
      points_ledger ledger(program, *history, plan.home_zone());
      std::size_t j = i;
      for (std::size_t c = 0; c < cycles.size(); ++c) {
        bill* b = nullptr;
        if (j < end && jobs[j].cycle == c) {
          if (bills[j]) b = &*bills[j];
          ++j;
        }
        std::vector<event> refused;
        const std::int64_t earned = b ? points_for(program, spend_of(program, *b)) : 0;
        points_statement statement = ledger.step(cycles[c], earned, refused);
        if (b == nullptr) continue;
        b->points = std::move(statement);
        for (event& e : refused)
          b->events.push_back({format_rfc3339(e.time, plan.home_zone().offset_at(e.time)), std::move(e)});
        std::stable_sort(b->events.begin(), b->events.end(),
                         [](const bill_event& x, const bill_event& y) { return x.what.time < y.what.time; });
      }
    }
    i = end;
  }
}

// One subscriber's cycle rated and billed: its bill (if it gets one), the records rated and
// the rejects.
struct billed_cycle {
  std::optional<bill> bill_made;
  std::size_t rated = 0;
  std::vector<reject> rejects;
};

billed_cycle rate_and_bill(const rule_plan& plan, const account_history* history, const billing_cycle& cycle,
                           std::span<const usage_record* const> records,
                           std::span<const usage_record* const> context) {
  billed_cycle out;
  auto bill_of = [&](const rated_cycle& r) {
    // A bill for every account open in the cycle, and for any record that was charged.
    if (history != nullptr && (open_during(*history, cycle) || !r.records.empty()))
      out.bill_made = make_bill(plan, r);
  };
  std::string overflow;
  try {
    rated_cycle r = rate_cycle(plan, history, cycle, records, context);
    bill_of(r);
    out.rated = r.records.size();
    out.rejects = std::move(r.rejects);
    return out;
  } catch (const money_error& e) {
    overflow = e.what();
  } catch (const quantity_error& e) {
    overflow = e.what();
  }
  // Sums past the exact range (each record alone fits; only absurd volumes get here): no
  // record of the cycle can be charged exactly, so none is, and each is reported. The bill
  // keeps what does not depend on usage (fees, credits).
  out.rejects.clear();
  for (const usage_record* r : records)
    out.rejects.push_back({r->line, reject_reason::overflow, std::string(r->subscriber), std::string(r->id),
                           fmt::format("rating the subscriber's records of cycle {} overflows ({}); none "
                                       "of them is charged",
                                       to_string(cycle.month), overflow)});
  bill_of(rate_cycle(plan, history, cycle, {}, {}));
  return out;
}

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

namespace detail {

batch_result rate_batch_of(const rule_plan& plan, const account_book& accounts,
                           std::span<const account_book_entry* const> billed_accounts,
                           const usage_batch& usage, std::span<const billing_cycle> cycles,
                           unsigned threads, batch_progress* progress) {
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
    std::vector<const usage_record*> everything;             // pass holders only (context)
    bool holds_pass = false;
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
    // Pass days and validities can straddle a cycle boundary, and the cycle a pass charge
    // belongs to needs to know about use on both sides of it: pass holders get all their
    // records as context (rate_cycle).
    w.holds_pass = std::any_of(history.subscriptions.begin(), history.subscriptions.end(),
                               [&](const subscription& s) { return plan.product_at(s.product).pass.has_value(); });
    for (std::size_t c = 0; c < cycles.size(); ++c) w.billed[c] = open_during(history, cycles[c]);
  }
  for (const usage_record& r : usage.records()) {
    subscriber_work& w = slot(r.subscriber);
    if (w.holds_pass) w.everything.push_back(&r);
    // The cycles are consecutive: the last one starting at or before the record holds it.
    auto after = std::upper_bound(cycles.begin(), cycles.end(), r.time,
                                  [](instant t, const billing_cycle& c) { return t < c.start; });
    if (after == cycles.begin() || !std::prev(after)->contains(r.time)) {
      const std::string span = cycles.size() == 1 ? fmt::format("cycle {}", to_string(cycles.front().month))
                                                  : fmt::format("cycles {}..{}", to_string(cycles.front().month),
                                                                to_string(cycles.back().month));
      result.rejects.push_back({r.line, reject_reason::outside_cycle, std::string(r.subscriber),
                                std::string(r.id),
                                fmt::format("time {} is not in {}",
                                            format_rfc3339(r.time, plan.home_zone().offset_at(r.time)), span)});
      continue;
    }
    const std::size_t c = static_cast<std::size_t>(std::prev(after) - cycles.begin());
    w.by_cycle[c].push_back(&r);
    w.billed[c] = true;
  }

  // A caller that knows the whole run's size (rate_file, which rates shard after shard
  // through here) sets the total first; a shard must not replace it with its own.
  if (progress != nullptr && progress->records_total == 0) progress->records_total = usage.records().size();
  std::vector<std::string_view> subscribers;
  subscribers.reserve(work.size());
  for (const auto& [id, w] : work) subscribers.push_back(id);
  std::sort(subscribers.begin(), subscribers.end());
  std::vector<job> jobs;
  std::vector<const std::vector<const usage_record*>*> contexts;
  for (std::string_view id : subscribers) {
    subscriber_work& w = work.at(id);
    for (std::size_t c = 0; c < cycles.size(); ++c)
      if (w.billed[c]) {
        jobs.push_back({id, c, std::move(w.by_cycle[c])});
        contexts.push_back(w.holds_pass ? &w.everything : nullptr);
      }
  }
  // Each worker rates one subscriber's cycle and builds its bill; results land at the job's
  // index, so the output order never depends on which worker finished first. Cycles of one
  // subscriber are independent: everything they share is in the account history.
  // Of a rated cycle only the rejects and the count outlive its bill: the parts are freed
  // as soon as the bill is made, so memory is reused job after job.
  std::vector<std::vector<reject>> rejected(jobs.size());
  std::vector<std::size_t> rated(jobs.size(), 0);
  std::vector<std::optional<bill>> bills(jobs.size());
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
      const account_history* history = accounts.find(jobs[i].subscriber);
      const billing_cycle& cycle = cycles[jobs[i].cycle];
      billed_cycle r = rate_and_bill(plan, history, cycle, jobs[i].records,
                                     contexts[i] ? std::span<const usage_record* const>(*contexts[i])
                                                 : std::span<const usage_record* const>{});
      bills[i] = std::move(r.bill_made);
      rated[i] = r.rated;
      rejected[i] = std::move(r.rejects);
      unpublished += jobs[i].records.size();
      if (unpublished >= 4096) publish();
      std::vector<const usage_record*>().swap(jobs[i].records);
    }
    publish();
  };
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins

  if (plan.source().points) add_points(plan, accounts, cycles, jobs, bills);

  for (std::size_t i = 0; i < jobs.size(); ++i) {
    result.rated += rated[i];
    result.rejects.insert(result.rejects.end(), rejected[i].begin(), rejected[i].end());
    if (bills[i]) result.bills.push_back(std::move(*bills[i]));
  }
  std::sort(result.rejects.begin(), result.rejects.end(),
            [](const reject& a, const reject& b) { return a.line < b.line; });
  std::sort(result.duplicates.begin(), result.duplicates.end(),
            [](const duplicate& a, const duplicate& b) { return a.line < b.line; });
  return result;
}

}  // namespace detail
}  // namespace ratel
