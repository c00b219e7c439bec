// Proration strategies and account lifecycle at their boundaries: the first day, the last
// day, a change at 00:00, February in a leap year. Catalog: tariffs/cmcc-2012.toml unless
// a test says otherwise. Shanghai has no DST, so local days are whole 24-hour days.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "ratel/proration.hpp"
#include "ratel/run/batch.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

const currency cny = currency::parse("CNY");
money cny_of(const char* text) {
  return money::parse(text, cny);
}
const quantity kb = quantity::parse("1 KB");

const rule_plan& cmcc() {
  static const rule_plan plan =
      rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  return plan;
}

// The rated cycle `month` of s1 with the log lines given (no usage).
rated_cycle cycle_of(const rule_plan& plan, const std::string& log, date::year_month month) {
  account_book book = make_book(plan, log);
  return rate_cycle(plan, book.find("s1"), calendar_month_cycle(month, plan.home_zone()), {});
}

money fee_of(const rated_cycle& r, const std::string& product, const rule_plan& plan) {
  money total = money::zero(cny);
  for (const fee_due& f : r.fees)
    if (plan.product_at(f.product).source->id == product) total += f.amount;
  return total;
}

quantity allowance_of(const rated_cycle& r, const std::string& product, const rule_plan& plan) {
  quantity total(0, dimension::bytes);
  for (const bucket& b : r.buckets)
    if (plan.product_at(b.product).source->id == product) total = total + b.initial;
  return total;
}

constexpr date::year_month july = date::year(2012) / date::July;
constexpr date::year_month august = date::year(2012) / date::August;

}  // namespace

TEST_SUITE("proration") {
  TEST_CASE("active days: first day, last day, an end at 00:00, empty") {
    const zone& sh = cmcc().home_zone();
    const billing_cycle c = calendar_month_cycle(july, sh);
    CHECK(active_days(c.start, c.end, sh) == 31);                         // all of July
    CHECK(active_days(at("2012-07-31T23:59:59+08:00"), c.end, sh) == 1);  // the last second
    CHECK(active_days(at("2012-07-10T10:00:00+08:00"), at("2012-07-20T00:00:00+08:00"), sh) ==
          10);  // 10..19
    CHECK(active_days(at("2012-07-10T10:00:00+08:00"), at("2012-07-20T00:00:01+08:00"), sh) ==
          11);  // 10..20
    CHECK(active_days(c.start, c.start, sh) == 0);
  }

  TEST_CASE("shares: a full cycle is never prorated, whatever the strategy (D4)") {
    CHECK(share_of_cycle(proration_strategy::days_12_365, 31, 31).whole());  // 12/365 x 31 > 1
    CHECK(share_of_cycle(proration_strategy::actual_days, 29, 29).whole());
    CHECK(share_of_cycle(proration_strategy::none, 3, 31).whole());
    day_share s = share_of_cycle(proration_strategy::actual_days, 22, 31);
    CHECK((s.numerator == 22 && s.denominator == 31));
    s = share_of_cycle(proration_strategy::days_12_365, 22, 31);
    CHECK((s.numerator == 264 && s.denominator == 365));  // 12 x 22 / 365
  }

  TEST_CASE("prorated money is rounded once, by the named rounding") {
    const money fee = cny_of("20.00");
    CHECK(prorate(fee, {22, 31}, 2, rounding::half_up) == cny_of("14.19"));  // 14.1935...
    CHECK(prorate(fee, {22, 31}, 2, rounding::up) == cny_of("14.20"));
    CHECK(prorate(fee, {22, 31}, 6, rounding::down) == cny_of("14.193548"));
    CHECK(prorate(fee, {15, 29}, 2, rounding::half_up) == cny_of("10.34"));  // Feb 2012: 10.3448...
    CHECK(prorate(fee, {180, 365}, 2, rounding::half_up) ==
          cny_of("9.86"));  // 12 x 15 / 365: 9.8630...
    CHECK(prorate(cny_of("0.05"), {1, 2}, 2, rounding::half_even) ==
          cny_of("0.02"));  // 0.025 -> even
  }

  TEST_CASE("prorated allowances are whole increments, rounded as named (D4: down)") {
    const quantity mb150 = quantity::parse("150 MB");                             // 153,600 KB
    CHECK(prorate(mb150, kb, {264, 365}, rounding::down) == times(111'096, kb));  // 111,096.98...
    CHECK(prorate(mb150, kb, {264, 365}, rounding::half_up) == times(111'097, kb));
    CHECK(prorate(mb150, kb, {180, 365}, rounding::down) == times(75'747, kb));  // 75,747.94...
    CHECK(prorate(mb150, kb, {12, 365}, rounding::down) == times(5'049, kb));  // one day: 5,049.86
  }
}

TEST_SUITE("lifecycle") {
  TEST_CASE("gprs-20 from the first day at 00:00 is a full month") {
    rated_cycle r = cycle_of(cmcc(), "s1,2012-07-01T00:00:00+08:00,subscribe,gprs-20,,\n", july);
    CHECK(fee_of(r, "gprs-20", cmcc()) == cny_of("20.00"));
    CHECK(allowance_of(r, "gprs-20", cmcc()) == quantity::parse("150 MB"));
  }

  TEST_CASE("gprs-20 on the last day: one day of 31") {
    rated_cycle r = cycle_of(cmcc(), "s1,2012-07-31T23:00:00+08:00,subscribe,gprs-20,,\n", july);
    CHECK(fee_of(r, "gprs-20", cmcc()) == cny_of("0.65"));          // 20 x 1/31 = 0.645...
    CHECK(allowance_of(r, "gprs-20", cmcc()) == times(5'049, kb));  // 153,600 x 12/365
  }

  TEST_CASE("gprs-20 from 00:00 on the 20th counts the 20th: 12 days") {
    rated_cycle r = cycle_of(cmcc(), "s1,2012-07-20T00:00:00+08:00,subscribe,gprs-20,,\n", july);
    CHECK(fee_of(r, "gprs-20", cmcc()) == cny_of("7.74"));           // 20 x 12/31 = 7.741...
    CHECK(allowance_of(r, "gprs-20", cmcc()) == times(60'598, kb));  // 153,600 x 144/365 = 60,598.3
  }

  TEST_CASE("February of a leap year has 29 days") {
    rated_cycle r = cycle_of(cmcc(), "s1,2012-02-15T12:00:00+08:00,subscribe,gprs-20,,\n",
                             date::year(2012) / date::February);
    CHECK(r.cycle.length_in_days().count() == 29);
    CHECK(fee_of(r, "gprs-20", cmcc()) == cny_of("10.34"));          // 20 x 15/29
    CHECK(allowance_of(r, "gprs-20", cmcc()) == times(75'747, kb));  // 153,600 x 180/365
  }

  TEST_CASE("D5: unsubscribing gprs-20 mid-month bills the month in full, nothing after") {
    const std::string log =
        "s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,\n"
        "s1,2012-07-15T10:00:00+08:00,unsubscribe,gprs-20,,\n";
    CHECK(fee_of(cycle_of(cmcc(), log, july), "gprs-20", cmcc()) == cny_of("20.00"));
    CHECK(cycle_of(cmcc(), log, august).fees.empty());
  }

  TEST_CASE("D5: gprs-50 ordered while gprs-20 is held replaces it at the next cycle") {
    const std::string log =
        "s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,\n"
        "s1,2012-07-15T10:00:00+08:00,subscribe,gprs-50,,\n";
    rated_cycle j = cycle_of(cmcc(), log, july);
    CHECK(fee_of(j, "gprs-20", cmcc()) == cny_of("20.00"));
    CHECK(fee_of(j, "gprs-50", cmcc()).is_zero());
    rated_cycle a = cycle_of(cmcc(), log, august);
    CHECK(fee_of(a, "gprs-20", cmcc()).is_zero());
    CHECK(fee_of(a, "gprs-50", cmcc()) == cny_of("50.00"));  // full: starts at 00:00 on the 1st
    CHECK(allowance_of(a, "gprs-50", cmcc()) == quantity::parse("500 MB"));
  }

  TEST_CASE("subscribe_next_cycle in the last second of a cycle starts at the next one, in full") {
    const std::string log = "s1,2012-07-31T23:59:59+08:00,subscribe_next_cycle,gprs-20,,\n";
    CHECK(cycle_of(cmcc(), log, july).fees.empty());
    CHECK(fee_of(cycle_of(cmcc(), log, august), "gprs-20", cmcc()) == cny_of("20.00"));
  }

  TEST_CASE("vas-news: the free window is half-open (D22): unsubscribed at its end, a day") {
    // Ordered 5 July 09:00: the window is [5 July 09:00, 8 July 09:00).
    const std::string order = "s1,2012-07-05T09:00:00+08:00,subscribe,vas-news,,\n";
    // One second before its end: inside, nothing.
    CHECK(cycle_of(cmcc(), order + "s1,2012-07-08T08:59:59+08:00,unsubscribe,vas-news,,\n", july)
              .fees.empty());
    // At its end, and one second later: outside, charged from the day the window ends,
    // 8 July, to the end (immediately): 1 day, 5.00 x 1/31 = 0.161... -> 0.16 (D15, D4).
    for (const char* at : {"2012-07-08T09:00:00+08:00", "2012-07-08T09:00:01+08:00"}) {
      CAPTURE(at);
      rated_cycle r =
          cycle_of(cmcc(), order + fmt::format("s1,{},unsubscribe,vas-news,,\n", at), july);
      CHECK(fee_of(r, "vas-news", cmcc()) == cny_of("0.16"));
    }
  }

  TEST_CASE("vas-news ordered near the end of a month: the window runs into the next") {
    // 30 July 12:00 + 72 h = 2 August 12:00: nothing in July; 2..31 August = 30 days.
    const std::string log = "s1,2012-07-30T12:00:00+08:00,subscribe,vas-news,,\n";
    CHECK(cycle_of(cmcc(), log, july).fees.empty());
    CHECK(fee_of(cycle_of(cmcc(), log, august), "vas-news", cmcc()) ==
          cny_of("4.84"));  // 5 x 30/31
  }

  TEST_CASE("a trial confirmed at 00:00 is charged from that day") {
    const std::string log =
        "s1,2012-07-01T09:00:00+08:00,subscribe,vas-music,,\n"
        "s1,2012-07-31T00:00:00+08:00,confirm,vas-music,,\n";
    CHECK(fee_of(cycle_of(cmcc(), log, july), "vas-music", cmcc()) == cny_of("0.10"));  // 3 x 1/31
  }

  TEST_CASE("refused requests: each with its reason, changing nothing") {
    auto refusals = [](const std::string& log) {
      std::vector<std::string> reasons;
      for (const event& e : cycle_of(cmcc(), log, july).events)
        if (e.kind == event_kind::refused) reasons.push_back(e.reason);
      return reasons;
    };
    CHECK(refusals("s1,2012-07-02T00:00:00+08:00,confirm,gprs-20,,\n") ==
          std::vector<std::string>{"gprs-20 needs no confirmation"});
    CHECK(refusals("s1,2012-07-02T00:00:00+08:00,confirm,vas-music,,\n") ==
          std::vector<std::string>{"vas-music has no trial awaiting confirmation"});
    CHECK(refusals("s1,2012-07-02T00:00:00+08:00,subscribe,vas-game,,\n") ==
          std::vector<std::string>{"vas-game is charged per use and needs no subscription"});
    CHECK(refusals("s1,2012-07-02T00:00:00+08:00,deposit,gprs-20,100,\n") ==
          std::vector<std::string>{"gprs-20 is not an offer that takes a deposit"});
    CHECK(refusals("s1,2012-07-02T00:00:00+08:00,unsubscribe,vas-news,,\n") ==
          std::vector<std::string>{"vas-news is not subscribed"});
  }

  TEST_CASE("unsubscribe next_day ends at the next 00:00, even when asked at 00:00") {
    const char* text = R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[[products]]
id = "daily"
kind = "pack"
code = 1
priority = 1
fee = { amount = "31.00", per = "cycle" }
unsubscribe = "next_day"
proration = { fee = "actual_days" }
)";
    rule_plan plan = rule_plan::compile(parse_catalog(text, "t.toml"));
    const std::string order = "s1,2012-07-01T00:00:00+08:00,subscribe,daily,,\n";
    // Asked at 00:00 on the 20th: ends at 00:00 on the 21st; active 1..20 July = 20 days.
    rated_cycle r =
        cycle_of(plan, order + "s1,2012-07-20T00:00:00+08:00,unsubscribe,daily,,\n", july);
    CHECK(fee_of(r, "daily", plan) == cny_of("20.00"));  // 31.00 x 20/31
    // Asked at 23:59:59 on the 20th: the same end.
    r = cycle_of(plan, order + "s1,2012-07-20T23:59:59+08:00,unsubscribe,daily,,\n", july);
    CHECK(fee_of(r, "daily", plan) == cny_of("20.00"));
  }

  TEST_CASE("a deposit in the last second of a month: credit 1 then, credit 2 on the 1st") {
    rule_plan plan = rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/unicom-2015.toml"));
    // 2016-01-31 23:59:59 Beijing time is still January; February 2016 has 29 days.
    const std::string log = "s1,2016-01-31T23:59:59+08:00,deposit,deposit-100,100,\n";
    rated_cycle jan = cycle_of(plan, log, date::year(2016) / date::January);
    REQUIRE(jan.credits.size() == 1);
    CHECK(jan.credits[0].deposit_part == cny_of("20.00"));  // D16: 20 + 2 at once
    CHECK(jan.credits[0].bonus_part == cny_of("2.00"));
    rated_cycle feb = cycle_of(plan, log, date::year(2016) / date::February);
    REQUIRE(feb.credits.size() == 1);
    CHECK(feb.credits[0].time == at("2016-02-01T00:00:00+08:00"));  // the 1st of the next month
    CHECK(feb.credits[0].number == 2);
    CHECK(feb.credits[0].deposit_part == cny_of("8.00"));
    CHECK(feb.credits[0].bonus_part == cny_of("8.00"));
  }

  TEST_CASE("deposit credits stop at a close") {
    rule_plan plan = rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/unicom-2015.toml"));
    const std::string log =
        "s1,2015-02-10T11:00:00+08:00,deposit,deposit-100,100,\n"
        "s1,2015-04-15T00:00:00+08:00,close,,,\n";
    CHECK(cycle_of(plan, log, date::year(2015) / date::April).credits.size() == 1);  // 1 April
    CHECK(cycle_of(plan, log, date::year(2015) / date::May).credits.empty());
  }
}
