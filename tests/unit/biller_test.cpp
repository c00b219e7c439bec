// account_biller (biller.hpp): every run finishes its bills in one place, so explain shows
// the bill `rate` gives, points and the overflow fallback included.
#include <doctest/doctest.h>

#include <string>

#include "ratel/biller.hpp"
#include "ratel/run/testing.hpp"
#include "rating_fixture.hpp"

using ratel::testing::scenario;

namespace {

ratel::billing_cycle cycle_of(const ratel::rule_plan& plan, unsigned month) {
  return ratel::calendar_month_cycle(date::year(2012) / date::month(month), plan.home_zone());
}

}  // namespace

TEST_SUITE("biller") {
  TEST_CASE("explain shows the points statement of the bill rate makes (D7)") {
    // icecream-198 from 2019-03-01 00:00, the first instant of the cycle: a full month is
    // never prorated (D4), so March bills 198.00 in fees. D7: 1 point per whole yuan of
    // fee, pack, usage and pass lines, fractions dropped: 198 points earned on March's
    // bill, credited at the next cycle start; the ledger starts empty, so the balance at
    // the end of March is 0.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/unicom-2019.toml");
    s.account("u1,2019-03-01T00:00:00+08:00,join,,,")
        .account("u1,2019-03-01T00:00:00+08:00,subscribe,icecream-198,,");
    const ratel::bill b = s.bill_of("u1", "2019-03");
    REQUIRE(b.points.has_value());
    CHECK(b.total == s.amount("198.00"));
    CHECK(b.points->earned == 198);
    CHECK(b.points->balance == 0);
    const std::string text = s.explain("u1", "2019-03");
    CHECK(text.find(
              "points (D7): earned 198 on this bill (credited at a later cycle start), credited 0, "
              "redeemed 0, expired 0, forfeited 0, balance 0") != std::string::npos);
  }

  TEST_CASE("explain takes the overflow fallback the bill takes") {
    // A record of 2^62 bytes is 2^52 KB; past gprs-20's 15 GB cut-off each KB costs
    // 0.0005 with no cap (D6): about 2.25e12 yuan a record. Money holds about 9.2e12, so
    // five such records sum past its exact range: the cycle is billed without usage,
    // gprs-20's fee only (20.00), as `rate` bills it; explain shows that bill.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,");
    for (int day = 10; day < 15; ++day)
      s.usage("d" + std::to_string(day) + ",s1,2012-07-" + std::to_string(day) +
              "T10:00:00+08:00,data,4611686018427387904");
    const ratel::batch_result r = s.rate("2012-07");
    REQUIRE(r.bills.size() == 1);
    CHECK(r.rejects.size() == 5);  // every record: reason overflow
    CHECK(r.bills[0].total == s.amount("20.00"));
    const std::string text = s.explain("s1", "2012-07");
    CHECK(text.find("total 20.00 = 20.00") != std::string::npos);
  }

  // The history's lists are in time order; each cycle looks at its own part of them.
  TEST_CASE("open_during: from the earliest line of any kind, until the cycle after a close") {
    using namespace ratel;
    using namespace ratel::testing_fixture;
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-10T00:00:00+08:00,unsubscribe,plan-a,,\n"  // refused
                                  "s1,2012-08-10T00:00:00+08:00,subscribe,plan-a,,\n"
                                  "s2,2012-07-05T00:00:00+08:00,subscribe,plan-a,,\n"
                                  "s2,2012-08-03T00:00:00+08:00,close,,,\n");
    const account_history& s1 = *book.find("s1");
    CHECK(!open_during(s1, cycle_of(plan, 6)));
    CHECK(open_during(s1, cycle_of(plan, 7)));  // known by its refused line alone
    CHECK(open_during(s1, cycle_of(plan, 9)));
    const account_history& s2 = *book.find("s2");
    CHECK(!open_during(s2, cycle_of(plan, 6)));
    CHECK(open_during(s2, cycle_of(plan, 8)));  // closed after August starts
    CHECK(!open_during(s2, cycle_of(plan, 9)));
  }

  TEST_CASE("a cycle shows its own refusals and reactivate_data requests, not another's") {
    using namespace ratel;
    using namespace ratel::testing_fixture;
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-06-20T00:00:00+08:00,unsubscribe,plan-a,,\n"
                                  "s1,2012-06-21T00:00:00+08:00,reactivate_data,,,\n"
                                  "s1,2012-07-20T00:00:00+08:00,unsubscribe,plan-b,,\n"
                                  "s1,2012-07-21T00:00:00+08:00,reactivate_data,,,\n"
                                  "s1,2012-08-20T00:00:00+08:00,unsubscribe,topup,,\n");
    const account_history* h = book.find("s1");
    REQUIRE(h->events.size() == 3);
    const rated_cycle july = rate_cycle(plan, h, cycle_of(plan, 7), {});
    // July's refused unsubscribe, and its request refused when the cycle is finished (no
    // cut-off to lift).
    REQUIRE(july.events.size() == 2);
    CHECK(july.events[0].product == "plan-b");
    CHECK(july.events[1].time == testing_fixture::at("2012-07-21T00:00:00+08:00"));
    CHECK(july.events[1].reason == "reactivate_data: data is not cut off");
  }
}
