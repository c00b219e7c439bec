// The fold of the account log into per-subscriber histories (see account.hpp).
#include "ratel/account.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ratel {

const account_history* account_book::find(std::string_view subscriber) const {
  auto it = histories_.find(subscriber);
  return it == histories_.end() ? nullptr : &it->second;
}

namespace {

class history_builder {
 public:
  history_builder(account_history& h, const rule_plan& plan) : history_(h), plan_(plan) {}

  void apply(const account_entry& e) {
    switch (e.action) {
      case account_action::join:
        if (!history_.joined) history_.joined = e.time;
        return;
      case account_action::subscribe: return subscribe(e, e.time);
      case account_action::subscribe_next_cycle:
        return subscribe(e, cycle_containing(e.time, plan_.home_zone()).end);
      case account_action::unsubscribe: return unsubscribe(e);
      case account_action::close:
        if (history_.closed) return refuse(e, "the account is already closed");
        history_.closed = e.time;
        for (subscription& s : history_.subscriptions) end_at(s, e.time);
        return;
      case account_action::reactivate_data:
        if (history_.closed) return refuse(e, "the account is closed");
        history_.reactivations.push_back({e.time, e.where});
        return;
      case account_action::confirm: return confirm(e);
      case account_action::deposit: return deposit(e);
      case account_action::redeem_points: {
        if (!plan_.source().points) return refuse(e, "redeem_points: the catalog has no points program");
        std::int64_t points = 0;
        const auto [end, error] = std::from_chars(e.amount.data(), e.amount.data() + e.amount.size(), points);
        if (error != std::errc{} || end != e.amount.data() + e.amount.size() || points <= 0)
          return refuse(e, fmt::format("redeem_points: \"{}\" is not a positive whole number of points", e.amount));
        history_.redemptions.push_back({e.time, e.where, points});
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

  // An instance still counts from `t` on if it has not ended by then (including one that
  // starts later, ordered for the next cycle).
  static bool held_after(const subscription& s, instant t) { return !s.end || *s.end > t; }

  static void end_at(subscription& s, instant t) {
    if (s.start >= t) s.end = s.start;  // never started: cancelled
    else if (!s.end || *s.end > t) s.end = t;
  }

  void subscribe(const account_entry& e, instant start) {
    std::size_t index = product_of(e);
    const product& p = *plan_.product_at(index).source;
    if (history_.closed) return refuse(e, "the account is closed");
    if (p.fee_charged == fee_basis::per_use)
      return refuse(e, fmt::format("{} is charged per use and needs no subscription", p.id));
    if (p.kind == product_kind::offer)
      return refuse(e, fmt::format("{} is an offer: it is ordered by a deposit of {}", p.id, *p.deposit));
    if (!p.stackable)
      for (const subscription& s : history_.subscriptions)
        if (s.product == index && held_after(s, e.time))
          return refuse(e, fmt::format("{} is already subscribed (since {}) and does not stack",
                                       p.id, format_rfc3339(s.start, plan_.home_zone().offset_at(s.start))));
    if (!p.required_products.empty() &&
        std::none_of(history_.subscriptions.begin(), history_.subscriptions.end(), [&](const subscription& s) {
          const std::string& held = plan_.product_at(s.product).source->id;
          return s.start <= start && held_after(s, start) &&
                 std::find(p.required_products.begin(), p.required_products.end(), held) !=
                     p.required_products.end();
        }))
      return refuse(e, fmt::format("{} is sold only to holders of {}; none is held at {}", p.id,
                                   fmt::join(p.required_products, " or "),
                                   format_rfc3339(start, plan_.home_zone().offset_at(start))));
    if (plan_.product_at(index).has_domestic_data && !p.lifts_throttle)
      for (const subscription& s : history_.subscriptions) {
        const product& held = *plan_.product_at(s.product).source;
        if (held.addons == addon_policy::lifts_throttle_only && held_after(s, e.time))
          return refuse(e, fmt::format("{} accepts only data packs that lift its throttle; {} is a "
                                       "domestic data pack that does not",
                                       held.id, p.id));
      }
    if (p.pass && !e.country.empty() &&
        std::binary_search(p.pass->not_sold_for.begin(), p.pass->not_sold_for.end(), e.country))
      return refuse(e, fmt::format("{} is not sold for {}", p.id, e.country));
    if (!p.exclusive_group.empty()) {
      const instant next_cycle = cycle_containing(e.time, plan_.home_zone()).end;
      for (subscription& s : history_.subscriptions) {
        const product& held = *plan_.product_at(s.product).source;
        if (s.product == index || held.exclusive_group != p.exclusive_group) continue;
        if (!held_after(s, e.time)) continue;
        // D12: a pass cannot be ordered while another of its group is held.
        if (p.on_conflict == group_conflict::refuse)
          return refuse(e, fmt::format("{} cannot be ordered while {} (exclusive group {}) is held",
                                       p.id, held.id, p.exclusive_group));
        // D5: the new product replaces the held one of its group at the next cycle start.
        end_at(s, next_cycle);
        start = std::max(start, next_cycle);
      }
    }
    subscription sub{index, e.time, start, std::nullopt, e.where, start, p.requires_confirm};
    if (p.lasts == validity::rest_of_cycle) sub.end = cycle_containing(start, plan_.home_zone()).end;
    if (p.pass && p.pass->validity_days > 0) {
      // D12: that many home-zone calendar days, starting with the day of the order.
      const zone& home = plan_.home_zone();
      sub.end = home.start_of_day(home.local_day(start) + date::days(p.pass->validity_days));
    }
    if (!p.free_window.is_zero() && first_order_in_cycle(index, e.time))
      sub.charged_from = start + std::chrono::seconds(p.free_window.value());
    history_.subscriptions.push_back(sub);
  }

  // D15: the free window is for the first order of the product in a cycle only.
  bool first_order_in_cycle(std::size_t index, instant ordered) const {
    const billing_cycle cycle = cycle_containing(ordered, plan_.home_zone());
    return std::none_of(history_.subscriptions.begin(), history_.subscriptions.end(),
                        [&](const subscription& s) { return s.product == index && cycle.contains(s.ordered); });
  }

  // When an unsubscribe takes effect, by the product's rule.
  instant unsubscribe_effect(const product& p, instant t) const {
    const zone& home = plan_.home_zone();
    switch (p.ends) {
      case unsubscribe_rule::immediately: return t;
      case unsubscribe_rule::next_day: return home.start_of_day(home.local_day(t) + date::days(1));
      case unsubscribe_rule::next_cycle: return cycle_containing(t, home).end;
    }
    return t;
  }

  void confirm(const account_entry& e) {
    std::size_t index = product_of(e);
    const product& p = *plan_.product_at(index).source;
    if (!p.requires_confirm) return refuse(e, fmt::format("{} needs no confirmation", p.id));
    bool any = false;
    for (subscription& s : history_.subscriptions) {
      if (s.product != index || !held_after(s, e.time) || !s.awaiting_confirm) continue;
      s.awaiting_confirm = false;
      s.charged_from = std::max(s.charged_from, e.time);
      any = true;
    }
    if (!any) refuse(e, fmt::format("{} has no trial awaiting confirmation", p.id));
  }

  void deposit(const account_entry& e) {
    std::size_t index = product_of(e);
    const product& p = *plan_.product_at(index).source;
    if (history_.closed) return refuse(e, "the account is closed");
    if (p.kind != product_kind::offer) return refuse(e, fmt::format("{} is not an offer that takes a deposit", p.id));
    std::optional<money> paid;
    try {
      paid = money::parse(e.amount, plan_.source().money_unit);
    } catch (const money_error&) {
      // The reader checked the amount's shape; more decimals than money holds lands here.
    }
    if (!paid || *paid != *p.deposit)
      return refuse(e, fmt::format("{} takes a deposit of {}, not {}", p.id, *p.deposit, e.amount));
    history_.deposits.push_back({index, e.time, e.where});
  }

  void unsubscribe(const account_entry& e) {
    std::size_t index = product_of(e);
    const instant effect = unsubscribe_effect(*plan_.product_at(index).source, e.time);
    bool any = false;
    for (subscription& s : history_.subscriptions) {
      if (s.product != index || !held_after(s, e.time)) continue;
      end_at(s, s.start > e.time ? e.time : effect);  // one not started yet is cancelled
      any = true;
    }
    if (!any) refuse(e, fmt::format("{} is not subscribed", e.product));
  }

  void refuse(const account_entry& e, std::string reason) {
    event refused;
    refused.time = e.time;
    refused.kind = event_kind::refused;
    refused.product = e.product;
    refused.reason = std::move(reason);
    refused.from = e.where;
    history_.events.push_back(std::move(refused));
  }

  account_history& history_;
  const rule_plan& plan_;
};

}  // namespace

account_book fold_account_log(std::vector<account_entry> entries, const rule_plan& plan) {
  // Time order; entries at the same instant keep the order they were written in.
  std::stable_sort(entries.begin(), entries.end(), [](const account_entry& a, const account_entry& b) {
    return a.time < b.time;
  });
  account_book book;
  for (const account_entry& e : entries) {
    account_history& h = book.histories()[e.subscriber];
    h.subscriber = e.subscriber;
    history_builder(h, plan).apply(e);
  }
  return book;
}

}  // namespace ratel
