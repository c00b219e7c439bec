// The fold of the account log into per-subscriber histories (see account.hpp).
#include "ratel/account.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <numeric>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/account_fold.hpp"

namespace ratel {

const account_history* account_book::find(std::string_view subscriber) const {
  auto it = histories_.find(subscriber);
  return it == histories_.end() ? nullptr : &it->second;
}

namespace {

// An instance still counts from `t` on if it has not ended by then (including one that
// starts later, ordered for the next cycle).
bool held_after(const subscription& s, instant t) {
  return !s.end || *s.end > t;
}

// The instances of one product in the history being folded, indexed for the questions a
// line asks about them, so that a line costs what it changes and a log factor, never a
// look at every earlier subscription (issue 14 item 11: 200,000 lines of one subscriber
// took 73 s).
//
// "Held at t" is held_after(s, t). The fold reads lines in time order and an end only ever
// moves earlier, so an instance not held at t is never held again: each index below drops
// it once, when it is next looked at.
struct product_instances {
  // Every instance that may still be held, in log order; those before `first` are not.
  std::vector<std::size_t> in_order;
  std::size_t first = 0;
  // Started by now and not cancelled, by end (instant::max(): no end). Ending them at X
  // moves those that end after X into X's entry, so an instance moves only when its end
  // does: from none (or its validity) to the cycle end, the next day, and now at most.
  std::map<instant, std::vector<std::size_t>> started_by_end;
  // Ordered for a later start and not cancelled. An instance starts at its order or at the
  // next cycle start after it (D5), so those that have not started yet all start at the
  // start of the cycle after the current one.
  std::vector<std::size_t> not_started;
  std::vector<std::size_t> awaiting_confirm;  // trials not confirmed, held or not
  // D26: instances an unsubscribe ends later than it was written (at the next cycle start,
  // the next day), with the end each had before: ordering the product again before then
  // withdraws the cancellation.
  std::vector<std::pair<std::size_t, std::optional<instant>>> cancelled;
  std::optional<instant> last_ordered;  // D15: the latest order of the product

  /// Empty, for the next history, keeping in_order's memory (one builder folds a shard's
  /// histories one after another: a vector freed and allocated again for each).
  void clear() {
    std::vector<std::size_t> kept = std::move(in_order);
    kept.clear();
    *this = product_instances{};
    in_order = std::move(kept);
  }
};

instant end_key(const subscription& s) {
  return s.end.value_or(instant::max());
}

class history_builder {
 public:
  explicit history_builder(const rule_plan& plan)
      : plan_(plan),
        products_(plan.product_count()),
        group_(plan.product_count()),
        required_(plan.product_count()) {
    for (std::size_t i = 0; i < plan.product_count(); ++i) {
      const product& p = *plan.product_at(i).source;
      if (p.addons == addon_policy::lifts_throttle_only) lifts_throttle_only_.push_back(i);
      for (std::size_t j = 0; j < plan.product_count(); ++j)
        if (!p.exclusive_group.empty() &&
            plan.product_at(j).source->exclusive_group == p.exclusive_group)
          group_[i].push_back(j);
      for (const std::string& id : p.required_products)
        if (auto index = plan.product_index(id)) required_[i].push_back(*index);  // checked at load
    }
  }

  // Starts the history of another subscriber: one builder folds them all, one at a time.
  void start(account_history& h) {
    for (std::size_t i : touched_) products_[i].clear();
    touched_.clear();
    history_ = &h;
  }

  void apply(const account_entry& e) {
    switch (e.action) {
      case account_action::join:
        if (!history_->joined) history_->joined = e.time;
        return;
      case account_action::subscribe:
        return subscribe(e, e.time);
      case account_action::subscribe_next_cycle:
        return subscribe(e, cycle_containing(e.time, plan_.home_zone()).end);
      case account_action::unsubscribe:
        return unsubscribe(e);
      case account_action::close:
        if (history_->closed) return refuse(e, "the account is already closed");
        history_->closed = e.time;
        for (std::size_t i : touched_) end_held(i, e.time, e.time);
        return;
      case account_action::reactivate_data:
        if (history_->closed) return refuse(e, "the account is closed");
        history_->reactivations.push_back({e.time, e.where});
        return;
      case account_action::confirm:
        return confirm(e);
      case account_action::deposit:
        return deposit(e);
      case account_action::redeem_points: {
        if (!plan_.source().points)
          return refuse(e, "redeem_points: the catalog has no points program");
        std::int64_t points = 0;
        const auto [end, error] =
            std::from_chars(e.amount.data(), e.amount.data() + e.amount.size(), points);
        if (error != std::errc{} || end != e.amount.data() + e.amount.size() || points <= 0)
          return refuse(
              e, fmt::format("redeem_points: \"{}\" is not a positive whole number of points",
                             e.amount));
        history_->redemptions.push_back({e.time, e.where, points});
        return;
      }
    }
  }

 private:
  std::size_t product_of(const account_entry& e) const {
    auto index = plan_.product_index(e.product);
    if (!index)
      throw input_error({e.where.file, e.where.line, e.product_column}, "product",
                        fmt::format("\"{}\" is not a product of catalog {} ({})", e.product,
                                    plan_.source().id, plan_.source().source_file));
    return *index;
  }

  subscription& at(std::size_t i) { return history_->subscriptions[i]; }

  // Brings product i's indexes to time t: instances that started by t join the started
  // ones; those no longer held leave.
  product_instances& advance(std::size_t i, instant t) {
    product_instances& p = products_[i];
    if (!p.not_started.empty() && at(p.not_started.front()).start <= t) {
      for (std::size_t k : p.not_started) p.started_by_end[end_key(at(k))].push_back(k);
      p.not_started.clear();
    }
    while (!p.started_by_end.empty() && p.started_by_end.begin()->first <= t)
      p.started_by_end.erase(p.started_by_end.begin());
    while (p.first < p.in_order.size() && !held_after(at(p.in_order[p.first]), t)) ++p.first;
    if (p.first > 64 && p.first * 2 > p.in_order.size()) {  // keep the vector to what may be held
      p.in_order.erase(p.in_order.begin(),
                       p.in_order.begin() + static_cast<std::ptrdiff_t>(p.first));
      p.first = 0;
    }
    return p;
  }

  // The first instance of product i in log order still held at t, if any.
  std::optional<std::size_t> first_held(std::size_t i, instant t) {
    const product_instances& p = advance(i, t);
    if (p.first == p.in_order.size()) return std::nullopt;
    return p.in_order[p.first];
  }

  // Ends every instance of product i held at t at x >= t (an unsubscribe's effect, a
  // replacement's cycle end, a close): one that has not started yet is cancelled (its end
  // becomes its start, and it counts as held until then, as it always has); one that has
  // started ends at x, unless it ends earlier. Only the instances whose end changes are
  // touched.
  void end_held(std::size_t i, instant t, instant x) {
    product_instances& p = advance(i, t);
    for (std::size_t k : p.not_started) at(k).end = at(k).start;
    p.not_started.clear();
    const auto later = p.started_by_end.upper_bound(x);
    if (later == p.started_by_end.end()) return;
    std::vector<std::size_t>& into = p.started_by_end[x];  // before `later`, which stays valid
    for (auto it = later; it != p.started_by_end.end(); ++it)
      for (std::size_t k : it->second) {
        at(k).end = x;
        into.push_back(k);
      }
    p.started_by_end.erase(later, p.started_by_end.end());
  }

  // The first instance in log order, of any of `products` but `skip`, held at t.
  std::optional<std::size_t> first_held_of(const std::vector<std::size_t>& products, instant t,
                                           std::optional<std::size_t> skip = std::nullopt) {
    std::optional<std::size_t> first;
    for (std::size_t i : products) {
      if (i == skip) continue;
      if (const auto k = first_held(i, t); k && (!first || *k < *first)) first = k;
    }
    return first;
  }

  // Whether an instance of product i is held over `start` (it has started by then and
  // does not end by then), asked at t <= start.
  bool held_over(std::size_t i, instant t, instant start) {
    const product_instances& p = advance(i, t);
    // The started ones end after t; the latest end says whether one lasts past `start`.
    if (!p.started_by_end.empty() && p.started_by_end.rbegin()->first > start) return true;
    // The others all start at the same instant (see product_instances), and end after it.
    if (p.not_started.empty() || at(p.not_started.front()).start > start) return false;
    return std::any_of(p.not_started.begin(), p.not_started.end(),
                       [&](std::size_t k) { return held_after(at(k), start); });
  }

  void add(const subscription& sub, instant t) {
    const std::size_t k = history_->subscriptions.size();
    history_->subscriptions.push_back(sub);
    product_instances& p = advance(sub.product, t);
    if (!p.last_ordered) touched_.push_back(sub.product);
    p.in_order.push_back(k);
    if (sub.start > t) {
      assert(p.not_started.empty() || at(p.not_started.front()).start == sub.start);
      p.not_started.push_back(k);
    } else {
      p.started_by_end[end_key(sub)].push_back(k);
    }
    if (sub.awaiting_confirm) p.awaiting_confirm.push_back(k);
    p.last_ordered = sub.ordered;
  }

  void subscribe(const account_entry& e, instant start) {
    std::size_t index = product_of(e);
    const product& p = *plan_.product_at(index).source;
    if (history_->closed) return refuse(e, "the account is closed");
    if (withdraw_cancellation(index, e)) return;
    if (p.fee_charged == fee_basis::per_use)
      return refuse(e, fmt::format("{} is charged per use and needs no subscription", p.id));
    if (p.kind == product_kind::offer)
      return refuse(
          e, fmt::format("{} is an offer: it is ordered by a deposit of {}", p.id, *p.deposit));
    if (!p.stackable)
      if (const auto held = first_held(index, e.time)) {
        const subscription& s = at(*held);
        return refuse(e,
                      fmt::format("{} is already subscribed (since {}) and does not stack", p.id,
                                  format_rfc3339(s.start, plan_.home_zone().offset_at(s.start))));
      }
    const std::vector<std::size_t>& required = required_[index];
    if (!required.empty() && std::none_of(required.begin(), required.end(), [&](std::size_t i) {
          return held_over(i, e.time, start);
        }))
      return refuse(e, fmt::format("{} is sold only to holders of {}; none is held at {}", p.id,
                                   fmt::join(p.required_products, " or "),
                                   format_rfc3339(start, plan_.home_zone().offset_at(start))));
    if (plan_.product_at(index).has_domestic_data && !p.lifts_throttle)
      if (const auto held = first_held_of(lifts_throttle_only_, e.time)) {
        return refuse(e, fmt::format("{} accepts only data packs that lift its throttle; {} is a "
                                     "domestic data pack that does not",
                                     plan_.product_at(at(*held).product).source->id, p.id));
      }
    if (p.pass && !e.country.empty() &&
        std::binary_search(p.pass->not_sold_for.begin(), p.pass->not_sold_for.end(), e.country))
      return refuse(e, fmt::format("{} is not sold for {}", p.id, e.country));
    if (!p.exclusive_group.empty()) {
      const instant next_cycle = cycle_containing(e.time, plan_.home_zone()).end;
      const std::vector<std::size_t>& group = group_[index];
      if (const auto held = first_held_of(group, e.time, index)) {
        // D12: a pass cannot be ordered while another of its group is held.
        if (p.on_conflict == group_conflict::refuse)
          return refuse(
              e, fmt::format("{} cannot be ordered while {} (exclusive group {}) is held", p.id,
                             plan_.product_at(at(*held).product).source->id, p.exclusive_group));
        // D5: the new product replaces the held ones of its group at the next cycle start
        // (and a cancellation of theirs is then no longer there to withdraw, D26).
        for (std::size_t i : group)
          if (i != index) {
            end_held(i, e.time, next_cycle);
            products_[i].cancelled.clear();
          }
        start = std::max(start, next_cycle);
      }
    }
    subscription sub{index, e.time, start, std::nullopt, e.where, start, p.requires_confirm};
    if (p.lasts == validity::rest_of_cycle)
      sub.end = cycle_containing(start, plan_.home_zone()).end;
    if (p.pass && p.pass->validity_days > 0) {
      // D12: that many home-zone calendar days, starting with the day of the order.
      const zone& home = plan_.home_zone();
      sub.end = home.start_of_day(home.local_day(start) + date::days(p.pass->validity_days));
    }
    if (!p.free_window.is_zero() && first_order_in_cycle(index, e.time)) {
      sub.charged_from = start + std::chrono::seconds(p.free_window.value());
      sub.free_window = true;
    }
    add(sub, e.time);
  }

  // D15: the free window is for the first order of the product in a cycle only. Orders
  // come in time order, so the latest one says whether there was one in this cycle.
  bool first_order_in_cycle(std::size_t index, instant ordered) const {
    const std::optional<instant>& last = products_[index].last_ordered;
    return !last || !cycle_containing(ordered, plan_.home_zone()).contains(*last);
  }

  // When an unsubscribe takes effect, by the product's rule.
  instant unsubscribe_effect(const product& p, instant t) const {
    const zone& home = plan_.home_zone();
    switch (p.ends) {
      case unsubscribe_rule::immediately:
        return t;
      case unsubscribe_rule::next_day:
        return home.start_of_day(home.local_day(t) + date::days(1));
      case unsubscribe_rule::next_cycle:
        return cycle_containing(t, home).end;
    }
    return t;
  }

  void confirm(const account_entry& e) {
    std::size_t index = product_of(e);
    const product& p = *plan_.product_at(index).source;
    if (!p.requires_confirm) return refuse(e, fmt::format("{} needs no confirmation", p.id));
    bool any = false;
    // Every trial held is confirmed now, and one not held never will be: none stays.
    for (std::size_t k : products_[index].awaiting_confirm) {
      subscription& s = at(k);
      if (!held_after(s, e.time)) continue;
      s.awaiting_confirm = false;
      s.charged_from = std::max(s.charged_from, e.time);
      any = true;
    }
    products_[index].awaiting_confirm.clear();
    if (!any) refuse(e, fmt::format("{} has no trial awaiting confirmation", p.id));
  }

  void deposit(const account_entry& e) {
    std::size_t index = product_of(e);
    const product& p = *plan_.product_at(index).source;
    if (history_->closed) return refuse(e, "the account is closed");
    if (p.kind != product_kind::offer)
      return refuse(e, fmt::format("{} is not an offer that takes a deposit", p.id));
    std::optional<money> paid;
    try {
      paid = money::parse(e.amount, plan_.source().money_unit);
    } catch (const money_error&) {
      // The reader checked the amount's shape; more decimals than money holds lands here.
    }
    if (!paid || *paid != *p.deposit)
      return refuse(e, fmt::format("{} takes a deposit of {}, not {}", p.id, *p.deposit, e.amount));
    history_->deposits.push_back({index, e.time, e.where});
  }

  void unsubscribe(const account_entry& e) {
    std::size_t index = product_of(e);
    const instant effect = unsubscribe_effect(*plan_.product_at(index).source, e.time);
    if (!first_held(index, e.time))
      return refuse(e, fmt::format("{} is not subscribed", e.product));
    // D26: the started instances this ends later than now, and how they ended before.
    product_instances& p = advance(index, e.time);
    p.cancelled.clear();
    if (effect > e.time)
      for (auto it = p.started_by_end.upper_bound(effect); it != p.started_by_end.end(); ++it)
        for (std::size_t k : it->second) p.cancelled.emplace_back(k, at(k).end);
    end_held(index, e.time, effect);  // one not started yet is cancelled
  }

  // D26: ordering again a product whose cancellation is pending withdraws it: the
  // instances the unsubscribe ended get their earlier end back, and nothing new is added
  // (so no second fee). Returns whether there was a cancellation to withdraw.
  bool withdraw_cancellation(std::size_t index, const account_entry& e) {
    product_instances& p = advance(index, e.time);
    std::vector<std::pair<std::size_t, std::optional<instant>>> pending;
    for (const auto& [k, before] : p.cancelled)
      if (held_after(at(k), e.time)) pending.emplace_back(k, before);
    p.cancelled.clear();
    if (pending.empty()) return false;
    const instant cancelled_at = *at(pending.front().first).end;
    for (const auto& [k, before] : pending) {
      std::vector<std::size_t>& from = p.started_by_end[end_key(at(k))];
      from.erase(std::find(from.begin(), from.end(), k));
      if (from.empty()) p.started_by_end.erase(end_key(at(k)));
      at(k).end = before;
      p.started_by_end[end_key(at(k))].push_back(k);
    }
    event reinstated;
    reinstated.time = e.time;
    reinstated.kind = event_kind::reinstated;
    reinstated.product = e.product;
    reinstated.reason = fmt::format(
        "{} ordered again before its cancellation took effect ({}): the cancellation is "
        "withdrawn and the product continues",
        e.product, format_rfc3339(cancelled_at, plan_.home_zone().offset_at(cancelled_at)));
    reinstated.from = e.where;
    history_->events.push_back(std::move(reinstated));
    return true;
  }

  void refuse(const account_entry& e, std::string reason) {
    event refused;
    refused.time = e.time;
    refused.kind = event_kind::refused;
    refused.product = e.product;
    refused.reason = std::move(reason);
    refused.from = e.where;
    history_->events.push_back(std::move(refused));
  }

  const rule_plan& plan_;
  account_history* history_ = nullptr;
  std::vector<product_instances> products_;  // by product index
  std::vector<std::size_t> touched_;         // products with an instance in this history
  // From the catalog, by product index: the products of its exclusive group (itself
  // included; none without a group) and those it requires; and the plans that accept only
  // packs that lift their throttle.
  std::vector<std::vector<std::size_t>> group_;
  std::vector<std::vector<std::size_t>> required_;
  std::vector<std::size_t> lifts_throttle_only_;
};

}  // namespace

namespace {

// D21: the order in which an account's lines at one instant apply, whatever their order in
// the file: join, subscribe, subscribe_next_cycle, confirm, deposit, reactivate_data,
// redeem_points, unsubscribe, close.
constexpr int same_instant_rank(account_action a) noexcept {
  switch (a) {
    case account_action::join:
      return 0;
    case account_action::subscribe:
      return 1;
    case account_action::subscribe_next_cycle:
      return 2;
    case account_action::confirm:
      return 3;
    case account_action::deposit:
      return 4;
    case account_action::reactivate_data:
      return 5;
    case account_action::redeem_points:
      return 6;
    case account_action::unsubscribe:
      return 7;
    case account_action::close:
      return 8;
  }
  return 9;
}

// The order a subscriber's lines are folded in: time, then D21's order of actions, then
// the product id, then the rest of the line, so that no history depends on the file's
// order. Lines equal in all of these are identical: D21 makes them one line.
auto fold_key(const account_entry& e) {
  return std::tuple(e.time, same_instant_rank(e.action), std::string_view(e.product),
                    std::string_view(e.amount), std::string_view(e.note),
                    std::string_view(e.country));
}

// True if the whole log's fold meets line x before line y: in fold order, then by subscriber.
bool folded_before(const account_entry& x, const account_entry& y) {
  const auto kx = fold_key(x), ky = fold_key(y);
  return kx != ky ? kx < ky : x.subscriber < y.subscriber;
}

// The end of the run of lines of the subscriber of order[run] in `order`.
std::size_t end_of_run(const std::vector<account_entry>& entries,
                       const std::vector<std::size_t>& order, std::size_t run) {
  std::size_t end = run;
  while (end < order.size() && entries[order[end]].subscriber == entries[order[run]].subscriber)
    ++end;
  return end;
}

// The first line, in the order given, that is past `max_lines` of its subscriber, as a
// failure; `order` has each subscriber's lines together.
std::optional<detail::fold_failure> check_history_lengths(const std::vector<account_entry>& entries,
                                                          const std::vector<std::size_t>& order,
                                                          std::size_t max_lines) {
  std::optional<std::size_t> first_past;
  for (std::size_t run = 0, end = 0; run < order.size(); run = end) {
    end = end_of_run(entries, order, run);
    if (end - run <= max_lines) continue;
    // The run is in time order; the line past the limit is the (max_lines + 1)-th given.
    std::vector<std::size_t> given(order.begin() + static_cast<std::ptrdiff_t>(run),
                                   order.begin() + static_cast<std::ptrdiff_t>(end));
    std::nth_element(given.begin(), given.begin() + static_cast<std::ptrdiff_t>(max_lines),
                     given.end());
    first_past = std::min(first_past.value_or(given[max_lines]), given[max_lines]);
  }
  if (!first_past) return std::nullopt;
  const account_entry& e = entries[*first_past];
  return detail::fold_failure{
      input_error(e.where, "subscriber",
                  fmt::format("{} has more than {} lines, the most one subscriber's history may "
                              "have (max_history_lines); this is the first past it",
                              e.subscriber, max_lines)),
      true, e};
}

}  // namespace

account_book fold_account_log(std::vector<account_entry> entries, const rule_plan& plan) {
  return detail::fold_account_log(std::move(entries), plan, max_history_lines);
}

account_book detail::fold_account_log(std::vector<account_entry> entries, const rule_plan& plan,
                                      std::size_t max_lines) {
  partial_fold fold = fold_account_part(std::move(entries), plan, max_lines);
  if (fold.failure) throw fold.failure->error;
  return std::move(fold.book);
}

bool detail::reported_before(const fold_failure& a, const fold_failure& b) {
  // Every history's length is checked before anything is folded; the first line past a
  // limit is the first in the order given, which for parts of one file is line order.
  if (a.history_too_long != b.history_too_long) return a.history_too_long;
  if (a.history_too_long) return a.entry.where.line < b.entry.where.line;
  return folded_before(a.entry, b.entry);
}

detail::partial_fold detail::fold_account_part(std::vector<account_entry> entries,
                                               const rule_plan& plan, std::size_t max_lines) {
  // A history depends on its subscriber's lines only, in fold order (fold_key: time, then
  // D21): the lines are sorted by (subscriber, fold key, position) and each history is
  // folded on its own, by one builder whose indexes are reused.
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto fold_order = [&](std::size_t a, std::size_t b) {
    const account_entry& x = entries[a];
    const account_entry& y = entries[b];
    if (const int c = x.subscriber.compare(y.subscriber); c != 0) return c < 0;
    if (x.time != y.time) return x.time < y.time;
    if (const auto kx = fold_key(x), ky = fold_key(y); kx != ky) return kx < ky;
    return a < b;
  };
  // A log is often written in this order already (by subscriber, then time): checked in one
  // pass, it is not sorted again (a sort's comparisons cost a tenth of a run with a million
  // subscribers).
  if (!std::is_sorted(order.begin(), order.end(), fold_order))
    std::sort(order.begin(), order.end(), fold_order);
  partial_fold result;
  if ((result.failure = check_history_lengths(entries, order, max_lines))) return result;
  account_book& book = result.book;
  history_builder builder(plan);
  // The error to report is the one the whole log, folded in fold order, meets first: the
  // earliest (fold key, subscriber) among each history's first error, whatever the file's
  // order of lines.
  std::optional<fold_failure>& first = result.failure;
  for (std::size_t run = 0, end = 0; run < order.size(); run = end) {
    end = end_of_run(entries, order, run);
    const std::string& subscriber = entries[order[run]].subscriber;
    auto where =
        book.histories().emplace_hint(book.histories().end(), subscriber, account_history{});
    where->second.subscriber = subscriber;
    builder.start(where->second);
    const account_entry* previous = nullptr;
    for (std::size_t k = run; k < end; ++k) {
      const account_entry& e = entries[order[k]];
      // Past an error already found (in fold order), this history cannot change the outcome.
      if (first && folded_before(first->entry, e)) break;
      // D21: identical lines at one instant are one line.
      if (previous != nullptr && fold_key(*previous) == fold_key(e)) continue;
      previous = &e;
      try {
        builder.apply(e);
      } catch (const input_error& error) {
        first.emplace(fold_failure{error, false, e});
        break;  // the fold in this order would have stopped here
      }
    }
  }
  if (first) result.book = account_book();  // a failed fold has no histories
  return result;
}

}  // namespace ratel
