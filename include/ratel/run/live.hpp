// ratel/run/live.hpp: one account's open cycle rated as its records arrive (D28).
//
// Concept: a live_account takes the records of one subscriber's open cycle one at a time,
// in whatever order they come, and returns at once the events each one fires (a reminder,
// a cap, a cut-off, a throttle, a bar): what the network needs when it happens, not at
// month end. Closing the cycle bills all its records together, as a batch run would: the
// bill never depends on the order the records came in.
//
// How order is kept: records are rated through the rater's record loop (cycle_rating,
// rater.hpp) in (time, id) order. A record that comes before one already rated is put in
// its place and the records from there on are rated again, from a saved point (a copy of
// the rating taken every `checkpoint_every` records; the last `checkpoints_kept` are kept,
// and before the oldest the cycle is rated again from its start). An event already
// returned is never retracted and never returned again, even if rating again moves it to
// another record or finds it no longer fires (D28); one it now fires that was not returned
// is returned with the record that caused the re-rating.
//
// Event identity: an event's id names the subscriber, the cycle, the kind, the product,
// the threshold and how many times the same (kind, product, threshold) fired before in the
// cycle: "13800000001/2019-08/cut_off/gprs-20/data-15gb/1". The same records give the same
// ids in every run, so a consumer can drop an event it has seen.
//
// Duplicates: two records of the same id are one record, and the one kept is the one a
// batch keeps (the smaller content, usage.hpp), whichever came first.
//
// Late records (D25): a record of a cycle closed before this one (the caller knows which are
// closed: a store) is given with add_late. It is kept beside the cycle's records, not rated
// in it: the close rates its closed cycle again with it and bills the difference as
// adjustments (store/late_records_in_store.hpp). It shares the identities of the cycle's
// records, so one record given twice, late and in the cycle, is still one record.
//
// Saved state: save() gives the open cycle (state.hpp: the carried state it started from,
// the records, the events sent) and restore() rebuilds the account from it, without
// returning any event again. io/carried_state_json.hpp writes and reads it.
//
//   live_account acct(plan, book.find("13800000001"), august, &state_after_july);
//   live_added a = acct.add(record);            // a.events: fired now
//   closed_live_cycle c = acct.close();         // c.billed: the batch bill; c.carried
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ratel/biller.hpp"
#include "ratel/rater.hpp"
#include "ratel/state.hpp"

namespace ratel {

/// An event as live rating returns it: with its identity (see the file comment).
struct live_event {
  std::string id;
  event what;
};

/// What adding one record did.
struct live_added {
  enum class outcome : std::uint8_t {
    rated,          ///< rated (its charge is on the bill at close)
    rejected,       ///< rejected by the rater (see `rejected`), as a batch would
    duplicate,      ///< its identity is held already by a record a batch keeps over it
    outside_cycle,  ///< its time is not in the account's open cycle: nothing changed
    late,           ///< add_late: kept for the close, to bill its closed cycle's difference
  };
  outcome result = outcome::rated;
  std::optional<reject> rejected;     ///< for outcome::rejected
  std::optional<duplicate> left_out;  ///< the record left out, for a duplicate (it, or the
                                      ///< one held before, which this one replaced)
  std::vector<live_event> events;     ///< fired now and never returned before
};

/// A closed cycle: its bill as a batch run of its records gives it, and the state after it.
struct closed_live_cycle {
  billed_cycle billed;
  carried_state carried;
};

/// An incremental save of a live account (live_account::save_changes).
struct open_cycle_changes {
  open_cycle_state open;                     ///< its rows: only the records added since
  std::vector<std::uint32_t> lines_removed;  ///< records saved before, put out since
};

class live_account {
 public:
  /// Records of a cycle, rated again after a saved point at most this many records back.
  static constexpr std::size_t checkpoint_every = 256;
  static constexpr std::size_t checkpoints_kept = 4;

  /// `history` may be null (a subscriber the account log does not know: every record is
  /// rejected). Plan and history must outlive the account. `from`: the state the cycle
  /// before left, or null to start afresh.
  live_account(const rule_plan& plan, const account_history* history, const billing_cycle& cycle,
               const carried_state* from = nullptr);
  /// An account from its saved state (save()); a row that is not a valid usage row throws
  /// input_error naming `source` and the record. Events the saved records fire that were
  /// never sent (the account's history or the catalog changed since the save) wait in
  /// take_unsent().
  static live_account restore(const rule_plan& plan, const account_history* history,
                              const open_cycle_state& saved, const std::string& source);

  live_account(live_account&&) noexcept;
  live_account& operator=(live_account&&) noexcept;
  ~live_account();

  /// Rates r (copied: it need not outlive the call) and returns what it fired.
  live_added add(const usage_record& r);

  /// Keeps r, a record dated before the open cycle, of a cycle closed already (see the file
  /// comment): outcome late, or duplicate. Throws std::invalid_argument for a record not
  /// dated before the cycle.
  live_added add_late(const usage_record& r);

  /// The cycle's bill from all its records (account_biller, the batch path) and the state
  /// the next cycle goes on from. The account stays as it is.
  closed_live_cycle close() const;

  /// The open cycle as it stands (see the file comment).
  open_cycle_state save() const;

  /// What changed since the last save_changes() (or the restore): the open cycle's state
  /// with only the records added since as its rows, and the lines of records given before
  /// that a duplicate has put out since. Everything counts as saved after it. A store that
  /// appends the rows and drops the lines holds what save() gives, at a cost that does not
  /// grow with the records saved before.
  open_cycle_changes save_changes();

  /// The events a restore found fired and never sent (see restore()); each is returned once.
  std::vector<live_event> take_unsent() { return std::exchange(unsent_, {}); }

  const billing_cycle& cycle() const noexcept { return cycle_; }
  const std::string& subscriber() const noexcept { return subscriber_; }
  /// Records held (not left out as duplicates), in (time, id) order.
  const std::vector<const usage_record*>& records() const noexcept { return ordered_; }
  /// Late records held (add_late), in the order given.
  const std::vector<const usage_record*>& late_records() const noexcept { return late_; }

 private:
  void check_subscriber(const usage_record& r);
  const usage_record* take_identity(const usage_record& r, live_added& out,
                                    const usage_record*& replaced);
  const usage_record* hold(const usage_record& r);
  std::string_view keep(std::string_view text);
  const usage_record** find_id(std::string_view id, std::size_t hash);
  void index_id(const usage_record* r, std::size_t hash);
  void rate_from(std::size_t position);
  void take_checkpoint();
  std::vector<live_event> newly_fired();
  std::optional<reject> reject_of(const usage_record& r) const;

  const rule_plan* plan_;
  const account_history* history_;
  billing_cycle cycle_;
  std::string subscriber_;
  std::optional<carried_state> from_;
  // Every record given, its text copied into blocks of its own: neither ever moves, so the
  // rating's pointers to records stay valid (a record left out as a duplicate stays too).
  std::deque<usage_record> held_;
  std::vector<std::unique_ptr<char[]>> text_blocks_;
  std::size_t text_block_size_ = 0;           // the last block's size
  std::size_t text_used_ = 0;                 // and the bytes used of it
  std::vector<const usage_record*> ordered_;  // held, not left out, in (time, id) order
  std::vector<const usage_record*> late_;     // held late records (add_late), not left out
  std::vector<const usage_record*> unsaved_;  // added since the last save_changes
  std::vector<std::uint32_t> put_out_;        // lines saved before, put out by a duplicate since
  // Open addressing over the ids of ordered_'s records, at most half full, with each id's
  // hash: a node-based map allocated and missed the cache on every record.
  struct id_slot {
    std::size_t hash = 0;
    const usage_record* record = nullptr;
  };
  std::vector<id_slot> id_slots_;
  std::size_t ids_ = 0;
  cycle_rating rating_;                                            // rating of ordered_, all of it
  std::vector<std::pair<std::size_t, cycle_rating>> checkpoints_;  // (records rated, rating)
  std::size_t log_events_ = 0;   // the cycle's account-log events, first
  std::size_t events_seen_ = 0;  // rating_.events() looked at so far
  std::map<std::string, std::uint32_t, std::less<>> fired_count_;  // key: times fired so far
  std::set<std::string, std::less<>> sent_;                        // ids returned, in any call
  std::vector<live_event> unsent_;  // fired by a restore's records, never sent before
};

}  // namespace ratel
