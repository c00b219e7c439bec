// Carried state (state.hpp, D24): its JSON, and the invariant that rating months one at a
// time, each from its own records and the state the last one left, gives the bills of one
// run over all of them.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/carried_state_json.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"

using namespace ratel;

namespace {

instant utc(const char* text) {
  return *parse_rfc3339(text);
}

carried_state example_state() {
  carried_state s;
  s.subscriber = "s1";
  s.after = date::year(2019) / date::July;
  s.points = points_carry{
      {{date::year(2019) / date::February, 198, 188, date::year(2022) / date::January}},
      {{date::year(2019) / date::August, 198}},
      false};
  s.passes.push_back({"intl-pass-7d", utc("2012-12-29T02:00:00Z"),
                      date::local_days{date::year(2012) / date::December / 29}, "KR"});
  return s;
}

// A random account log and usage over four months of one of the shipped catalogs, with
// what the rules that carry over need: points (unicom-2019), deposits (unicom-2015),
// passes across month ends and thresholds (cmcc-2012).
struct month_scenario {
  std::string catalog;
  date::year_month first;
  std::string accounts;
  std::vector<std::string> usage_rows;  // without header
};

month_scenario random_scenario(std::uint32_t seed) {
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

std::string usage_csv(const std::vector<std::string>& rows) {
  std::string text = "id,subscriber,time,service,quantity,country,peer\n";
  for (const std::string& r : rows) text += r;
  return text;
}

}  // namespace

TEST_SUITE("carried state") {
  TEST_CASE("JSON: written and read back the same; another version is refused where it is") {
    const std::vector<carried_state> states{example_state()};
    const std::string text = carried_states_to_json(states);
    CHECK(parse_carried_states(text, "state.json") == states);
    // Version 2, written by some later ratel: refused at the version's value, line 3.
    std::string later = text;
    later.replace(later.find("\"version\": 1"), 12, "\"version\": 2");
    CHECK_THROWS_WITH_AS(parse_carried_states(later, "state.json"),
                         doctest::Contains("state.json:3:14: version: version 2 is not one this "
                                           "ratel reads (it reads 1)"),
                         input_error);
    std::string no_subscriber = text;
    no_subscriber.replace(no_subscriber.find("\"subscriber\": \"s1\","), 19, "");
    CHECK_THROWS_WITH_AS(parse_carried_states(no_subscriber, "state.json"),
                         doctest::Contains("subscriber: missing (required)"), input_error);
  }

  TEST_CASE("D24: month by month from the carried state, the bills of one run over all months") {
    std::size_t bills = 0, with_points = 0, with_passes = 0;
    for (std::uint32_t seed = 1; seed <= 150; ++seed) {
      const month_scenario s = random_scenario(seed);
      CAPTURE(seed);
      const rule_plan plan =
          rule_plan::compile(load_catalog(std::string(RATEL_SOURCE_DIR "/tariffs/") + s.catalog));
      const account_book book =
          fold_account_log(parse_account_log(s.accounts, "accounts.csv"), plan);
      std::vector<billing_cycle> cycles;
      for (int m = 0; m < 4; ++m)
        cycles.push_back(calendar_month_cycle(s.first + date::months(m), plan.home_zone()));
      // One run over the four months, from all the records.
      const batch_result whole =
          rate_batch(plan, book, parse_usage_csv(usage_csv(s.usage_rows), "usage.csv"), cycles);
      // Month by month: each from its own month's records and the state the last one left,
      // kept between months as JSON, as a store keeps it.
      std::vector<bill> monthly;
      std::string state_json = carried_states_to_json({});
      for (const billing_cycle& cycle : cycles) {
        std::vector<std::string> rows;
        for (const std::string& r : s.usage_rows)
          if (const auto t = parse_rfc3339(r.substr(r.find(',', r.find(',') + 1) + 1, 25));
              t && cycle.contains(*t))
            rows.push_back(r);
        carried_book from;
        for (carried_state& c : parse_carried_states(state_json, "state.json"))
          from.emplace(c.subscriber, std::move(c));
        batch_result month = rate_batch(plan, book, parse_usage_csv(usage_csv(rows), "usage.csv"),
                                        std::span<const billing_cycle>(&cycle, 1), from);
        for (bill& b : month.bills) monthly.push_back(std::move(b));
        state_json = carried_states_to_json(month.carried);
        for (const carried_state& c : month.carried) {
          with_points += c.points && !c.points->cohorts.empty() ? 1 : 0;
          with_passes += c.passes.empty() ? 0 : 1;
        }
      }
      std::stable_sort(monthly.begin(), monthly.end(),
                       [](const bill& a, const bill& b) { return a.subscriber < b.subscriber; });
      CHECK(bills_to_json(monthly) == bills_to_json(whole.bills));
      bills += whole.bills.size();
    }
    MESSAGE(
        fmt::format("{} bills; states carried with points cohorts {} times, with pass "
                    "charges {} times",
                    bills, with_points, with_passes));
    // The random months reach what carries over: points cohorts and pass charges.
    CHECK(bills > 1000);
    CHECK(with_points > 50);
    CHECK(with_passes > 30);
  }
}
