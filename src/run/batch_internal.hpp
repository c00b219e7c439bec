// Internal: rate_batch for a chosen set of accounts, so that a shard of a file (stream.cpp)
// is rated by the same code as a whole file.
#pragma once

#include <span>

#include "ratel/run/batch.hpp"

namespace ratel {

using account_book_entry = std::map<std::string, account_history, std::less<>>::value_type;

namespace detail {

/// rate_batch, where the subscribers billed for being open in a cycle are those of
/// `billed_accounts` (entries of `accounts`) instead of the whole log: a shard bills the
/// accounts that hash to it. Records are rated against `accounts` as in rate_batch.
/// `carried`: the states an earlier run left, by subscriber; when given, the result's
/// `carried` holds every account's state after the last cycle. `adjustments`: corrections
/// of closed cycles (D25), by subscriber, put on the bills of the last cycle.
batch_result rate_batch_of(const rule_plan& plan, const account_book& accounts,
                           std::span<const account_book_entry* const> billed_accounts,
                           const usage_batch& usage, std::span<const billing_cycle> cycles,
                           unsigned threads, batch_progress* progress,
                           const carried_book* carried = nullptr,
                           const adjustment_book* adjustments = nullptr);

}  // namespace detail
}  // namespace ratel
