// Internal: the fold of the account log (account.hpp) with its limit on the lines of one
// subscriber as a parameter, so that tests reach the limit without a million lines.
#pragma once

#include <cstddef>
#include <vector>

#include "ratel/account.hpp"

namespace ratel::detail {

/// fold_account_log(entries, plan) with `max_lines` in place of max_history_lines.
account_book fold_account_log(std::vector<account_entry> entries, const rule_plan& plan,
                              std::size_t max_lines);

}  // namespace ratel::detail
