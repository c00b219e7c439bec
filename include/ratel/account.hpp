// ratel/account.hpp: per-subscriber histories folded from the account log.
//
// Concept: the account log (account_entry.hpp; read from a file by io/account_log.hpp) says what
// happened; the fold decides what it means under the catalog: which product instances were active
// when, and which requests the catalog refuses. The fold is a pure function of the log and the
// plan, in time order (entries at the same instant keep their file order). It takes O(n log n) time
// for n lines, however they are shared among subscribers: a line looks at what it changes
// through per-product indexes, never at the whole history before it. One subscriber may
// have at most max_history_lines lines.
//
// What each action does now:
//  - join: tenure starts.
//  - subscribe: the product starts at once. A second subscribe of an active product
//    that does not stack is refused. If a product of the same exclusive group is active,
//    the new one starts at the next cycle start and the old one ends there (D5). A
//    domestic data pack is refused beside a plan that accepts only throttle-lifting packs
//    (D8), unless it lifts the throttle itself.
//  - subscribe_next_cycle: the product starts at the next cycle start (D5).
//    A product with a free window (D15) is not charged for that long after its first order
//    in a cycle; a product that requires confirmation (a trial) is not charged until
//    `confirm`. Per-use services and offers cannot be subscribed (refused).
//  - unsubscribe: every held instance of the product ends as the product says: at once,
//    at the next 00:00 (home zone), or at the next cycle start (D5); one ordered for a
//    later start is cancelled. A product that is not held is refused.
//  - confirm: a trial of the product starts being charged from the confirmation.
//  - deposit: orders an offer (D16); the amount must be the offer's deposit.
//  - close: every product ends; usage at or after the close is rejected.
//  - reactivate_data: kept in the history; the rater decides, when it reaches that instant,
//    whether there is a cut-off to lift (it depends on the usage before it).
//  - redeem_points: kept for the points ledger (points.hpp), which applies or refuses it in
//    its cycle; refused at once if the catalog has no points program or the amount is not
//    a whole number of points.
//
//   account_book book = fold_account_log(read_account_log("accounts.csv"), plan);
//   const account_history* h = book.find("13800000001");
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/account_entry.hpp"
#include "ratel/event.hpp"
#include "ratel/rules.hpp"

namespace ratel {

/// One instance of a product held by a subscriber: active over [start, end).
struct subscription {
  std::size_t product = 0;  ///< index in the rule_plan
  instant ordered;          ///< when the subscribe line was written
  instant start;
  std::optional<instant> end;  ///< nullopt: still active
  source_position from;        ///< the account-log line
  /// The fee runs from here (the start, or the end of a free window, or the confirmation).
  instant charged_from;
  /// A trial not confirmed (yet): it is not charged at all.
  bool awaiting_confirm = false;
  /// charged_from is the end of a free window (D15): the window is [start, charged_from).
  bool free_window = false;
  bool active_at(instant t) const noexcept { return start <= t && (!end || t < *end); }
  bool overlaps(instant from_, instant until) const noexcept {
    return start < until && (!end || from_ < *end);
  }
};

/// An offer ordered by a deposit (D16): the credits follow from the offer's schedule.
struct deposit_order {
  std::size_t product = 0;  ///< the offer's index in the plan
  instant time;
  source_position from;
};

/// A request whose effect is decided later: reactivate_data (by the rater), redeem_points
/// (by the points ledger, with `points`).
struct account_request {
  instant time;
  source_position from;
  std::int64_t points = 0;
};

/// What the fold made of one subscriber's lines. Every list is in time order (ties in file
/// order), which the biller, the rater and the points ledger rely on to look at only the
/// part a cycle needs: a history built by hand must keep it.
struct account_history {
  std::string subscriber;
  std::optional<instant> joined;
  std::optional<instant> closed;
  std::vector<subscription> subscriptions;     ///< in order of the log: by `ordered`
  std::vector<event> events;                   ///< refused requests, in time order
  std::vector<account_request> reactivations;  ///< reactivate_data lines, in time order
  std::vector<deposit_order> deposits;         ///< in time order
  std::vector<account_request> redemptions;    ///< redeem_points lines, in time order
};

/// Histories by subscriber, ordered by subscriber id.
class account_book {
 public:
  const account_history* find(std::string_view subscriber) const;
  const std::map<std::string, account_history, std::less<>>& histories() const noexcept {
    return histories_;
  }
  std::map<std::string, account_history, std::less<>>& histories() noexcept { return histories_; }

 private:
  std::map<std::string, account_history, std::less<>> histories_;
};

/// The most lines the account log may hold for one subscriber. A run spans at most 120
/// cycles (ten years); a million lines is one every five minutes, day and night, for those
/// ten years, where a person's orders, even an automatic top-up every hour, stay under a
/// tenth of it. Past it, the log is not an account's history but a generator's or a loop's,
/// and it would cost without bound: about 300 to 550 bytes a line held for the whole run
/// (the entry, then its subscription or refusal), and the rater and the points ledger go
/// through a history for each cycle they bill.
inline constexpr std::size_t max_history_lines = 1'000'000;

/// Folds the log under the plan. Throws input_error (file:line:col):
///  - field `subscriber`, before anything is folded, at the first line of a subscriber past
///    max_history_lines, counted in the order of `entries` (a file's line order, as
///    read_account_log returns them);
///  - field `product`, for a product the catalog does not have (such a log belongs to
///    another catalog): the first such line in time order.
/// Time: O(n log n) for n entries.
account_book fold_account_log(std::vector<account_entry> entries, const rule_plan& plan);

}  // namespace ratel
