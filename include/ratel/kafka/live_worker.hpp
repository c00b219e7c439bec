// ratel/kafka/live_worker.hpp: what a `ratel consume` worker does with the messages of its
// partitions, apart from Kafka itself (DESIGN 6, D28).
//
// Concept: usage records arrive as messages of a topic keyed by subscriber (one record per
// message, io/usage_json.hpp), so each account's records are in one partition. A worker is
// given partitions (assign) and taken them (revoke) as its consumer group rebalances. For
// each partition it holds the live accounts (run/live.hpp) of the open cycle and the offset
// of the next message to read. handle() rates one message and returns what to publish at
// once: the threshold events it fired (keyed by subscriber, each with its deterministic
// id) or its reject (with the reason, the partition and the offset). save() writes the
// accounts that changed and every partition's next offset to the store in one transaction
// (cycle_store::save_live): the caller publishes the outputs durably first, then saves, then
// may commit the offsets to Kafka too. A worker that dies loses only what it had not saved;
// whoever gets the partition next reads on from the saved offset, so each record is rated
// once in the state that is kept. Events of records read again after a crash are published
// again with the same ids: a consumer drops an id it has seen.
//
// Counts reconcile per partition: messages handled == rated + rejected + duplicates.
//
// A record of a later cycle holds its partition there: its records wait, none is lost or
// rated out of its cycle, until the cycle is closed (`ratel close`) and a worker of the next
// one reads on. With a grace period (in record time), a worker reads on past records of the
// next cycle dated less than the grace after its cycle's end, leaving them unrated for the
// next cycle's worker, so that records of its own cycle that come after them in the
// partition still go on their own cycle's bill; it waits at the first record dated at or past
// the end plus the grace. What it read past is saved with the partition (partition_offset::
// read_to, held_from): the next cycle's worker reads from the first record left and handles
// only those left; a worker of the same cycle that reads them again skips what was handled. A
// record of a cycle closed already is late (D25): one the store holds as billed is a duplicate; any
// other is kept with its account (live_account::add_late) and saved with it, and the close of the
// open cycle bills its difference as adjustments. A record of a cycle before the store's first
// closed one is rejected as outside_cycle.
//
//   live_worker worker(plan, accounts, *store, date::year(2019) / 8);
//   std::int64_t from = worker.assign("usage", 3);   // seek partition 3 there
//   handled_message h = worker.handle(message);      // publish h.events, h.rejects
//   worker.save();                                   // after the publishing is durable
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ratel/run/live.hpp"
#include "ratel/store/cycle_store.hpp"

namespace ratel {

/// One message of a usage topic.
struct usage_message {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::string value;  ///< a usage record as JSON (io/usage_json.hpp)
  std::string key;    ///< the subscriber, as the producer keyed it
};

/// A message for an output topic: keyed by subscriber, its value JSON.
struct outgoing_message {
  std::string key;
  std::string value;
  bool operator==(const outgoing_message&) const = default;
};

/// What one usage message gave.
struct handled_message {
  std::vector<outgoing_message> events;   ///< for the events topic
  std::vector<outgoing_message> rejects;  ///< for the rejects topic (at most one)
  /// The message is a record of a later cycle, at or past the grace: its partition waits
  /// there (it and every message after it are left unread) until this worker's cycle is
  /// closed and the next one is rated (the caller pauses the partition, saves at once, and
  /// resumes it with a worker of the next cycle).
  bool held = false;
};

/// A partition's counts since it was assigned: handled == rated + rejected + duplicates.
struct partition_counts {
  std::int64_t handled = 0;
  std::int64_t rated = 0;  ///< late records (kept for the close's adjustments) included
  std::int64_t late = 0;   ///< of them: late records of closed cycles (D25)
  std::int64_t rejected = 0;
  std::int64_t duplicates = 0;
};

class live_worker {
 public:
  /// Rates `cycle`, going on from the states the store kept after the cycle before (if it
  /// is closed), reading on past records of later cycles dated less than `grace` after its
  /// end (see the file comment). Throws store_error if `cycle` is closed already.
  live_worker(const rule_plan& plan, const account_book& accounts, cycle_store& store,
              date::year_month cycle, std::chrono::seconds grace = std::chrono::seconds{0});

  /// The partition is this worker's now: its accounts as last saved are loaded. Returns the
  /// offset to read it from (0 when nothing was saved). Events their records fire now and
  /// that were never sent (the account log or the catalog changed since they were saved)
  /// wait in take_unsent_events().
  std::int64_t assign(std::string_view topic, std::int32_t partition);
  /// The event messages assign() found (see there), each returned once: for the events topic.
  std::vector<outgoing_message> take_unsent_events() { return std::exchange(unsent_events_, {}); }
  /// The partition is another's now: what was not saved of it is dropped.
  void revoke(std::string_view topic, std::int32_t partition);

  /// Rates one message of an assigned partition (one before its next offset, read again, is
  /// skipped: it is in the state already).
  handled_message handle(const usage_message& m);

  /// Saves what changed in the accounts since the last save (live_account::save_changes)
  /// and each partition's next offset, in one transaction. Throws partition_moved if another
  /// worker saved one of them since, cycle_closed if the cycle was closed since, or
  /// store_error: nothing of it is saved then, and the worker's partitions must be assigned
  /// again (to a worker of the next cycle, after cycle_closed) before it rates on.
  void save();

  const partition_counts& counts(std::string_view topic, std::int32_t partition) const;
  /// Where a partition is: the offset it is saved at (or will be by the next save), and what
  /// was read past it.
  partition_offset position(std::string_view topic, std::int32_t partition) const;

  /// The cycle this worker rates.
  date::year_month cycle() const noexcept { return cycle_.month; }

  /// The event message of a live event (its value: the event as JSON, with its id).
  static outgoing_message event_message(const std::string& subscriber, date::year_month cycle,
                                        const live_event& e);

 private:
  struct partition {
    std::optional<partition_offset> saved;  // as the store has it (its `from` none)
    // Before `next`, every message is handled (or left to this worker by an earlier one).
    std::int64_t next = 0;
    std::int64_t read_to = 0;              // after the last message read
    std::optional<std::int64_t> left_at;   // the first record left for a later cycle
    std::optional<std::int64_t> waits_at;  // a record at or past the grace: waits there
    // Read by the worker that saved the partition before: messages up to `earlier_to` of
    // times before `earlier_held_from` were handled by it.
    std::optional<std::int64_t> earlier_to;
    instant earlier_held_from;
    std::map<std::string, live_account, std::less<>> accounts;
    std::set<std::string, std::less<>> changed;
    partition_counts counts;
  };
  partition& assigned(std::string_view topic, std::int32_t partition);
  live_account& account_of(partition& p, std::string_view subscriber);
  static outgoing_message reject_message(const usage_message& m, std::string_view reason,
                                         const std::string& subscriber, const std::string& id,
                                         const std::string& detail);

  const rule_plan& plan_;
  const account_book& accounts_;
  cycle_store& store_;
  billing_cycle cycle_;
  std::chrono::seconds grace_;
  carried_book from_;  // the states after the cycle before
  std::map<std::pair<std::string, std::int32_t>, partition> partitions_;
  std::vector<outgoing_message> unsent_events_;
};

/// What close_live_cycle wrote: the bills, by subscriber.
struct live_close_result {
  std::vector<bill> bills;
  std::size_t live_accounts = 0;  ///< accounts billed from live records
  std::size_t late_rated = 0;     ///< late records billed as adjustments (D25)
  /// Late records their closed cycle's rating rejects (a voice record after a bar, say):
  /// found only when the closed cycle is rated again with them, at the close.
  std::vector<reject> late_rejects;
};

/// Closes `cycle` in the store from the open cycles the live workers saved: their records
/// are rated together by rate_batch, from the states the store kept after the cycle before,
/// so every account of `accounts` gets the bill a batch run of the same records gives (D28);
/// late records of closed cycles kept with them are rated with their cycles and their
/// differences put on the bills as adjustments, as `ratel rate --store` does (D25). Bills,
/// states after the cycle and records billed go in one transaction (cycle_store::begin_close),
/// which also deletes the open cycles. Throws store_error as begin_close does (a cycle closed
/// already, a gap); `store_name` names the store in messages.
live_close_result close_live_cycle(const rule_plan& plan, const account_book& accounts,
                                   cycle_store& store, date::year_month cycle,
                                   const cycle_inputs& inputs,
                                   const std::string& store_name = "the store");

}  // namespace ratel
