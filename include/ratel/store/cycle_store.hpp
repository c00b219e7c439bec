// ratel/store/cycle_store.hpp: closed billing cycles, kept between runs (D24; DESIGN 6).
//
// Concept: a backend bills month after month. When it closes a cycle, the store keeps, in
// one transaction: the cycle's bills (ratel's bill JSON, one per subscriber), every
// account's carried state after it (io/carried_state_json.hpp), the identities of the
// records billed (so that a replayed or late record is never charged twice, D25), and what
// the cycle was rated from (digests of the catalog and the inputs, ratel's version). A
// crash leaves the store at the last close; a closed cycle is never rewritten. Cycles close
// in order: the next one a run may close is the one after the last closed.
//
// Live rating keeps its open cycles here too, with the offsets of the input partitions
// they reflect, saved in one transaction (save_live), and may keep the account log here.
//
// Two implementations, each an optional CMake component and target of its own:
// sqlite_store.hpp (ratel::store_sqlite, an embedded file, the default) and
// postgresql_store.hpp (ratel::store_postgresql, libpq). Both create the schema they need
// and migrate older ones, recording its version in a table of their own.
//
//   std::unique_ptr<cycle_store> store = open_sqlite_store("billing.db");
//   carried_book from = store->last_closed() ? store->carried_after(store->last_closed()->cycle)
//                                            : carried_book{};
//   ... rate the next cycle from `from` (run/batch.hpp) ...
//   store->close(closing);  // or begin_close, add as they come, commit
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ratel/io/carried_state_json.hpp"
#include "ratel/state.hpp"

namespace ratel {

/// What a cycle was rated from: enough to tell whether a second close of it had the same
/// inputs. Digests are whatever the caller chose (the CLI: SHA-256 of each file, hex).
struct cycle_inputs {
  std::string catalog_digest;
  std::string accounts_digest;
  std::string usage_digest;
  std::string ratel_version;
  bool operator==(const cycle_inputs&) const = default;
};

/// A cycle the store holds as closed.
struct closed_cycle {
  date::year_month cycle;
  cycle_inputs inputs;
};

/// A bill as the store keeps it: ratel's bill JSON (one object) for one subscriber.
struct stored_bill {
  std::string subscriber;
  date::year_month cycle;
  std::string json;
};

/// A carried state as the store keeps it: a carried-state document of that one state
/// (io/carried_state_json.hpp).
struct stored_state {
  std::string subscriber;
  std::string json;
};

/// A record billed in a closed cycle: its identity (DESIGN 4.1: subscriber and id), the
/// cycle whose record it is, and the record itself as a usage row (io/usage_csv.hpp,
/// usage_row_to_csv), so that the cycle can be rated again with late records (D25).
struct billed_record {
  std::string subscriber;
  std::string id;
  date::year_month cycle;
  std::string row;
  /// Read back only: the close that billed it (`cycle`'s own, or a later one's for a late
  /// record). A close writes its own cycle here, whatever is given.
  std::optional<date::year_month> billed_by;
  /// The caller's own reference (the CLI: the record's line in its usage file), handed
  /// back with a billed_already; never stored.
  std::uint32_t line = 0;
};

/// Everything one close writes.
struct cycle_closing {
  date::year_month cycle;
  cycle_inputs inputs;
  std::vector<stored_bill> bills;
  std::vector<carried_state> carried;  ///< every account's state after the cycle
  /// The records billed: the cycle's own, and late records of earlier closed cycles whose
  /// differences this cycle's bills carry as adjustments (their `cycle` is the earlier one).
  std::vector<billed_record> records;
};

/// A store that cannot be opened, read or written, or a close the store refuses (the
/// cycle is closed already, or it is not the next one). The message says which store and
/// what to do.
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A close refused because some of its records were billed by a closed cycle already
/// (their identity, D25). Nothing was written; records() names them, each with the cycle
/// that billed it: the caller leaves them out, as duplicates, and closes again.
class billed_already : public store_error {
 public:
  billed_already(const std::string& what, std::vector<billed_record> records)
      : store_error(what), records_(std::move(records)) {}
  const std::vector<billed_record>& records() const noexcept { return records_; }

 private:
  std::vector<billed_record> records_;
};

/// The checks every store makes when it begins a close, inside the close's transaction:
/// `already` whether `cycle` is closed, `last` the last closed cycle. Throws store_error
/// naming `store` when the cycle is closed already, or when it is not the month after the
/// last closed.
inline void check_closing(date::year_month cycle, bool already,
                          const std::optional<closed_cycle>& last, std::string_view store) {
  if (already)
    throw store_error(fmt::format("{}: cycle {} is closed already", store, to_string(cycle)));
  if (last && cycle != last->cycle + date::months(1))
    throw store_error(fmt::format(
        "{}: cycle {} is not the next one to close: the last closed is {}, so the next is {}",
        store, to_string(cycle), to_string(last->cycle), to_string(last->cycle + date::months(1))));
}

/// The check of every record a close is given: none is of a cycle after the one closed.
inline void check_closing_record(const billed_record& r, date::year_month cycle,
                                 std::string_view store) {
  if (r.cycle > cycle)
    throw store_error(
        fmt::format("{}: record {} of {} is of cycle {}, after the cycle being closed ({})", store,
                    r.id, r.subscriber, to_string(r.cycle), to_string(cycle)));
}

/// Where live rating is in one input partition (a Kafka topic's partition): the offset of
/// the next message to read. `from` is where the saving worker started from (the offset it
/// loaded, or the one it saved last; nullopt: none was saved): a save is refused if the
/// store holds another (partition_moved), so a worker that lost the partition to another
/// cannot overwrite what that one saved.
///
/// A worker with a grace period (kafka/live_worker.hpp) reads on past records of the next
/// cycle, leaving them for the next cycle's worker: then `next` is the first message left,
/// and the messages from `next` to `read_to` were read already, every one handled except
/// those whose record time is at or after `held_from` (the end of the reader's cycle). A
/// partition that `waits_for_close` of a cycle has reached a record its worker may not read
/// past before that cycle is closed.
struct partition_offset {
  std::string topic;
  std::int32_t partition = 0;
  std::optional<std::int64_t> from;
  std::int64_t next = 0;
  std::optional<std::int64_t> read_to;  ///< none: nothing read past `next`
  std::optional<instant> held_from;     ///< with read_to
  std::optional<date::year_month> waits_for_close;
  bool operator==(const partition_offset&) const = default;
};

/// An account's open cycle as live rating saves it (run/live.hpp, state.hpp), under the
/// partition its records come from. Given to save_live, `open.rows` are the records to add
/// (or to replace, by line) and `lines_removed` those to drop: a whole state, or only what
/// changed since the account's last save (live_account::save_changes), so that a save costs
/// what changed. Read back, `open` holds every record, in line order.
struct live_account_state {
  std::string topic;
  std::int32_t partition = 0;
  open_cycle_state open;
  std::vector<std::uint32_t> lines_removed;
  bool operator==(const live_account_state&) const = default;
};

/// An open cycle's state as a store keeps it beside its records' rows: the JSON of its
/// carried state and events sent (io/carried_state_json.hpp), without the rows.
inline std::string state_without_rows(const open_cycle_state& open) {
  open_cycle_state bare = open;
  bare.rows.clear();
  bare.lines.clear();
  return open_cycles_to_json(std::span(&bare, 1));
}

/// A live save refused: a partition's saved offset is not the one the saver started from.
class partition_moved : public store_error {
 public:
  using store_error::store_error;
};

/// A live save refused: the cycle of one of its accounts was closed (`ratel close`) since the
/// saver loaded it; what the saver rated of that cycle since its last save is late now.
class cycle_closed : public store_error {
 public:
  using store_error::store_error;
};

/// A close being written (cycle_store::begin_close): given piece by piece, so that a run of
/// any size hands its bills, states and records over as it makes them instead of holding
/// them all, then committed as one transaction. Destroyed without a commit (an exception,
/// a refused close), nothing of it stays in the store. Not to outlive its store.
class cycle_close {
 public:
  virtual ~cycle_close() = default;
  /// Live rating's open cycles of the cycle being closed (cycle_store::live_accounts_of),
  /// read in the close's transaction: no live save can change them before the commit
  /// deletes them. Before the first add().
  virtual std::vector<live_account_state> open_cycles() = 0;
  virtual void add(const stored_bill& bill) = 0;
  virtual void add(const stored_state& state) = 0;
  /// A record billed (check_closing_record). One whose identity was billed before is not an
  /// error here: commit() reports all of them at once.
  virtual void add(const billed_record& record) = 0;
  /// Writes everything given, in one transaction, or nothing: throws billed_already (naming
  /// every record whose identity a closed cycle billed, with its `line`) or store_error.
  /// Live rating's open cycles of the cycle (cycle_store::save_live) are deleted with it.
  virtual void commit() = 0;
};

class cycle_store {
 public:
  virtual ~cycle_store() = default;

  /// The latest closed cycle, if any.
  virtual std::optional<closed_cycle> last_closed() = 0;
  /// The earliest closed cycle, if any.
  virtual std::optional<closed_cycle> first_closed() = 0;
  /// The closed cycle `cycle`, if it is closed.
  virtual std::optional<closed_cycle> find(date::year_month cycle) = 0;
  /// The carried states stored with the closed cycle `cycle` (empty if it is not closed).
  virtual carried_book carried_after(date::year_month cycle) = 0;
  /// Begins closing `cycle`: takes the store's write lock for the close's transaction and
  /// refuses (store_error) a cycle already closed, and one that is not the month after the
  /// last closed (check_closing).
  virtual std::unique_ptr<cycle_close> begin_close(date::year_month cycle,
                                                   const cycle_inputs& inputs) = 0;
  /// Closes a cycle held whole in memory: begin_close, everything of `closing`, commit.
  void close(const cycle_closing& closing) {
    const std::unique_ptr<cycle_close> c = begin_close(closing.cycle, closing.inputs);
    for (const stored_bill& b : closing.bills) c->add(b);
    for (const carried_state& s : closing.carried)
      c->add(stored_state{s.subscriber, carried_states_to_json(std::span(&s, 1))});
    for (const billed_record& r : closing.records) c->add(r);
    c->commit();
  }
  /// The stored bills of a subscriber, of one cycle or of all, in cycle order.
  virtual std::vector<stored_bill> bills(std::string_view subscriber,
                                         std::optional<date::year_month> cycle) = 0;
  /// Whether a record was billed in a closed cycle, and of which cycle it is.
  virtual std::optional<date::year_month> billed(std::string_view subscriber,
                                                 std::string_view id) = 0;
  /// The records of closed cycle `cycle` billed for `subscriber` (including its late
  /// records billed since), in identity order.
  virtual std::vector<billed_record> records_of(date::year_month cycle,
                                                std::string_view subscriber) = 0;

  /// Live rating (DESIGN 6): saves the open cycles of `accounts` (the state of each, its
  /// carried state and events sent, replacing what the store held for its subscriber; its
  /// rows added, its lines_removed dropped) and the partitions' next offsets, in one transaction,
  /// so that a worker that restarts reads on from exactly where its durable state is. Throws
  /// partition_moved (nothing written) when a partition's saved offset is not its `from`,
  /// cycle_closed (nothing written) when an account's cycle is closed: a close and the
  /// saves exclude each other, so no record saved is left out of the close that deletes it.
  virtual void save_live(std::span<const live_account_state> accounts,
                         std::span<const partition_offset> offsets) = 0;
  /// The open cycles saved under one partition, by subscriber.
  virtual std::vector<live_account_state> live_accounts(std::string_view topic,
                                                        std::int32_t partition) = 0;
  /// The open cycles of `cycle` saved under any partition, by subscriber: what a close of
  /// the cycle bills. The close's commit deletes them (they are closed then).
  virtual std::vector<live_account_state> live_accounts_of(date::year_month cycle) = 0;
  /// The next offset saved for a partition; nullopt when none was.
  virtual std::optional<std::int64_t> next_offset(std::string_view topic,
                                                  std::int32_t partition) = 0;
  /// Every partition of `topic` saved, as saved (`from` none), in partition order.
  virtual std::vector<partition_offset> saved_offsets(std::string_view topic) = 0;

  /// The account log kept in the store (store/account_log_in_store.hpp), so that live
  /// workers follow it as it grows: entries, each an account-log row
  /// (io/account_log.hpp, account_entry_to_csv), are added in one transaction, never changed.
  virtual void add_account_log(std::span<const std::string> rows) = 0;
  /// Its rows in the order they were added.
  virtual std::vector<std::string> account_log() = 0;
  /// How many rows it holds: a worker reads the log again when this grows.
  virtual std::int64_t account_log_size() = 0;
};

/// For a store's save_live, in its transaction: refuses (cycle_closed) the save when the
/// cycle of one of its accounts is closed (`is_closed`, the store's find).
template <class IsClosed>
void check_live_cycles_open(std::span<const live_account_state> accounts, IsClosed is_closed,
                            const std::string& store) {
  std::vector<date::year_month> checked;
  for (const live_account_state& a : accounts) {
    if (std::find(checked.begin(), checked.end(), a.open.cycle) != checked.end()) continue;
    checked.push_back(a.open.cycle);
    if (is_closed(a.open.cycle))
      throw cycle_closed(fmt::format(
          "{}: cycle {} was closed since the open cycle of {} was loaded: its records rated "
          "since are late now",
          store, to_string(a.open.cycle), a.open.subscriber));
  }
}

/// The check of a live save, for a partition whose saved next offset is `saved`.
inline void check_partition_offset(const partition_offset& p, std::optional<std::int64_t> saved,
                                   std::string_view store) {
  if (saved == p.from) return;
  auto offset = [](std::optional<std::int64_t> o) {
    return o ? std::to_string(*o) : std::string("none");
  };
  throw partition_moved(fmt::format(
      "{}: partition {} of topic {} was saved at offset {} since this worker read it from {}: "
      "another worker has it now; load it again before saving",
      store, p.partition, p.topic, offset(saved), offset(p.from)));
}

}  // namespace ratel
