// The indexed fold of the account log (account.cpp) against the fold it replaced, which
// looked at every earlier subscription for each line (issue 14 item 11). Random logs over
// a catalog with every rule the fold reads (stacking, exclusive groups that replace or
// refuse, requires, accelerator-only plans, free windows, trials, passes that expire,
// the three unsubscribe rules, orders for the next cycle, close) must give the same
// histories, field by field, and the same input_error.
#include <doctest/doctest.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

// The fold of commit fd78a61 (src/engine/account.cpp), changed only for its namespace and
// for the decisions of the second round, written the simple way: D21 (lines at one instant
// in a fixed order, identical lines one), D22 (free_window marks the window's end) and D26
// (ordering again withdraws a pending cancellation).
namespace ratel::reference {
namespace {
// clang-format off

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
    // D26: a cancellation still pending is withdrawn; nothing new is ordered.
    std::vector<std::pair<std::size_t, std::optional<instant>>> pending;
    for (const auto& [k, before] : cancelled_[index])
      if (held_after(history_.subscriptions[k], e.time)) pending.emplace_back(k, before);
    cancelled_[index].clear();
    if (!pending.empty()) {
      const instant at = *history_.subscriptions[pending.front().first].end;
      for (const auto& [k, before] : pending) history_.subscriptions[k].end = before;
      event reinstated;
      reinstated.time = e.time;
      reinstated.kind = event_kind::reinstated;
      reinstated.product = e.product;
      reinstated.reason = fmt::format("{} ordered again before its cancellation took effect ({}): the "
                                      "cancellation is withdrawn and the product continues",
                                      e.product, format_rfc3339(at, plan_.home_zone().offset_at(at)));
      reinstated.from = e.where;
      history_.events.push_back(std::move(reinstated));
      return;
    }
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
        cancelled_[s.product].clear();  // D26: nothing left to withdraw
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
    if (!p.free_window.is_zero() && first_order_in_cycle(index, e.time)) {
      sub.charged_from = start + std::chrono::seconds(p.free_window.value());
      sub.free_window = true;
    }
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
    cancelled_[index].clear();
    for (std::size_t k = 0; k < history_.subscriptions.size(); ++k) {
      subscription& s = history_.subscriptions[k];
      if (s.product != index || !held_after(s, e.time)) continue;
      if (effect > e.time && s.start <= e.time && (!s.end || *s.end > effect))
        cancelled_[index].emplace_back(k, s.end);
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
  // D26: by product, the instances an unsubscribe ended later than now, with their end before.
  std::map<std::size_t, std::vector<std::pair<std::size_t, std::optional<instant>>>> cancelled_;
};


// D21: at one instant join, subscribe, subscribe_next_cycle, confirm, deposit,
// reactivate_data, redeem_points, unsubscribe, close; then by product; identical lines once.
int d21_rank(account_action a) {
  const account_action order[] = {account_action::join, account_action::subscribe,
                                  account_action::subscribe_next_cycle, account_action::confirm,
                                  account_action::deposit, account_action::reactivate_data,
                                  account_action::redeem_points, account_action::unsubscribe,
                                  account_action::close};
  return static_cast<int>(std::find(std::begin(order), std::end(order), a) - std::begin(order));
}
auto d21_key(const account_entry& e) {
  return std::tuple(e.time, d21_rank(e.action), e.product, e.amount, e.note, e.country, e.subscriber);
}

account_book fold_account_log(std::vector<account_entry> entries, const rule_plan& plan) {
  std::stable_sort(entries.begin(), entries.end(), [](const account_entry& a, const account_entry& b) {
    return d21_key(a) < d21_key(b);
  });
  account_book book;
  std::map<std::string, history_builder> builders;
  std::map<std::string, const account_entry*> last;
  for (const account_entry& e : entries) {
    account_history& h = book.histories()[e.subscriber];
    h.subscriber = e.subscriber;
    const account_entry*& previous = last[e.subscriber];
    if (previous != nullptr && d21_key(*previous) == d21_key(e)) continue;
    previous = &e;
    builders.try_emplace(e.subscriber, h, plan).first->second.apply(e);
  }
  return book;
}
// clang-format on
}  // namespace
}  // namespace ratel::reference

namespace {

const char* every_rule_catalog = R"(
[catalog]
id = "fold"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[services]
data = { increment = "1 KB" }

[countries]
KR = { zone = "Asia/Seoul" }
JP = { zone = "Asia/Tokyo" }

[[rates]]
service = "data"
price = "0.01"
per = "1 KB"

[[products]]
id = "plan-a"
kind = "plan"
code = 1
priority = 100
fee = { amount = "20.00", per = "cycle" }
exclusive_group = "plans"
unsubscribe = "next_cycle"

[[products]]
id = "plan-b"
kind = "plan"
code = 2
priority = 100
fee = { amount = "30.00", per = "cycle" }
exclusive_group = "plans"
free_window = "72 h"

[[products]]
id = "plan-t"
kind = "plan"
code = 3
priority = 100
fee = { amount = "40.00", per = "cycle" }
addons = "lifts_throttle_only"
unsubscribe = "next_day"

[[products]]
id = "topup"
kind = "pack"
code = 10
priority = 800
fee = { amount = "3.00", per = "order" }
validity = "rest_of_cycle"
stackable = true
  [[products.allowances]]
  service = "data"
  quantity = "10 KB"
  where = "home"

[[products]]
id = "pack-s"
kind = "pack"
code = 11
priority = 500
fee = { amount = "5.00", per = "order" }
stackable = true
validity = "rest_of_cycle"
exclusive_group = "packs"
unsubscribe = "next_cycle"
  [[products.allowances]]
  service = "data"
  quantity = "30 KB"
  where = "roaming"

[[products]]
id = "pack-d"
kind = "pack"
code = 12
priority = 500
fee = { amount = "6.00", per = "order" }
stackable = true
validity = "rest_of_cycle"
exclusive_group = "packs"
unsubscribe = "next_day"
requires = ["plan-a", "pack-s"]
  [[products.allowances]]
  service = "data"
  quantity = "20 KB"
  where = "home"

[[products]]
id = "pack-n"
kind = "pack"
code = 13
priority = 500
fee = { amount = "7.00", per = "cycle" }
exclusive_group = "packs"
free_window = "24 h"
  [[products.allowances]]
  service = "data"
  quantity = "20 KB"
  where = "roaming"

[[products]]
id = "boost"
kind = "pack"
code = 14
priority = 900
fee = { amount = "30.00", per = "order" }
validity = "rest_of_cycle"
stackable = true
lifts_throttle = true
requires = ["plan-t"]
  [[products.allowances]]
  service = "data"
  quantity = "100 KB"
  where = "home"

[[products]]
id = "trial"
kind = "vas"
code = 20
priority = 100
fee = { amount = "3.00", per = "cycle" }
requires_confirm = true
unsubscribe = "next_cycle"

[[products]]
id = "trial-1"
kind = "vas"
code = 21
priority = 100
fee = { amount = "4.00", per = "cycle" }
requires_confirm = true
unsubscribe = "next_day"

[[products]]
id = "pass-1"
kind = "pass"
code = 30
priority = 900
exclusive_group = "passes"
on_group_conflict = "refuse"
stackable = true
validity = "rest_of_cycle"
unsubscribe = "next_day"
  [products.pass]
  service = "data"
  where = "roaming"
  days = "home"
  charge = "per_day"
  price = "88.00"

[[products]]
id = "pass-3"
kind = "pass"
code = 31
priority = 900
exclusive_group = "passes"
on_group_conflict = "refuse"
  [products.pass]
  service = "data"
  where = "roaming"
  days = "home"
  charge = "per_country"
  price = "168.00"
  validity_days = 3
  not_sold_for = ["JP"]
)";

const rule_plan& every_rule_plan() {
  static const rule_plan plan = rule_plan::compile(parse_catalog(every_rule_catalog, "fold.toml"));
  return plan;
}

// A random log: `subscribers` x `lines`, in random file order, at instants drawn from few
// values (so many lines share an instant) around the July and August cycle boundaries,
// with 00:00 and the last second of a day among them.
std::vector<account_entry> random_log(std::uint32_t seed, int subscribers, int lines) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* products[] = {"plan-a", "plan-b", "plan-t", "topup",   "pack-s", "pack-d",
                            "pack-n", "boost",  "trial",  "trial-1", "pass-1", "pass-3"};
  const std::chrono::seconds times_of_day[] = {std::chrono::hours(0), std::chrono::hours(9),
                                               std::chrono::hours(18), std::chrono::seconds(86399)};
  const instant first_day = at("2012-06-27T00:00:00+08:00");
  std::vector<account_entry> log;
  for (int s = 0; s < subscribers; ++s)
    for (int i = 0; i < lines; ++i) {
      account_entry e;
      e.subscriber = fmt::format("s{}", s);
      e.time = first_day + date::days(pick(70)) + times_of_day[pick(4)];
      const int a = pick(100);
      e.action = a < 40   ? account_action::subscribe
                 : a < 50 ? account_action::subscribe_next_cycle
                 : a < 80 ? account_action::unsubscribe
                 : a < 90 ? account_action::confirm
                 : a < 94 ? account_action::join
                 : a < 96 ? account_action::reactivate_data
                 : a < 98 ? account_action::redeem_points
                 : a < 99 ? account_action::deposit
                          : account_action::close;
      // After a close most lines are refused: one history in five or so is closed.
      if (e.action == account_action::close && pick(16) != 0) e.action = account_action::join;
      if (e.action != account_action::join && e.action != account_action::close &&
          e.action != account_action::reactivate_data && e.action != account_action::redeem_points)
        e.product = products[pick(12)];
      if (e.action == account_action::redeem_points || e.action == account_action::deposit)
        e.amount = "100";
      if (pick(3) == 0) e.country = pick(2) == 0 ? "JP" : "KR";
      e.product_column = 40;
      log.push_back(std::move(e));
    }
  std::shuffle(log.begin(), log.end(), rng);
  for (std::size_t i = 0; i < log.size(); ++i)
    log[i].where = {"log.csv", static_cast<std::uint32_t>(i + 2), 1};
  return log;
}

std::string text(instant t) {
  return std::to_string(t.time_since_epoch().count());
}
std::string text(const std::optional<instant>& t) {
  return t ? text(*t) : "-";
}
std::string text(const source_position& p) {
  return fmt::format("{}:{}:{}", p.file, p.line, p.column);
}

// Everything a history holds, one line per item.
std::vector<std::string> lines_of(const account_book& book) {
  std::vector<std::string> out;
  for (const auto& [id, h] : book.histories()) {
    out.push_back(fmt::format("history {} {} joined {} closed {}", id, h.subscriber, text(h.joined),
                              text(h.closed)));
    for (const subscription& s : h.subscriptions)
      out.push_back(fmt::format(
          "  subscription {} ordered {} start {} end {} from {} charged_from {} awaiting {}",
          s.product, text(s.ordered), text(s.start), text(s.end), text(s.from),
          text(s.charged_from), s.awaiting_confirm));
    for (const event& e : h.events)
      out.push_back(fmt::format("  event {} {} {} \"{}\" from {} {} {} {} {}", text(e.time),
                                to_string(e.kind), e.product, e.reason, text(e.from), e.record,
                                e.threshold, e.counter, e.limit_kbps.value_or(-1)));
    for (const account_request& r : h.reactivations)
      out.push_back(fmt::format("  reactivation {} {} {}", text(r.time), text(r.from), r.points));
    for (const deposit_order& d : h.deposits)
      out.push_back(fmt::format("  deposit {} {} {}", d.product, text(d.time), text(d.from)));
    for (const account_request& r : h.redemptions)
      out.push_back(fmt::format("  redemption {} {} {}", text(r.time), text(r.from), r.points));
  }
  return out;
}

void check_same(const std::vector<std::string>& indexed, const std::vector<std::string>& before) {
  for (std::size_t i = 0; i < std::min(indexed.size(), before.size()); ++i) {
    INFO("line ", i);
    REQUIRE(indexed[i] == before[i]);
  }
  REQUIRE(indexed.size() == before.size());
}

}  // namespace

TEST_SUITE("account") {
  TEST_CASE("the indexed fold gives the histories of the fold that looked at every line") {
    const rule_plan& plan = every_rule_plan();
    std::size_t subscriptions = 0, refused = 0;
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
      INFO("seed ", seed);
      const std::vector<account_entry> log = random_log(seed, 3, 400);
      const account_book indexed = fold_account_log(log, plan);
      const account_book before = reference::fold_account_log(log, plan);
      check_same(lines_of(indexed), lines_of(before));
      for (const auto& [id, h] : indexed.histories()) {
        subscriptions += h.subscriptions.size();
        refused += h.events.size();
      }
    }
    // Both outcomes are frequent, so the comparison covers what a line does and what it
    // refuses (each seed: about 160 subscribe lines per subscriber).
    CHECK(subscriptions > 4'000);
    CHECK(refused > 4'000);
  }

  TEST_CASE("D21: the histories do not depend on the order of the log's lines") {
    // The same lines in another file order (each line numbered where it now stands) give
    // the same histories, but for the line numbers they cite: lines at one instant apply
    // in D21's order, and identical ones count once.
    const rule_plan& plan = every_rule_plan();
    auto without_positions = [](std::vector<std::string> lines) {
      for (std::string& l : lines)
        for (std::size_t at = l.find("log.csv:"); at != std::string::npos;
             at = l.find("log.csv:", at + 1)) {
          std::size_t end = at + 8;
          while (end < l.size() && l[end] != ' ') ++end;
          l.replace(at, end - at, "log.csv");
        }
      return lines;
    };
    std::size_t identical_lines = 0;
    for (std::uint32_t seed = 1; seed <= 40; ++seed) {
      INFO("seed ", seed);
      std::vector<account_entry> log = random_log(seed, 3, 400);
      const std::vector<std::string> first =
          without_positions(lines_of(fold_account_log(log, plan)));
      std::mt19937 rng(seed + 1000);
      std::shuffle(log.begin(), log.end(), rng);
      for (std::size_t i = 0; i < log.size(); ++i)
        log[i].where = {"log.csv", static_cast<std::uint32_t>(i + 2), 1};
      check_same(without_positions(lines_of(fold_account_log(log, plan))), first);
      std::set<std::string> seen;
      for (const account_entry& e : log)
        if (!seen.insert(fmt::format("{} {} {} {} {}", e.subscriber, text(e.time),
                                     to_string(e.action), e.product, e.country))
                 .second)
          ++identical_lines;
    }
    CHECK(identical_lines > 100);  // the random logs have identical lines to fold as one
  }

  TEST_CASE("the indexed fold reports the input_error that the fold in time order meets first") {
    const rule_plan& plan = every_rule_plan();
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      INFO("seed ", seed);
      std::vector<account_entry> log = random_log(seed, 4, 100);
      // Two lines naming products the catalog does not have, in different histories.
      std::mt19937 rng(seed);
      for (const char* unknown : {"nope-1", "nope-2"}) {
        account_entry& e = log[rng() % log.size()];
        e.action = account_action::unsubscribe;
        e.product = unknown;
      }
      auto error_of = [&](auto fold) -> std::string {
        try {
          (void)fold(log, plan);
        } catch (const input_error& e) {
          return e.what();
        }
        return "no error";
      };
      const std::string indexed =
          error_of([](const auto& l, const rule_plan& p) { return fold_account_log(l, p); });
      CHECK(indexed.find("is not a product of catalog fold") != std::string::npos);
      CHECK(indexed == error_of([](const auto& l, const rule_plan& p) {
              return reference::fold_account_log(l, p);
            }));
    }
  }
}
