// Internal: the fold of the account log (account.hpp) with its limit on the lines of one
// subscriber as a parameter, so that tests reach the limit without a million lines; and
// the fold of a part of a log (the lines of some of its subscribers: a shard of a
// streaming run), whose error, if any, can be ranked against the other parts' errors to
// report the one the whole log's fold would.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "ratel/account.hpp"

namespace ratel::detail {

/// fold_account_log(entries, plan) with `max_lines` in place of max_history_lines.
account_book fold_account_log(std::vector<account_entry> entries, const rule_plan& plan,
                              std::size_t max_lines);

/// Why a fold failed: `error`, met at `entry`. A history past the line limit is found
/// before any line is folded (`history_too_long`: entry is the first line past it).
struct fold_failure {
  input_error error;
  bool history_too_long = false;
  account_entry entry;
};

/// True if, of two failures of parts of one log, `a` is the one the whole log's fold
/// reports: a history too long before a line's meaning; then the first line past a limit
/// in line order, or the earliest line in fold order (fold key, then subscriber).
bool reported_before(const fold_failure& a, const fold_failure& b);

/// The histories of `entries` (lines of whole subscribers, in file order), or the failure
/// fold_account_log would throw for them (then `book` is empty).
struct partial_fold {
  account_book book;
  std::optional<fold_failure> failure;
};
partial_fold fold_account_part(std::vector<account_entry> entries, const rule_plan& plan,
                               std::size_t max_lines);

}  // namespace ratel::detail
