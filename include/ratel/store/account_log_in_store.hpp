// ratel/store/account_log_in_store.hpp: an account log kept in a cycle store.
//
// Concept: live workers run for months while subscribers join, order and cancel. The
// operator adds each day's account-log entries to the store (`ratel accounts --store S --add
// FILE`); every worker reads the store's log when it starts and again whenever it grows
// (consume_options::accounts_changed), so no worker needs a restart or a file of its own, and
// `ratel close` bills from the same log. The entries are kept as account-log rows and read
// back by the same reader as a file (io/account_log.hpp): the fold (D21) makes the order in
// which they were added irrelevant.
//
//   add_account_log(store, read_account_log("2019-08-14.csv"));
//   account_book book = fold_account_log(account_log_of(store, "billing.db"), plan);
#pragma once

#include <span>
#include <string>
#include <vector>

#include "ratel/account_entry.hpp"
#include "ratel/store/cycle_store.hpp"

namespace ratel {

/// Adds `entries` to the store's account log, in one transaction.
void add_account_log(cycle_store& store, std::span<const account_entry> entries);

/// The store's account log, read as a file of it would be: input_error (naming `store_name`
/// and the entry) if an entry cannot be read back.
std::vector<account_entry> account_log_of(cycle_store& store, const std::string& store_name);

/// The store's account log as one account-log file (the header, then a row per entry).
std::string account_log_text(cycle_store& store);

}  // namespace ratel
