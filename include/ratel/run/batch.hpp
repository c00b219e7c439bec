// ratel/batch.hpp: rating a whole usage file for one cycle or several consecutive ones.
//
// Concept: the pipeline of DESIGN section 1 for many subscribers: split the records by
// subscriber and cycle, reject those outside the cycles, rate every subscriber's cycles and
// build the bills. What one cycle passes to the next lives in the account history
// (products held, windows used, deposits' schedules) and in the carried state (state.hpp:
// points, pass charges still in use), which one worker hands from each of an account's
// cycles to the next; accounts are shared among `threads` workers, and the result is in
// subscriber then cycle order, identical for any thread count and any record order.
//
// Which subscribers get a bill: every subscriber of the account log whose account was
// open at some point in the cycle (known before the cycle's end, not closed before its
// start), and any subscriber of the log with a record rated in the cycle. Records of a
// subscriber the log does not know are rejected, and give no bill.
//
// Reconciliation: rows_read == rated + rejected + duplicates, where rejected counts the
// reader's rejects and the rater's.
//
// rate_batch holds the whole file, its records and all bills in memory: it is what
// explain, rerate and tests use. For a file of any size, rate_file (stream.hpp) runs the
// same code shard by shard in bounded memory, with the same results.
//
//   batch_result r = rate_batch(plan, book, usage, july, 2);
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ratel/bill.hpp"

namespace ratel {

/// The steps of rate_file (stream.hpp), in the order they come (`copying` only for input
/// that is not a regular file, a pipe). rate_batch reports records only, and leaves the
/// phase and the byte counters alone.
enum class run_phase : std::uint8_t {
  starting,  ///< nothing read yet
  copying,   ///< the input copied to the spill directory, to be read by several threads
  reading,   ///< the usage file read and its rows routed to subscriber shards
  rating,    ///< shards rated, their bills made and rendered
  writing,   ///< the rendered bills handed to bill_output::write, in subscriber order
  done,      ///< rate_file is about to return
};

/// One phase's work, in bytes: `done` grows while the phase runs; `total` is set before the
/// phase starts (0: not known, as for a pipe being copied).
struct progress_counter {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> total{0};
};

/// Progress of a running batch or file, for a display on another thread. The counters are
/// bumped with relaxed atomic adds once per chunk of work (a block of the file read, a shard
/// rated, a megabyte of bills handed over, a few thousand records rated), never per record,
/// so they cost the run nothing measurable. Each counter only grows; read `phase` first
/// (its store releases the totals of the phase it names), then that phase's counter.
struct batch_progress {
  std::atomic<std::size_t> records_done{0};   ///< records rated so far
  std::atomic<std::size_t> records_total{0};  ///< the run's records, set before rating starts
  std::atomic<run_phase> phase{run_phase::starting};
  progress_counter copied;  ///< bytes of a pipe copied (total unknown)
  progress_counter read;    ///< bytes of the usage file's body read and routed
  /// Bytes of usage rows (each with one line end) in the shards rated so far; total: all rows.
  progress_counter rated;
  progress_counter written;  ///< bytes of rendered bill text handed to bill_output::write
};

struct batch_result {
  std::vector<bill> bills;            ///< ordered by subscriber
  std::vector<reject> rejects;        ///< reader's and rater's, ordered by line
  std::vector<duplicate> duplicates;  ///< ordered by line
  std::size_t rows_read = 0;
  std::size_t rated = 0;
  /// Each account's state after the last cycle, by subscriber: only from the rate_batch
  /// that goes on from carried states.
  std::vector<carried_state> carried;
};

/// Rates `usage` for `cycle`. threads >= 1.
batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, const billing_cycle& cycle, unsigned threads = 1);

/// Rates `usage` for consecutive `cycles` (each starting where the previous one ends, at
/// least one). Records in none of them are rejected (`outside_cycle`).
batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, std::span<const billing_cycle> cycles,
                        unsigned threads = 1, batch_progress* progress = nullptr);
/// Rates `usage` for consecutive `cycles`, going on from the states an earlier run left at
/// the end of the cycle before the first (`from`, by subscriber; an account without one
/// starts afresh), and returns every account's state after the last cycle in
/// batch_result::carried. Rating months one at a time this way gives the same bills as one
/// run over them all (D24). `adjustments`: corrections of closed cycles by their late
/// records (D25, run/late_records.hpp), by subscriber, put on the bills of the last cycle.
batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, std::span<const billing_cycle> cycles,
                        const carried_book& from, unsigned threads = 1,
                        const adjustment_book& adjustments = {});

}  // namespace ratel
