// ratel/io/account_log.hpp: the account log file (DESIGN 4.2).
//
// Concept: one line per thing that happened to an account (joined, subscribed, paid a
// deposit, closed ...), header `subscriber,time,action,product,amount,note`, columns by
// name in any order. ratel also reads an optional `country` column: the country a roaming
// pass is ordered for (D12: some passes are not sold for some countries). Reading checks the shape
// of every line; what the actions mean is decided when the log is folded into per-subscriber
// histories (account.hpp), because that needs the catalog.
//
// Unlike a usage record, a bad account line stops the run with an input_error naming
// file:line:col and the field: a dropped subscription would silently change bills.
//
//   std::vector<account_entry> log = read_account_log("accounts.csv");
//   std::string row = account_entry_to_csv(log[0]);  // under account_log_csv_header()
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/account_entry.hpp"

namespace ratel {

/// Reads an account log. Throws input_error (file:line:col, field) for: an unreadable or
/// empty file, a header without the required columns (subscriber, time, action; product,
/// amount and note may be absent), an empty subscriber, a bad time, an unknown action, a
/// missing product or amount where the action needs one, an amount that is not a
/// non-negative decimal number. Entries are returned in file order.
std::vector<account_entry> read_account_log(const std::filesystem::path& path);
/// Same, from text.
std::vector<account_entry> parse_account_log(std::string_view text, const std::string& source_name);

/// The header account_entry_to_csv's rows go under: every column, `country` last.
std::string_view account_log_csv_header();
/// An entry as an account-log row (no newline): its time in UTC, fields quoted where CSV
/// needs it. parse_account_log reads it back as the same entry (but `where`).
std::string account_entry_to_csv(const account_entry& e);

}  // namespace ratel
