// Random months for the D24 invariant (tests/unit/carried_state_test.cpp, and through the
// stores in tests/store/): an account log and usage over four months of one of the shipped
// catalogs, with what the rules that carry over need.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ratel/account.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/rules.hpp"
#include "ratel/time.hpp"

namespace ratel::test_months {

// A random account log and usage over four months of one of the shipped catalogs, with
// what the rules that carry over need: points (unicom-2019), deposits (unicom-2015),
// passes across month ends and thresholds (cmcc-2012).
struct month_scenario {
  std::string catalog;
  date::year_month first;
  std::string accounts;
  std::vector<std::string> usage_rows;  // without header
};

inline month_scenario random_scenario(std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  static const struct {
    const char* file;
    date::year_month first;
    std::vector<const char*> products;
    std::vector<const char*> countries;
    std::vector<const char*> passes;  // ordered at a month's end, used in the next
    const char* pass_country;
  } catalogs[] = {
      {"cmcc-2012.toml",
       date::year(2012) / date::November,
       {"gprs-20", "data-pack-5", "data-topup-3", "vas-news", "intl-daypass", "intl-pass-3d",
        "intl-pass-7d"},
       {"", "", "KR", "HK", "US"},
       {"intl-pass-3d", "intl-pass-7d", "intl-daypass"},
       "KR"},
      {"unicom-2019.toml",
       date::year(2019) / date::May,
       {"icecream-198", "icecream-398", "icecream-boost", "roam-daily"},
       {"", "", "JP", "KR"},
       {"roam-daily"},
       "JP"},
      {"unicom-2015.toml", date::year(2015) / date::January, {}, {""}, {}, ""},
  };
  const auto& c = catalogs[seed % 3];
  month_scenario s{c.file, c.first, "subscriber,time,action,product,amount,note,country\n", {}};
  const date::sys_days start{c.first / 1};
  // Every draw is its own statement: the order in which a compiler evaluates function
  // arguments is unspecified, and the scenarios must be the same under gcc and clang.
  auto instant_from = [&](date::sys_days from, int days) {
    const int day = pick(days), hour = pick(24), minute = pick(60);
    return date::sys_seconds{from + date::days(day)} + std::chrono::hours(hour) +
           std::chrono::minutes(minute);
  };
  auto beijing = [](date::sys_seconds t) { return format_rfc3339(t, std::chrono::hours(8)); };
  auto product = [&] { return c.products[pick(static_cast<int>(c.products.size()))]; };
  for (int sub = 0; sub < 4; ++sub) {
    const std::string id = fmt::format("s{}", sub);
    s.accounts += fmt::format("{},{},join,,,,\n", id,
                              beijing(date::sys_days{(c.first - date::months(8)) / 1}));
    // In the month before the first, or one of the four.
    for (int n = pick(6); n > 0; --n) {
      const int what = pick(10);
      const std::string when = beijing(instant_from(start - date::days(20), 140));
      if (!c.products.empty() && what < 6) {
        const char* p = product();
        s.accounts += fmt::format("{},{},subscribe,{},,,\n", id, when, p);
      } else if (!c.products.empty() && what < 8) {
        const char* p = product();
        s.accounts += fmt::format("{},{},unsubscribe,{},,,\n", id, when, p);
      } else if (std::string(c.file) == "unicom-2015.toml") {
        s.accounts += fmt::format("{},{},deposit,deposit-{},{},,\n", id, when,
                                  what == 8 ? 100 : 200, what == 8 ? 100 : 200);
      } else {
        const int points = 1 + pick(300);
        s.accounts += fmt::format("{},{},redeem_points,,{},,\n", id, when, points);
      }
    }
    // A pass ordered in the last days of one of the first three months and used in the
    // next: the charge and the state that carries it across the month end (D23, D24).
    if (!c.passes.empty() && pick(2) == 0) {
      const char* pass = c.passes[pick(static_cast<int>(c.passes.size()))];
      const date::year_month month = c.first + date::months(pick(3));
      const int last_day = pick(3);
      const date::sys_days order_day{(month + date::months(1)) / 1};
      s.accounts += fmt::format(
          "{},{},subscribe,{},,,\n", id,
          beijing(date::sys_seconds{order_day - date::days(1 + last_day)} + std::chrono::hours(2)),
          pass);
      // Used on the day it is ordered (22:00 Beijing) and in the next month's first days:
      // charged in the first month, and a multi-day pass not again in the next (D23).
      s.usage_rows.push_back(fmt::format(
          "{}-p,{},{},data,1048576,{},\n", id, id,
          beijing(date::sys_seconds{order_day - date::days(1 + last_day)} + std::chrono::hours(14)),
          c.pass_country));
      for (int k = 0; k < 2; ++k) {
        const date::sys_seconds t = instant_from(order_day, 3);
        s.usage_rows.push_back(
            fmt::format("{}-p{},{},{},data,1048576,{},\n", id, k, id, beijing(t), c.pass_country));
      }
    }
    if (pick(8) == 0) {
      const std::string when = beijing(instant_from(start - date::days(20), 140));
      s.accounts += fmt::format("{},{},close,,,,\n", id, when);
    }
    for (int n = pick(12); n > 0; --n) {
      const char* service = pick(3) == 0 ? "voice" : "data";
      const int shift = pick(31), minutes = 1 + pick(300);
      const std::int64_t quantity =
          std::string(service) == "data" ? std::int64_t{1024} << shift : 60 * minutes;
      const date::sys_seconds t = instant_from(start, 120);
      const char* country = c.countries[pick(static_cast<int>(c.countries.size()))];
      const int peer = pick(1000);
      s.usage_rows.push_back(fmt::format("{}-{},{},{},{},{},{},13800000{:03}\n", id, n, id,
                                         beijing(t), service, quantity, country, peer));
    }
  }
  return s;
}

inline std::string usage_csv(const std::vector<std::string>& rows) {
  std::string text = "id,subscriber,time,service,quantity,country,peer\n";
  for (const std::string& r : rows) text += r;
  return text;
}

/// What rating a scenario needs: its catalog compiled, its account log folded, its four
/// cycles in order.
struct scenario_inputs {
  rule_plan plan;
  account_book book;
  std::vector<billing_cycle> cycles;
};

inline scenario_inputs inputs_of(const month_scenario& s) {
  rule_plan plan =
      rule_plan::compile(load_catalog(std::string(RATEL_SOURCE_DIR "/tariffs/") + s.catalog));
  account_book book = fold_account_log(parse_account_log(s.accounts, "accounts.csv"), plan);
  std::vector<billing_cycle> cycles;
  for (int m = 0; m < 4; ++m)
    cycles.push_back(calendar_month_cycle(s.first + date::months(m), plan.home_zone()));
  return {std::move(plan), std::move(book), std::move(cycles)};
}

/// The scenario's usage rows whose time is in `cycle`: one month's file.
inline std::vector<std::string> rows_in(const month_scenario& s, const billing_cycle& cycle) {
  std::vector<std::string> rows;
  for (const std::string& r : s.usage_rows)
    if (const auto t = parse_rfc3339(r.substr(r.find(',', r.find(',') + 1) + 1, 25));
        t && cycle.contains(*t))
      rows.push_back(r);
  return rows;
}

}  // namespace ratel::test_months
