// live_worker: a consume worker's partitions rated live, and their cycle closed (see
// kafka/live_worker.hpp).
#include "ratel/kafka/live_worker.hpp"

#include <set>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ratel/io/bill_writer.hpp"
#include "ratel/io/carried_state_json.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/io/usage_json.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/store/late_records_in_store.hpp"

namespace ratel {

using ordered_json = nlohmann::ordered_json;

live_worker::live_worker(const rule_plan& plan, const account_book& accounts, cycle_store& store,
                         date::year_month cycle, std::chrono::seconds grace)
    : plan_(plan),
      accounts_(accounts),
      store_(store),
      cycle_(calendar_month_cycle(cycle, plan.home_zone())),
      grace_(grace) {
  if (store_.find(cycle))
    throw store_error(fmt::format(
        "cycle {} is closed already: its records are late now (D25), not live", to_string(cycle)));
  const date::year_month before = cycle - date::months(1);
  if (store_.find(before)) from_ = store_.carried_after(before);
}

std::int64_t live_worker::assign(std::string_view topic, std::int32_t number) {
  partition& p = partitions_[{std::string(topic), number}];
  p = partition{};
  for (partition_offset& saved : store_.saved_offsets(topic))
    if (saved.partition == number) p.saved = std::move(saved);
  if (p.saved) {
    p.next = p.read_to = p.saved->next;
    if (p.saved->read_to && p.saved->held_from) {
      p.earlier_to = p.saved->read_to;
      p.earlier_held_from = *p.saved->held_from;
    }
  }
  for (live_account_state& s : store_.live_accounts(topic, number)) {
    if (s.open.cycle != cycle_.month) continue;  // another cycle's, closed or not yet open
    const std::string where =
        fmt::format("open cycle of {} (partition {} of {})", s.open.subscriber, number, topic);
    live_account& account =
        p.accounts
            .emplace(s.open.subscriber,
                     live_account::restore(plan_, accounts_.find(s.open.subscriber), s.open, where))
            .first->second;
    for (const live_event& e : account.take_unsent()) {
      unsent_events_.push_back(event_message(account.subscriber(), cycle_.month, e));
      p.changed.insert(s.open.subscriber);  // its events sent, saved with the next save
    }
  }
  return p.next;
}

void live_worker::revoke(std::string_view topic, std::int32_t number) {
  partitions_.erase({std::string(topic), number});
}

live_worker::partition& live_worker::assigned(std::string_view topic, std::int32_t number) {
  const auto at = partitions_.find({std::string(topic), number});
  if (at == partitions_.end())
    throw std::logic_error(
        fmt::format("partition {} of {} is not assigned to this worker", number, topic));
  return at->second;
}

live_account& live_worker::account_of(partition& p, std::string_view subscriber) {
  if (auto at = p.accounts.find(subscriber); at != p.accounts.end()) return at->second;
  const carried_state* from = nullptr;
  if (auto at = from_.find(subscriber); at != from_.end()) from = &at->second;
  return p.accounts
      .emplace(std::string(subscriber),
               live_account(plan_, accounts_.find(subscriber), cycle_, from))
      .first->second;
}

handled_message live_worker::handle(const usage_message& m) {
  partition& p = assigned(m.topic, m.partition);
  handled_message out;
  if (m.offset < p.next) return out;            // read again: the saved state has it
  if (p.waits_at && m.offset >= *p.waits_at) {  // waiting for the next cycle
    out.held = true;
    return out;
  }
  // A message's reference in rejects and in the records kept: its offset, from 1.
  const auto line = static_cast<std::uint32_t>(m.offset + 1);
  const usage_batch one =
      parse_usage_json(m.value, fmt::format("{}/{}", m.topic, m.partition), line);
  const usage_record* record = one.rejects().empty() ? &one.records().front() : nullptr;
  const bool read_before = p.earlier_to && m.offset < *p.earlier_to;
  const auto done = [&] {  // handled (now, or before)
    p.read_to = std::max(p.read_to, m.offset + 1);
    if (!p.left_at) p.next = m.offset + 1;
  };
  if (read_before && (record == nullptr || record->time < p.earlier_held_from)) {
    done();  // handled by the worker that read it before
    return out;
  }
  if (record != nullptr && record->time >= cycle_.end) {
    // A record of a later cycle. Read on past it within the grace, leaving it for the next
    // cycle's worker; not where an earlier cycle's worker read (its range would be lost).
    const bool earlier_cycle = read_before && p.earlier_held_from < cycle_.end;
    if (earlier_cycle || record->time >= cycle_.end + grace_) {
      p.waits_at = m.offset;
      out.held = true;
      return out;
    }
    if (!p.left_at) p.left_at = m.offset;
    p.read_to = std::max(p.read_to, m.offset + 1);
    return out;
  }
  done();
  ++p.counts.handled;
  if (!one.rejects().empty()) {
    ++p.counts.rejected;
    const reject& j = one.rejects().front();
    out.rejects.push_back(reject_message(m, to_string(j.reason), j.subscriber, j.id, j.detail));
    return out;
  }
  const usage_record& r = one.records().front();
  live_account& account = account_of(p, r.subscriber);
  live_added added;
  if (r.time < cycle_.start) {
    // A record of an earlier cycle: late if that cycle is closed (D25), a duplicate if the
    // store holds it as billed already.
    const date::year_month of = cycle_containing(r.time, plan_.home_zone()).month;
    if (!store_.find(of)) {
      added.result = live_added::outcome::outside_cycle;
    } else if (const std::optional<date::year_month> in = store_.billed(r.subscriber, r.id)) {
      ++p.counts.duplicates;
      out.rejects.push_back(
          reject_message(m, "duplicate", std::string(r.subscriber), std::string(r.id),
                         fmt::format("record {} of {} was billed already, in cycle {}", r.id,
                                     r.subscriber, to_string(*in))));
      return out;
    } else {
      added = account.add_late(r);
    }
  } else {
    added = account.add(r);
  }
  switch (added.result) {
    case live_added::outcome::rated:
      ++p.counts.rated;
      break;
    case live_added::outcome::late:
      ++p.counts.rated;
      ++p.counts.late;
      break;
    case live_added::outcome::rejected:
      ++p.counts.rejected;
      out.rejects.push_back(reject_message(m, to_string(added.rejected->reason),
                                           added.rejected->subscriber, added.rejected->id,
                                           added.rejected->detail));
      break;
    case live_added::outcome::duplicate: {
      ++p.counts.duplicates;
      const duplicate& d = *added.left_out;
      out.rejects.push_back(
          reject_message(m, "duplicate", d.subscriber, d.id,
                         fmt::format("record {} of {} is held already (offset {}){}", d.id,
                                     d.subscriber, std::int64_t{d.kept_line} - 1,
                                     d.same_content ? "" : ", with other content")));
      break;
    }
    case live_added::outcome::outside_cycle:
      ++p.counts.rejected;
      out.rejects.push_back(reject_message(
          m, to_string(reject_reason::outside_cycle), std::string(r.subscriber), std::string(r.id),
          fmt::format("time {} is before cycle {}, the one being rated live, and before the "
                      "first cycle the store closed: a cycle never rated here",
                      format_rfc3339(r.time, plan_.home_zone().offset_at(r.time)),
                      to_string(cycle_.month))));
      return out;
  }
  // A replaced duplicate (the one kept came second) counts once, as the record rated.
  p.changed.insert(std::string(r.subscriber));
  for (const live_event& e : added.events)
    out.events.push_back(event_message(account.subscriber(), cycle_.month, e));
  return out;
}

partition_offset live_worker::position(std::string_view topic, std::int32_t number) const {
  const auto at = partitions_.find({std::string(topic), number});
  if (at == partitions_.end())
    throw std::logic_error(
        fmt::format("partition {} of {} is not assigned to this worker", number, topic));
  const partition& p = at->second;
  partition_offset out;
  out.topic = topic;
  out.partition = number;
  out.next = p.next;
  if (p.earlier_to && *p.earlier_to > p.next) {
    // Still within what the worker before read: its range stands (this worker left nothing
    // there: it waits at the first record it would leave, unless that worker rated this
    // same cycle, whose range this one's merges into).
    out.read_to = std::max(*p.earlier_to, p.read_to);
    out.held_from = p.earlier_held_from;
  } else if (p.read_to > p.next) {
    out.read_to = p.read_to;
    out.held_from = cycle_.end;
  }
  if (p.waits_at) out.waits_for_close = cycle_.month;
  return out;
}

void live_worker::save() {
  std::vector<live_account_state> accounts;
  std::vector<partition_offset> offsets;
  for (auto& [key, p] : partitions_) {
    for (const std::string& subscriber : p.changed) {
      open_cycle_changes changed = p.accounts.at(subscriber).save_changes();
      accounts.push_back(
          {key.first, key.second, std::move(changed.open), std::move(changed.lines_removed)});
    }
    partition_offset now = position(key.first, key.second);
    if (p.saved && now == *p.saved) continue;
    if (p.saved) now.from = p.saved->next;
    offsets.push_back(std::move(now));
  }
  if (accounts.empty() && offsets.empty()) return;
  store_.save_live(accounts, offsets);
  for (auto& [key, p] : partitions_) {
    p.saved = position(key.first, key.second);
    p.changed.clear();
  }
}

const partition_counts& live_worker::counts(std::string_view topic, std::int32_t number) const {
  const auto at = partitions_.find({std::string(topic), number});
  if (at == partitions_.end())
    throw std::logic_error(
        fmt::format("partition {} of {} is not assigned to this worker", number, topic));
  return at->second.counts;
}

outgoing_message live_worker::event_message(const std::string& subscriber, date::year_month cycle,
                                            const live_event& e) {
  const event& v = e.what;
  ordered_json j = {{"id", e.id},
                    {"subscriber", subscriber},
                    {"cycle", to_string(cycle)},
                    {"time", format_rfc3339(v.time, std::chrono::seconds{0}, true)},
                    {"kind", std::string(to_string(v.kind))},
                    {"product", v.product},
                    {"threshold", v.threshold},
                    {"counter", v.counter},
                    {"record", v.record},
                    {"reason", v.reason}};
  if (v.limit_kbps) j["limit_kbps"] = *v.limit_kbps;
  return {subscriber, j.dump(-1, ' ', false, ordered_json::error_handler_t::replace)};
}

outgoing_message live_worker::reject_message(const usage_message& m, std::string_view reason,
                                             const std::string& subscriber, const std::string& id,
                                             const std::string& detail) {
  // Keyed as the message was when its own subscriber cannot be read: the same partition.
  const std::string& key = subscriber.empty() ? m.key : subscriber;
  const ordered_json j = {{"topic", m.topic}, {"partition", m.partition}, {"offset", m.offset},
                          {"reason", reason}, {"subscriber", subscriber}, {"id", id},
                          {"detail", detail}};
  // A message's text need not be UTF-8; what is not is shown replaced, never refused.
  return {key, j.dump(-1, ' ', false, ordered_json::error_handler_t::replace)};
}

live_close_result close_live_cycle(const rule_plan& plan, const account_book& accounts,
                                   cycle_store& store, date::year_month month,
                                   const cycle_inputs& inputs, const std::string& store_name) {
  const billing_cycle cycle = calendar_month_cycle(month, plan.home_zone());
  const date::year_month before = month - date::months(1);
  carried_book from = store.find(before) ? store.carried_after(before) : carried_book{};
  // The close first: the open cycles are read in its transaction, so that no worker's save
  // lands between reading them and deleting them (cycle_close::open_cycles).
  const std::unique_ptr<cycle_close> close = store.begin_close(month, inputs);
  // The records of every open cycle, rated together as a batch run of them is: the bills
  // are the batch bills by construction (D28).
  const std::vector<live_account_state> open = close->open_cycles();
  std::string text(usage_csv_header());
  for (const live_account_state& a : open)
    for (const std::string& row : a.open.rows) text.append(row).push_back('\n');
  const usage_batch usage = parse_usage_csv(std::move(text), "the live accounts' records");
  // The late records (dated before the cycle; the workers kept only those of closed cycles
  // not billed) rated with their closed cycles, as `ratel rate --store` rates them (D25).
  std::vector<const usage_record*> late;
  for (const usage_record& r : usage.records())
    if (r.time < cycle.start) late.push_back(&r);
  const store_late_records rated_late =
      rate_late_records_in_store(store, store_name, plan, accounts, late, cycle);
  if (!late.empty()) add_late_pass_charges(from, rated_late.rated, before);
  // The late records are outside this cycle: rate_batch rejects them as such, unbilled.
  batch_result rated = rate_batch(plan, accounts, usage, std::span(&cycle, 1), from, 1,
                                  rated_late.rated.adjustments);

  for (const bill& b : rated.bills) close->add(stored_bill{b.subscriber, month, bill_to_json(b)});
  for (const carried_state& s : rated.carried)
    close->add(stored_state{s.subscriber, carried_states_to_json(std::span(&s, 1))});
  // The records billed: the cycle's own, not rejected, and the late ones their closed
  // cycle's rating did not reject, as records of that cycle.
  std::set<std::uint32_t> rejected;
  for (const reject& j : rated.rejects) rejected.insert(j.line);
  std::set<std::uint32_t> late_rejected;
  for (const reject& j : rated_late.rated.rejects) late_rejected.insert(j.line);
  for (const usage_record& r : usage.records()) {
    date::year_month of = month;
    if (r.time >= cycle.start) {
      if (rejected.contains(r.line)) continue;
    } else {
      const auto closed = rated_late.cycle_of.find(r.line);
      if (closed == rated_late.cycle_of.end())
        throw store_error(fmt::format(
            "{}: live record {} of {} is of no closed cycle, before cycle {}: the store is damaged",
            store_name, r.id, r.subscriber, to_string(month)));
      if (late_rejected.contains(r.line)) continue;
      of = closed->second;
    }
    close->add(billed_record{std::string(r.subscriber), std::string(r.id), of, usage_row_to_csv(r),
                             std::nullopt, r.line});
  }
  close->commit();
  return {std::move(rated.bills), open.size(), rated_late.rated.rated, rated_late.rated.rejects};
}

}  // namespace ratel
