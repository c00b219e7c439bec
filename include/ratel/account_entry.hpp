// ratel/account_entry.hpp: one line of the account log, the engine's view of it (DESIGN 4.2).
//
// Concept: what happened to an account at an instant (joined, subscribed, paid a deposit,
// closed ...), already checked for shape by a reader (io/account_log.hpp reads the CSV
// file). What an entry means under the catalog is decided by the fold (account.hpp).
//
// Invariants: `time` is a UTC instant; `product` is set for the actions that need one,
// `amount` for deposit and redeem_points (decimal text as written).
//
//   account_entry e{.subscriber = "13800000001", .time = t, .action = account_action::subscribe,
//                   .product = "gprs-20"};
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"
#include "ratel/error.hpp"
#include "ratel/time.hpp"

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

/// The names of the account log's `action` column (DESIGN 4.2).
inline constexpr auto account_action_names = detail::enum_names_of<account_action>({
    {account_action::join, "join"},
    {account_action::subscribe, "subscribe"},
    {account_action::subscribe_next_cycle, "subscribe_next_cycle"},
    {account_action::unsubscribe, "unsubscribe"},
    {account_action::confirm, "confirm"},
    {account_action::reactivate_data, "reactivate_data"},
    {account_action::deposit, "deposit"},
    {account_action::redeem_points, "redeem_points"},
    {account_action::close, "close"},
});

/// The names of DESIGN 4.2 ("join", "subscribe", ...); nullopt for anything else.
constexpr std::optional<account_action> parse_account_action(std::string_view name) noexcept {
  return account_action_names.parse(name);
}
/// The DESIGN 4.2 name of an action ("subscribe_next_cycle").
constexpr std::string_view to_string(account_action a) noexcept {
  return account_action_names.name(a);
}

/// One line of the account log, checked for shape.
struct account_entry {
  std::string subscriber;
  instant time;
  account_action action = account_action::join;
  std::string
      product;  ///< required for subscribe, subscribe_next_cycle, unsubscribe, confirm, deposit
  std::string amount;  ///< decimal text as written ("100", "100.00"); required for deposit and
                       ///< redeem_points
  std::string note;
  /// Optional column (an extension of DESIGN 4.2): the country a roaming pass is ordered for,
  /// ISO 3166-1 alpha-2; empty when not given.
  std::string country;
  source_position where;             ///< file and line of this entry (column 1)
  std::uint32_t product_column = 0;  ///< 1-based column of the product field (0: no such column)
};

}  // namespace ratel
