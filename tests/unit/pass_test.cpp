// Roaming passes at day boundaries: a zone west of the home zone (New York), east of it
// (Sydney, Tokyo), DST changes on a pass day, and the Beijing-day passes of China Mobile.
// Catalogs: tariffs/unicom-2019.toml (roam-daily: 55.00 a local day outside the 25/35
// groups, 35.00 in JP) and tariffs/cmcc-2012.toml (intl-daypass: 88.00 a Beijing day).
#include <doctest/doctest.h>

#include "ratel/run/batch.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

const rule_plan& plan_of(const char* file) {
  static std::map<std::string, rule_plan> plans;
  auto it = plans.find(file);
  if (it == plans.end())
    it = plans
             .emplace(file, rule_plan::compile(
                                load_catalog(std::string(RATEL_SOURCE_DIR "/tariffs/") + file)))
             .first;
  return it->second;
}

// Rates `months` for s1 and returns, per bill, the pass lines as "date-and-country amount".
// With `carried`, the run goes on from those states and leaves its own there (D24).
std::vector<std::vector<std::string>> pass_lines(const char* catalog, const std::string& log,
                                                 const std::string& usage_rows,
                                                 std::vector<date::year_month> months,
                                                 carried_book* carried = nullptr) {
  const rule_plan& plan = plan_of(catalog);
  account_book book = make_book(plan, log);
  usage_batch usage = make_usage(usage_rows);
  std::vector<billing_cycle> cycles;
  for (date::year_month m : months) cycles.push_back(calendar_month_cycle(m, plan.home_zone()));
  batch_result result = carried == nullptr ? rate_batch(plan, book, usage, cycles)
                                           : rate_batch(plan, book, usage, cycles, *carried);
  if (carried != nullptr) {
    carried->clear();
    for (carried_state& c : result.carried) carried->emplace(c.subscriber, std::move(c));
  }
  std::vector<std::vector<std::string>> out;
  for (const bill& b : result.bills) {
    std::vector<std::string> lines;
    for (const bill_line& l : b.lines)
      if (l.kind == line_kind::pass)
        lines.push_back(l.description.substr(l.description.find(": ") + 2) + " " +
                        l.amount.to_string());
    out.push_back(lines);
  }
  return out;
}

std::string row(const char* id, const char* time, const char* country) {
  return fmt::format("{},s1,{},data,1024,{}\n", id, time, country);
}

const std::string roam_daily = "s1,2019-01-01T00:00:00+08:00,subscribe,roam-daily,,\n";

}  // namespace

TEST_SUITE("passes") {
  TEST_CASE("west: New York's spring-forward day (23 hours) is one local day") {
    // 10 March 2019: 02:00 EST jumps to 03:00 EDT.
    auto bills =
        pass_lines("unicom-2019.toml", roam_daily,
                   row("a", "2019-03-09T23:30:00-05:00", "US") +      // 9 March
                       row("b", "2019-03-10T03:30:00-04:00", "US") +  // 10 March, after the gap
                       row("c", "2019-03-10T23:59:59-04:00", "US") +  // still 10 March
                       row("d", "2019-03-11T00:00:00-04:00", "US"),   // 11 March
                   {date::year(2019) / date::March});
    REQUIRE(bills.size() == 1);
    CHECK(bills[0] == std::vector<std::string>{"US 2019-03-09 (local day) with use 55.00",
                                               "US 2019-03-10 (local day) with use 55.00",
                                               "US 2019-03-11 (local day) with use 55.00"});
  }

  TEST_CASE("east: Sydney's last summer-time day (25 hours) is one local day") {
    // 7 April 2019: 03:00 AEDT falls back to 02:00 AEST.
    auto bills =
        pass_lines("unicom-2019.toml", roam_daily,
                   row("a", "2019-04-06T23:59:59+11:00", "AU") +      // 6 April
                       row("b", "2019-04-07T00:00:00+11:00", "AU") +  // 7 April
                       row("c", "2019-04-07T23:30:00+10:00", "AU"),   // 7 April, 24.5 h later
                   {date::year(2019) / date::April});
    CHECK(bills[0] == std::vector<std::string>{"AU 2019-04-06 (local day) with use 55.00",
                                               "AU 2019-04-07 (local day) with use 55.00"});
  }

  TEST_CASE("east: a Tokyo day that starts in Beijing's previous month is charged in June (D23)") {
    // 00:30 on 1 July in Tokyo is 23:30 on 30 June in Beijing: the record is June's, and so
    // is the charge for the Tokyo day 1 July (35.00, the Asian five): D23 puts a charge on
    // the bill of the cycle holding its first record. b, later that Tokyo day but in July,
    // is covered and charged nothing.
    const std::string usage =
        row("a", "2019-07-01T00:30:00+09:00", "JP") + row("b", "2019-07-01T20:00:00+09:00", "JP");
    auto both = pass_lines("unicom-2019.toml", roam_daily, usage,
                           {date::year(2019) / date::June, date::year(2019) / date::July});
    REQUIRE(both.size() == 2);
    CHECK(both[0] == std::vector<std::string>{"JP 2019-07-01 (local day) with use 35.00"});
    CHECK(both[1].empty());
    // Month by month, June's carried state tells July the day is charged (D24): the same.
    carried_book carried;
    CHECK(pass_lines("unicom-2019.toml", roam_daily, usage, {date::year(2019) / date::June},
                     &carried)[0] ==
          std::vector<std::string>{"JP 2019-07-01 (local day) with use 35.00"});
    REQUIRE(carried.size() == 1);
    CHECK(carried.at("s1").passes.size() == 1);  // the Tokyo day, still going at June's end
    CHECK(pass_lines("unicom-2019.toml", roam_daily, usage, {date::year(2019) / date::July},
                     &carried)[0]
              .empty());
    CHECK(carried.at("s1").passes.empty());  // over by July's end
  }

  TEST_CASE("D23: a 7-day pass ordered on 29 December and used only in January: January's bill") {
    // intl-pass-7d (D12: 7 Beijing calendar days from the order, full price once per
    // country with use). Ordered 29 December 2012, used in KR on 2 and 4 January 2013:
    // December has no use and no charge; January's first record makes it due.
    const std::string log = "s1,2012-12-29T10:00:00+08:00,subscribe,intl-pass-7d,,\n";
    const std::string usage =
        row("j1", "2013-01-02T10:00:00+08:00", "KR") + row("j2", "2013-01-04T10:00:00+08:00", "KR");
    const std::vector<date::year_month> both{date::year(2012) / date::December,
                                             date::year(2013) / date::January};
    auto one_run = pass_lines("cmcc-2012.toml", log, usage, both);
    REQUIRE(one_run.size() == 2);
    CHECK(one_run[0].empty());
    REQUIRE(one_run[1].size() == 1);
    CHECK(one_run[1][0].ends_with("KR with use in the 7 days from 2012-12-29 368.00"));
    // Month by month, each month from its own records: December charges nothing, and
    // January, going on from December's state, charges it.
    carried_book carried;
    CHECK(pass_lines("cmcc-2012.toml", log, "", {both[0]}, &carried)[0].empty());
    CHECK(pass_lines("cmcc-2012.toml", log, usage, {both[1]}, &carried)[0] == one_run[1]);
  }

  TEST_CASE(
      "Beijing days: 23:59:59 and 00:00:00 are two days; the day before the order is not covered") {
    const std::string log =
        "s1,2012-08-10T15:00:00+08:00,subscribe,intl-daypass,,\n"
        "s1,2012-08-11T00:00:00+08:00,unsubscribe,intl-daypass,,\n";
    // Unsubscribed at 00:00 on the 11th: the pass ends at the next 00:00, the 12th.
    auto bills =
        pass_lines("cmcc-2012.toml", log,
                   row("a", "2012-08-09T23:59:59+08:00", "KR") +      // before the order's day
                       row("b", "2012-08-10T00:00:00+08:00", "KR") +  // the order's day, 00:00
                       row("c", "2012-08-10T23:59:59+08:00", "KR") +
                       row("d", "2012-08-11T00:00:00+08:00", "KR") +  // the 11th: still held
                       row("e", "2012-08-12T00:00:00+08:00", "KR"),   // ended
                   {date::year(2012) / date::August});
    CHECK(bills[0] == std::vector<std::string>{"2012-08-10 (Asia/Shanghai day) with use 88.00",
                                               "2012-08-11 (Asia/Shanghai day) with use 88.00"});
  }
}
