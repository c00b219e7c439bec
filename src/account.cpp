// The fold of the account log into per-subscriber histories (see account.hpp).
#include "ratel/account.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ratel {

std::string_view to_string(event_kind k) noexcept {
  switch (k) {
    case event_kind::notify: return "notify";
    case event_kind::cap: return "cap";
    case event_kind::cut_off: return "cut_off";
    case event_kind::reactivated: return "reactivated";
    case event_kind::throttle: return "throttle";
    case event_kind::bar: return "bar";
    case event_kind::refused: return "refused";
    case event_kind::throttle_lifted: return "throttle_lifted";
    case event_kind::rate_change: return "rate_change";
  }
  return "?";
}

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
      case account_action::confirm:
      case account_action::deposit:
      case account_action::redeem_points:
        return refuse(e, fmt::format("this version of ratel does not act on '{}' yet; the line "
                                     "was read and changes nothing on the bill",
                                     to_string(e.action)));
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
    if (!p.stackable)
      for (const subscription& s : history_.subscriptions)
        if (s.product == index && held_after(s, e.time))
          return refuse(e, fmt::format("{} is already subscribed (since {}) and does not stack",
                                       p.id, format_rfc3339(s.start, plan_.home_zone().offset_at(s.start))));
    if (plan_.product_at(index).has_domestic_data && !p.lifts_throttle)
      for (const subscription& s : history_.subscriptions) {
        const product& held = *plan_.product_at(s.product).source;
        if (held.addons == addon_policy::lifts_throttle_only && held_after(s, e.time))
          return refuse(e, fmt::format("{} accepts only data packs that lift its throttle; {} is a "
                                       "domestic data pack that does not",
                                       held.id, p.id));
      }
    if (!p.exclusive_group.empty()) {
      // D5: the new product replaces the held one of its group at the next cycle start.
      instant next_cycle = cycle_containing(e.time, plan_.home_zone()).end;
      for (subscription& s : history_.subscriptions) {
        const product& held = *plan_.product_at(s.product).source;
        if (s.product == index || held.exclusive_group != p.exclusive_group) continue;
        if (!held_after(s, e.time)) continue;
        end_at(s, next_cycle);
        start = std::max(start, next_cycle);
      }
    }
    subscription sub{index, e.time, start, std::nullopt, e.where};
    if (p.lasts == validity::rest_of_cycle) sub.end = cycle_containing(start, plan_.home_zone()).end;
    history_.subscriptions.push_back(sub);
  }

  void unsubscribe(const account_entry& e) {
    std::size_t index = product_of(e);
    bool any = false;
    for (subscription& s : history_.subscriptions) {
      if (s.product != index || !held_after(s, e.time)) continue;
      end_at(s, e.time);
      any = true;
    }
    if (!any) refuse(e, fmt::format("{} is not subscribed", e.product));
  }

  void refuse(const account_entry& e, std::string reason) {
    history_.events.push_back({e.time, event_kind::refused, e.product, std::move(reason), e.where});
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
