// Carried state (state.hpp, D24): its JSON, and the invariant that rating months one at a
// time, each from its own records and the state the last one left, gives the bills of one
// run over all of them.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "month_scenarios.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/carried_state_json.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"

using namespace ratel;
using namespace ratel::test_months;

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
      const auto [plan, book, cycles] = inputs_of(s);
      // One run over the four months, from all the records.
      const batch_result whole =
          rate_batch(plan, book, parse_usage_csv(usage_csv(s.usage_rows), "usage.csv"), cycles);
      // Month by month: each from its own month's records and the state the last one left,
      // kept between months as JSON, as a store keeps it.
      std::vector<bill> monthly;
      std::string state_json = carried_states_to_json({});
      for (const billing_cycle& cycle : cycles) {
        const std::vector<std::string> rows = rows_in(s, cycle);
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
