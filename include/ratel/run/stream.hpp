// ratel/stream.hpp: rating a usage file of any size in bounded memory (DESIGN section 5).
//
// Concept: rate_file is rate_batch for a file on disk, streamed through subscriber shards.
//  1. The header is checked as usage_batch::read_file does. The body is split at line ends
//     into one byte range per thread, each read in blocks; each data row goes, raw and
//     with its line number, to one of S shards, each a range of subscribers in their ids'
//     byte order (the bounds are quantiles of subscribers sampled from the files, so the
//     shards get about equal shares of the bytes; S gives shards of about 8 MiB, more when
//     the budget is small). Rows are held in memory while they fit three quarters of the
//     memory budget (less what the account log's lines take, below), and spilled beyond that to
//     files that have no name (created unlinked in $TMPDIR, so that no exit, not even kill -9,
//     leaves them behind); every spilled byte is checked when read back, so a full disk fails the
//     run. Input that is not a regular file (a pipe) is first copied to such a file. Given the
//     account log's path instead of a folded book, its lines go the same way, into the same shards
//     (at most a quarter of the budget, then spilled). The last quarter is the rendered output's
//     (step 2).
//  2. Workers take the shards one at a time: (with the log's path: parse and fold the
//     shard's own histories, fold_account_log's checks;) parse and validate the rows
//     (usage_batch::parse_rows: the checks of a whole file), de-duplicate, rate and bill
//     every subscriber's cycles (rate_batch's code, for the accounts of the shard), and
//     render each subscriber's bills with `bill_output::render`. Only the rendered text
//     outlives the shard, with the rejects and the counts.
//  3. A shard's text goes to `bill_output::write`, subscriber after subscriber, as soon as
//     the shards before it are written: the shards' ranges follow each other, so the run's
//     bills come out in subscriber order with no merge. A shard rated before its turn holds
//     its text until then (spilled too when the held text passes a quarter of the budget).
//
// A run that closes its cycle into a store (stream_options::closing, D24/D25) goes on from
// carried states, split among the shards as the accounts are. While the file is read, the
// rows dated outside the cycles are also kept aside; before any shard is rated the caller
// gets them (stream_closing::outside_rows) and says which were billed already and which it
// rated as late records. Each shard then hands over, per subscriber, its part of the close
// (bill, state after the cycle, records rated).
//
// Invariants: the bills, rejects, duplicates and counts are those of rate_batch on the
// whole file (the same bytes), whatever the threads, the memory budget (so the number of
// shards and what spills), and the order of the rows: a (subscriber, id) and all of a
// subscriber's accounts, records and bills live in one shard, and every choice inside a
// shard depends on content only. Memory: about the budget, plus a rendered subscriber; a
// budget too small for the file still works (everything spills), only slower.
//
//   bill_output out{1, [](std::span<const bill> bills, std::span<std::string> parts) {
//                        for (const bill& b : bills) parts[0] += bill_to_csv_rows(b);
//                      },
//                   [](std::span<const std::string> parts) { std::fputs(parts[0].c_str(), stdout);
//                   }};
//   std::fputs(bills_csv_header().data(), stdout);
//   stream_result r = rate_file(plan, book, "usage.csv", cycles, out, {.threads = 2});
//   // or, with the account log read shard by shard (memory bounded whatever the subscribers):
//   stream_result s = rate_file(plan, "accounts.csv", "usage.csv", cycles, out, {.threads = 2});
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/adjustment.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/state.hpp"

namespace ratel {

/// A record of the file the caller dealt with itself before the shards were rated
/// (stream_closing::outside_rows).
struct set_aside_record {
  std::uint32_t line = 0;  ///< its line in the usage file
  std::string subscriber;
  /// A closed cycle billed its identity already: a duplicate (D25), listed with that cycle.
  std::optional<date::year_month> billed_in;
  /// Otherwise a late record the caller rated with its closed cycle (D25): counted as rated,
  /// or, when that rating rejected it, as this reject.
  std::optional<reject> rejected;
};

/// One subscriber's part of a close (stream_closing::render).
struct subscriber_closing {
  std::string_view subscriber;
  std::span<const bill> bills;  ///< in cycle order; none for an account that only carries state
  const carried_state* carried = nullptr;  ///< its state after the last cycle (none: no account)
  std::span<const usage_record* const> records;  ///< its records rated in the run, by id
};

/// A run that goes on from an earlier one and closes its last cycle (D24, D25): what the
/// shards start from, and what each hands over for the close besides its bills.
struct stream_closing {
  /// The states the run goes on from (rate_batch's `from`), and corrections of closed
  /// cycles for the last cycle's bills (D25). Read once outside_rows has returned, so that
  /// it may change them.
  const carried_book* from = nullptr;
  const adjustment_book* adjustments = nullptr;
  /// On the calling thread, once the file is read and before any shard is rated: the rows
  /// whose time is outside the cycles, parsed and de-duplicated among themselves (their
  /// lines are the file's). Which one of two rows with one identity is kept depends on
  /// content, time first, so an outside row kept here is kept in its shard too. Returns the
  /// records the caller dealt with (billed already, or late and rated by it); the others
  /// are rejected as outside the cycles, as without a close.
  std::function<std::vector<set_aside_record>(const usage_batch& outside)> outside_rows;
  /// In a worker: one subscriber's part of the close, appended to `out`. Called for every
  /// subscriber with a bill or a carried state, once its shard is rated.
  std::function<void(const subscriber_closing& part, std::string& out)> render;
  /// In a worker, right after render: the part rendered. One call at a time, but in no set
  /// order (shards finish as they do): what a close keeps must not depend on it. So the
  /// close takes each part as it is made, and none is held or spilled.
  std::function<void(std::string_view part)> take;
};

struct stream_options {
  unsigned threads = 1;  ///< workers rating shards, >= 1; the output does not depend on it
  /// Bytes the run aims to stay within: rows spill to disk beyond three quarters of it, and the
  /// shard count is chosen so that a shard being rated fits a worker's share.
  std::size_t memory_budget = std::size_t{512} << 20;
  /// The folder spill files are made in; empty: $TMPDIR, or /tmp when it is unset or empty.
  std::filesystem::path temp_dir;
  /// Where the run reports its phase and how far each has come (for a display on another
  /// thread; see batch_progress). records_total is set once the file is read.
  batch_progress* progress = nullptr;
  /// When set: the rejects file's rows (io/rejects_csv.hpp, without the header), in line
  /// order, on the calling thread after the bills; they are held and spilled as rendered
  /// bills are, so any number of rejects stays within the budget. stream_result then keeps
  /// only the first `rejects_kept` rejects and duplicates (by line); its counts are whole.
  std::function<void(std::string_view row)> reject_rows;
  std::size_t rejects_kept = static_cast<std::size_t>(-1);
  /// Only the subscribers of hash shard `shard_index` of `shard_count` (subscriber_shard):
  /// their rows, accounts and bills; the file's other rows are skipped and not counted. So
  /// shards run anywhere (`ratel rate --shard I/N`); together they rate the whole file.
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
  /// When set: the run goes on from carried states and hands each subscriber's close over
  /// (stream_closing), still in bounded memory.
  const stream_closing* closing = nullptr;
};

/// What becomes of the bills: rendered in the workers, written in order by the caller.
struct bill_output {
  std::size_t parts = 1;  ///< texts per subscriber (e.g. the bills and their events)
  /// In a worker thread: one subscriber's bills (in cycle order) into `parts` (`parts`
  /// strings, empty on entry). May throw (the run stops and rate_file rethrows).
  std::function<void(std::span<const bill> bills, std::span<std::string> parts)> render;
  /// Once per subscriber with a bill, in subscriber order, one call at a time: from the run's
  /// threads as shards are rated (a run that fails after has written the bills of the shards
  /// before; a caller that must publish all or nothing writes to a file it commits last).
  std::function<void(std::span<const std::string> parts)> write;
};

struct stream_result {
  std::vector<reject> rejects;        ///< reader's and rater's, ordered by line (see rejects_kept)
  std::vector<duplicate> duplicates;  ///< ordered by line (see rejects_kept)
  std::size_t rejected = 0;           ///< rows rejected, all of them
  std::size_t duplicated = 0;         ///< duplicate rows, all of them
  std::size_t rows_read = 0;
  std::size_t rated = 0;
  std::size_t bills = 0;
  std::size_t shards = 0;  ///< how the file was split (for reports; no effect on results)
  bool spilled = false;    ///< some shard went to disk
};

/// The hash shard, of `count` (at least 1), that a subscriber belongs to for stream_options::
/// shard_index: a function of the subscriber's bytes only, the same in every run and on
/// every machine.
std::size_t subscriber_shard(std::string_view subscriber, std::size_t count) noexcept;

/// Rates the usage file at `usage` for consecutive `cycles` (at least one), as rate_batch
/// does, streaming. Throws input_error (file:line:col, field) when the file cannot be read
/// or its header is wrong, as usage_batch::read_file does (a line longer than 64 MiB included:
/// not a usage file), and output_error (io/output.hpp: the file, what failed, the system's
/// reason, what to do) when a spill file cannot be made, written or read back in full.
stream_result rate_file(const rule_plan& plan, const account_book& accounts,
                        const std::filesystem::path& usage, std::span<const billing_cycle> cycles,
                        const bill_output& output, const stream_options& options = {});

/// rate_file with the account log read from its file as the usage is, so that memory does
/// not grow with the number of subscribers: the log's lines are routed by subscriber to the
/// usage's shards (held within the budget, spilled past it), and each shard parses and folds
/// the histories of its own subscribers only when it is rated (a history depends on its
/// subscriber's lines only). The bills, rejects and counts are rate_file's with
/// fold_account_log(read_account_log(account_log), plan). A bad log throws the input_error
/// those would throw (the first bad line in the file; else the fold's first error), before
/// any bill is written, whatever the threads and the budget.
stream_result rate_file(const rule_plan& plan, const std::filesystem::path& account_log,
                        const std::filesystem::path& usage, std::span<const billing_cycle> cycles,
                        const bill_output& output, const stream_options& options = {});

}  // namespace ratel
