// ratel/batch.hpp: rating a whole usage file for one cycle or several consecutive ones.
//
// Concept: the pipeline of DESIGN section 1 for many subscribers: split the records by
// subscriber and cycle, reject those outside the cycles, rate every subscriber's cycles and
// build the bills. Everything one cycle passes to the next (products held, windows used,
// deposits' schedules) lives in the account history, so every (subscriber, cycle) is
// rated independently and the work is shared among `threads` workers; the result is in
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
#include <span>
#include <vector>

#include "ratel/bill.hpp"

namespace ratel {

/// Progress of a running batch, for a display: records_done grows as subscribers are rated
/// (read it from another thread); records_total is set before rating starts.
struct batch_progress {
  std::atomic<std::size_t> records_done{0};
  std::atomic<std::size_t> records_total{0};
};

struct batch_result {
  std::vector<bill> bills;           ///< ordered by subscriber
  std::vector<reject> rejects;       ///< reader's and rater's, ordered by line
  std::vector<duplicate> duplicates; ///< ordered by line
  std::size_t rows_read = 0;
  std::size_t rated = 0;
};

/// Rates `usage` for `cycle`. threads >= 1.
batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, const billing_cycle& cycle, unsigned threads = 1);

/// Rates `usage` for consecutive `cycles` (each starting where the previous one ends, at
/// least one). Records in none of them are rejected (`outside_cycle`).
batch_result rate_batch(const rule_plan& plan, const account_book& accounts,
                        const usage_batch& usage, std::span<const billing_cycle> cycles,
                        unsigned threads = 1, batch_progress* progress = nullptr);

}  // namespace ratel
