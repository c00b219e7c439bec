// The points ledger (points.hpp) at its edges. Each test builds its own program.
#include <doctest/doctest.h>

#include "ratel/points.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

const currency cny = currency::parse("CNY");

points_program d7() {
  points_program p;
  p.unit = money::parse("1.00", cny);
  p.counts = {line_kind::fee, line_kind::pack, line_kind::usage, line_kind::pass};
  p.min_tenure_months = 6;
  return p;
}

account_history history_with(std::optional<instant> joined,
                             std::vector<account_request> redemptions,
                             std::optional<instant> closed = std::nullopt) {
  account_history h;
  h.subscriber = "s1";
  h.joined = joined;
  h.redemptions = std::move(redemptions);
  h.closed = closed;
  return h;
}

billing_cycle month(int y, unsigned m) {
  static const zone sh = zone::locate("Asia/Shanghai");
  return calendar_month_cycle(date::year(y) / date::month(m), sh);
}

}  // namespace

TEST_SUITE("points") {
  TEST_CASE("points for a spend: whole units, the fraction as the program says") {
    points_program p = d7();
    CHECK(points_for(p, money::parse("85.50", cny)) == 85);  // D7 worked check
    CHECK(points_for(p, money::parse("123.40", cny)) == 123);
    CHECK(points_for(p, money::parse("0.99", cny)) == 0);
    CHECK(points_for(p, money::parse("-5.00", cny)) == 0);  // a credit balance earns nothing
    p.fraction = rounding::half_up;
    CHECK(points_for(p, money::parse("85.50", cny)) == 86);
    p.points_per_unit = 2;
    p.unit = money::parse("10.00", cny);
    CHECK(points_for(p, money::parse("85.50", cny)) == 18);  // 8.55 -> 9 units x 2
  }

  TEST_CASE("tenure by calendar date: joined on 31 August, six months complete on 28 February") {
    const zone sh = zone::locate("Asia/Shanghai");
    points_program p = d7();
    // 2018-08-31 + 6 months is 2019-02-31, which does not exist: the last day, the 28th.
    account_history h = history_with(
        at("2018-08-31T10:00:00+08:00"),
        {{at("2019-02-27T23:59:59+08:00"), {}, 1}, {at("2019-02-28T00:00:00+08:00"), {}, 1}});
    points_ledger ledger(p, h, sh);
    std::vector<event> refused;
    (void)ledger.step(month(2019, 1), 10, refused);  // earned in January, credited 1 February
    points_statement feb = ledger.step(month(2019, 2), 0, refused);
    CHECK(feb.credited == 10);
    CHECK(feb.redeemed == 1);  // the one on the 28th
    REQUIRE(refused.size() == 1);
    CHECK(refused[0].reason ==
          "redeem_points: 6 months since joining are needed; they are complete on 2019-02-28");
  }

  TEST_CASE("newest first, and keeping points at a close") {
    const zone sh = zone::locate("Asia/Shanghai");
    points_program p = d7();
    p.min_tenure_months = 0;
    p.oldest_first = false;
    p.forfeit_on_close = false;
    account_history h =
        history_with(at("2019-01-01T00:00:00+08:00"), {{at("2019-04-10T00:00:00+08:00"), {}, 15}},
                     at("2019-04-20T00:00:00+08:00"));
    points_ledger ledger(p, h, sh);
    std::vector<event> refused;
    (void)ledger.step(month(2019, 1), 10, refused);  // cohort 2019-02: 10
    (void)ledger.step(month(2019, 2), 20, refused);  // cohort 2019-03: 20
    (void)ledger.step(month(2019, 3), 30, refused);  // cohort 2019-04: 30
    points_statement apr = ledger.step(month(2019, 4), 40, refused);
    CHECK(apr.credited == 30);
    CHECK(apr.redeemed == 15);  // all from the newest cohort (2019-04)
    REQUIRE(apr.cohorts.size() == 3);
    CHECK(apr.cohorts[0].remaining == 10);
    CHECK(apr.cohorts[1].remaining == 20);
    CHECK(apr.cohorts[2].remaining == 15);
    CHECK(apr.forfeited == 0);  // on_close = keep
    CHECK(apr.balance == 45);
    CHECK(apr.earned == 0);  // nothing is earned after the close
  }

  TEST_CASE("a cohort is valid to the end of its last month and expires in the next cycle") {
    const zone sh = zone::locate("Asia/Shanghai");
    points_program p = d7();
    p.validity_months = 2;  // credited in February: valid to the end of March
    account_history h = history_with(at("2019-01-01T00:00:00+08:00"), {});
    points_ledger ledger(p, h, sh);
    std::vector<event> refused;
    (void)ledger.step(month(2019, 1), 7, refused);
    CHECK(ledger.step(month(2019, 2), 0, refused).balance == 7);
    points_statement mar = ledger.step(month(2019, 3), 0, refused);
    CHECK(mar.expired == 0);
    CHECK(mar.cohorts.at(0).last_month == date::year(2019) / date::March);
    points_statement apr = ledger.step(month(2019, 4), 0, refused);
    CHECK(apr.expired == 7);
    CHECK(apr.balance == 0);
  }
}
