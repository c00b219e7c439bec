// ratel/account_log.hpp: the account log file (DESIGN 4.2).
//
// Concept: one line per thing that happened to an account (joined, subscribed, paid a
// deposit, closed ...), header `subscriber,time,action,product,amount,note`, columns by
// name in any order. ratel also reads an optional `country` column: the country a roaming
// pass is ordered for (D12: some passes are not sold for some countries). Reading checks the shape of every line; what the actions mean is
// decided when the log is folded into per-subscriber histories (account.hpp), because
// that needs the catalog.
//
// Unlike a usage record, a bad account line stops the run with an input_error naming
// file:line:col and the field: a dropped subscription would silently change bills.
//
//   std::vector<account_entry> log = read_account_log("accounts.csv");
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ratel/error.hpp"
#include "ratel/time.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

enum class account_action : std::uint8_t {
  join,                  ///< subscriber joins the network (tenure starts)
  subscribe,             ///< product starts at `time`
  subscribe_next_cycle,  ///< product ordered at `time`, starts at the next cycle start
  unsubscribe,           ///< product ends per its product rule
  confirm,               ///< customer confirms a trial/VAS subscription
  reactivate_data,       ///< customer re-enables data after a volume cut-off
  deposit,               ///< money paid in under an offer (`amount`)
  redeem_points,         ///< redeem `amount` points
  close,                 ///< account closed
};

/// The names of DESIGN 4.2 ("join", "subscribe", ...); nullopt for anything else.
std::optional<account_action> parse_account_action(std::string_view name) noexcept;
/// The DESIGN 4.2 name of an action ("subscribe_next_cycle").
std::string_view to_string(account_action a) noexcept;

/// One line of the account log, checked for shape.
struct account_entry {
  std::string subscriber;
  instant time;
  account_action action = account_action::join;
  std::string product;  ///< required for subscribe, subscribe_next_cycle, unsubscribe, confirm, deposit
  std::string amount;   ///< decimal text as written ("100", "100.00"); required for deposit and redeem_points
  std::string note;
  /// Optional column (an extension of DESIGN 4.2): the country a roaming pass is ordered for,
  /// ISO 3166-1 alpha-2; empty when not given.
  std::string country;
  source_position where;  ///< file and line of this entry (column 1)
  std::uint32_t product_column = 0;  ///< 1-based column of the product field (0: no such column)
};

/// Reads an account log. Throws input_error (file:line:col, field) for: an unreadable or
/// empty file, a header without the required columns (subscriber, time, action; product,
/// amount and note may be absent), an empty subscriber, a bad time, an unknown action, a
/// missing product or amount where the action needs one, an amount that is not a
/// non-negative decimal number. Entries are returned in file order.
std::vector<account_entry> read_account_log(const std::filesystem::path& path);
/// Same, from text.
std::vector<account_entry> parse_account_log(std::string_view text, const std::string& source_name);

}  // namespace ratel

