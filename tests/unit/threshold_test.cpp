// Every threshold action at its exact boundary: one unit before, at, and after the level.
// The catalog below is this test's own; each product holds one threshold at 10 units.
#include <doctest/doctest.h>

#include "ratel/bill.hpp"
#include "ratel/io/usage_csv.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

const char* threshold_catalog = R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[services]
data = { increment = "1 KB" }
voice = { increment = "1 min" }

[network]
calling_code = "86"
on_net_prefixes = ["130"]

[[rates]]
service = "data"
price = "0.01"
per = "1 KB"

[[rates]]
service = "voice"
price = "0.10"
per = "1 min"

[[products]]
id = "notify"
kind = "plan"
code = 1
priority = 500
  [[products.thresholds]]
  counter = "volume"
  service = "data"
  at = "10 KB"
  action = "notify"
  message = "10 KB used"

[[products]]
id = "exceeds"
kind = "plan"
code = 2
priority = 500
  [[products.thresholds]]
  counter = "volume"
  service = "data"
  at = "10 KB"
  compare = "exceeds"
  action = "notify"

[[products]]
id = "cap"
kind = "plan"
code = 3
priority = 500
  [[products.rates]]
  service = "data"
  price = "0.01"
  per = "1 KB"
  [[products.thresholds]]
  counter = "usage_fee"
  at = "0.10"
  action = "cap"

[[products]]
id = "cut"
kind = "plan"
code = 4
priority = 500
  [[products.thresholds]]
  counter = "volume"
  service = "data"
  at = "10 KB"
  action = "cut_off"
  rate = { price = "0.001", per = "1 KB", capped = false }

[[products]]
id = "change"
kind = "plan"
code = 5
priority = 500
  [[products.thresholds]]
  counter = "volume"
  service = "data"
  at = "10 KB"
  action = "rate_change"
  rate = { price = "0.02", per = "1 KB" }

[[products]]
id = "throttle"
kind = "plan"
code = 6
priority = 500
  [[products.thresholds]]
  counter = "volume"
  service = "data"
  at = "10 KB"
  action = "throttle"
  limit_kbps = 64

[[products]]
id = "bar"
kind = "plan"
code = 7
priority = 500
  [[products.thresholds]]
  counter = "volume"
  service = "voice"
  peer = "off_net"
  at = "10 min"
  compare = "exceeds"
  action = "bar"

[[products]]
id = "share"
kind = "plan"
code = 8
priority = 500
  [[products.allowances]]
  service = "data"
  quantity = "10 KB"
  [[products.thresholds]]
  counter = "allowance_used"
  service = "data"
  at = "85%"
  action = "notify"
)";

struct outcome {
  rated_cycle rated;
  money charged;  // the exact sum of the parts' charges
};

// One subscriber holding `product` since June, with `usage` (rows without the header) in July.
outcome run(const std::string& product, const std::string& usage_rows) {
  static const rule_plan plan = rule_plan::compile(parse_catalog(threshold_catalog, "t.toml"));
  account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe," + product + ",,\n");
  usage_batch usage =
      parse_usage_csv("id,subscriber,time,service,quantity,country,peer\n" + usage_rows, "u.csv");
  outcome o{rate_july(plan, book, usage), money::zero(currency::parse("CNY"))};
  for (const charge_part& p : o.rated.parts) o.charged += p.charge;
  return o;
}

std::string data_kb(int kb) {
  return fmt::format("r1,s1,2012-07-03T12:00:00+08:00,data,{},,\n", kb * 1024);
}

money cny(const char* text) {
  return money::parse(text, currency::parse("CNY"));
}

}  // namespace

TEST_SUITE("thresholds") {
  TEST_CASE("notify when the volume reaches 10 KB: 9 no, 10 and 11 yes") {
    CHECK(run("notify", data_kb(9)).rated.events.empty());
    outcome at = run("notify", data_kb(10));
    REQUIRE(at.rated.events.size() == 1);
    CHECK(at.rated.events[0].kind == event_kind::notify);
    CHECK(at.rated.events[0].counter == "10 KB");
    CHECK(at.rated.events[0].record == "r1");
    CHECK(at.rated.events[0].reason == "10 KB used");
    outcome after = run("notify", data_kb(11));
    REQUIRE(after.rated.events.size() == 1);
    CHECK(after.charged == cny("0.11"));  // notify changes no price: 11 KB x 0.01
    // The crossing record is split at the level: 10 KB, then 1 KB.
    REQUIRE(after.rated.parts.size() == 2);
    CHECK(after.rated.parts[0].units == 10);
  }

  TEST_CASE("a threshold counts only the records of the time its product is held") {
    // "notify" (10 KB) subscribed on 10 July: the 8 KB of the 5th are before it and not
    // counted; the 12th's 8 KB make 8 KB, the 15th's 2 KB make 10: it fires on r3, not on r2
    // (which it would if the 5th counted: 16 KB) and not never (if the 5th's "not held" stood
    // for the later records: the rater keeps that answer only until the subscription starts).
    static const rule_plan plan = rule_plan::compile(parse_catalog(threshold_catalog, "t.toml"));
    const account_book book = make_book(plan, "s1,2012-07-10T00:00:00+08:00,subscribe,notify,,\n");
    const usage_batch usage = parse_usage_csv(
        "id,subscriber,time,service,quantity,country,peer\n"
        "r1,s1,2012-07-05T12:00:00+08:00,data,8192,,\n"
        "r2,s1,2012-07-12T12:00:00+08:00,data,8192,,\n"
        "r3,s1,2012-07-15T12:00:00+08:00,data,2048,,\n",
        "u.csv");
    const rated_cycle rated = rate_july(plan, book, usage);
    REQUIRE(rated.events.size() == 1);
    CHECK(rated.events[0].record == "r3");
    CHECK(rated.events[0].counter == "10 KB");
  }

  TEST_CASE("notify when the volume exceeds 10 KB: 10 no, 11 yes (counter 11 KB)") {
    CHECK(run("exceeds", data_kb(10)).rated.events.empty());
    outcome after = run("exceeds", data_kb(11));
    REQUIRE(after.rated.events.size() == 1);
    CHECK(after.rated.events[0].counter == "11 KB");
    // At exactly 10 KB, the next record's first unit exceeds: it fires on that record.
    outcome next = run("exceeds", data_kb(10) + "r2,s1,2012-07-04T12:00:00+08:00,data,1024,,\n");
    REQUIRE(next.rated.events.size() == 1);
    CHECK(next.rated.events[0].record == "r2");
  }

  TEST_CASE("cap when the usage fee reaches 0.10 (10 KB at the product's 0.01)") {
    outcome before = run("cap", data_kb(9));
    CHECK(before.rated.events.empty());
    CHECK(before.charged == cny("0.09"));
    outcome at = run("cap", data_kb(10));
    REQUIRE(at.rated.events.size() == 1);
    CHECK(at.rated.events[0].kind == event_kind::cap);
    CHECK(at.rated.events[0].counter == "0.10");
    CHECK(at.charged == cny("0.10"));
    outcome after = run("cap", data_kb(11));
    CHECK(after.charged == cny("0.10"));  // the 11th KB is capped
    REQUIRE(after.rated.parts.size() == 2);
    CHECK(after.rated.parts[1].capped);
    CHECK(after.rated.parts[1].uncapped == cny("0.01"));
  }

  TEST_CASE("cap: a price that does not divide the level charges the crossing unit up to it") {
    // 0.03/KB toward 0.10: 3 KB = 0.09, the 4th KB would reach 0.12 but is charged 0.01.
    const char* text = R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 KB" }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
  [[products.rates]]
  service = "data"
  price = "0.03"
  per = "1 KB"
  [[products.thresholds]]
  counter = "usage_fee"
  at = "0.10"
  action = "cap"
)";
    rule_plan plan = rule_plan::compile(parse_catalog(text, "p.toml"));
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,p,,\n");
    usage_batch usage = make_usage("r1,s1,2012-07-03T12:00:00+08:00,data,10240,\n");
    rated_cycle r = rate_july(plan, book, usage);
    REQUIRE(r.parts.size() == 2);
    CHECK(r.parts[0].units == 4);  // ceil(0.10 / 0.03) = 4 increments reach the cap
    CHECK(r.parts[0].charge == cny("0.10"));
    CHECK(r.parts[0].uncapped == cny("0.12"));
    CHECK(r.parts[1].units == 6);
    CHECK(r.parts[1].charge.is_zero());
  }

  TEST_CASE("cut_off at 10 KB: later usage at the cut-off's own rate, uncapped") {
    CHECK(run("cut", data_kb(9)).rated.events.empty());
    outcome at = run("cut", data_kb(10));
    REQUIRE(at.rated.events.size() == 1);
    CHECK(at.rated.events[0].kind == event_kind::cut_off);
    CHECK(at.charged == cny("0.10"));
    outcome after = run("cut", data_kb(11));
    CHECK(after.charged == cny("0.101"));  // 10 KB x 0.01 + 1 KB x 0.001
  }

  TEST_CASE("rate_change at 10 KB: 0.02/KB from there on") {
    CHECK(run("change", data_kb(9)).charged == cny("0.09"));
    outcome at = run("change", data_kb(10));
    REQUIRE(at.rated.events.size() == 1);
    CHECK(at.rated.events[0].kind == event_kind::rate_change);
    CHECK(at.charged == cny("0.10"));
    CHECK(run("change", data_kb(11)).charged == cny("0.12"));  // 0.10 + 1 KB x 0.02
  }

  TEST_CASE("throttle at 10 KB: an event with the limit, prices unchanged") {
    CHECK(run("throttle", data_kb(9)).rated.events.empty());
    for (int kb : {10, 11}) {
      outcome o = run("throttle", data_kb(kb));
      REQUIRE(o.rated.events.size() == 1);
      CHECK(o.rated.events[0].kind == event_kind::throttle);
      CHECK(o.rated.events[0].limit_kbps == 64);
      CHECK(o.charged == cny("0.01") * kb);
    }
  }

  TEST_CASE("bar when off-net minutes exceed 10: the trigger is rated, later calls rejected") {
    auto call = [](const char* id, int day, int seconds, const char* peer) {
      return fmt::format("{},s1,2012-07-{:02}T12:00:00+08:00,voice,{},,{}\n", id, day, seconds,
                         peer);
    };
    // 9 and 10 off-net minutes: no bar; a later call is rated.
    for (int minutes : {9, 10}) {
      outcome o =
          run("bar", call("c1", 3, minutes * 60, "13800000000") + call("c2", 4, 60, "13000000000"));
      CHECK(o.rated.rejects.empty());
      CHECK(o.rated.records.size() == 2);
    }
    // 10 minutes, then a 1-minute off-net call: it is the 11th minute, the trigger.
    outcome o = run("bar", call("c1", 3, 600, "13800000000") + call("c2", 4, 60, "+8613800000000") +
                               call("c3", 5, 60, "13000000000"));
    REQUIRE(o.rated.events.size() == 1);
    CHECK(o.rated.events[0].kind == event_kind::bar);
    CHECK(o.rated.events[0].record == "c2");
    CHECK(o.rated.events[0].counter == "11 min");
    CHECK(o.rated.records.size() == 2);  // c1 and c2 rated
    REQUIRE(o.rated.rejects.size() == 1);
    CHECK(o.rated.rejects[0].id == "c3");
    CHECK(o.rated.rejects[0].reason == reject_reason::barred);
    // On-net minutes do not count: 30 of them bar nothing.
    CHECK(run("bar", call("c1", 3, 1800, "13000000000")).rated.events.empty());
  }

  TEST_CASE("allowance_used at 85% of 10 KB: rounded up to the 9th KB") {
    CHECK(run("share", data_kb(8)).rated.events.empty());
    outcome at = run("share", data_kb(9));  // 85% x 10 KB = 8.5 KB -> 9 KB
    REQUIRE(at.rated.events.size() == 1);
    CHECK(at.rated.events[0].counter == "9 KB");
  }
}

TEST_SUITE("thresholds") {
  TEST_CASE("usage_fee scope: the product's own rates, or every usage charge of a service") {
    // The base tariff charges voice at 0.10/min. A product without rates of its own caps
    // voice fees at 0.30 with scope = "all"; with scope = "product" nothing is counted.
    const char* text = R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
voice = { increment = "1 min" }
[[rates]]
service = "voice"
price = "0.10"
per = "1 min"
[[products]]
id = "all"
kind = "plan"
code = 1
priority = 1
  [[products.thresholds]]
  counter = "usage_fee"
  service = "voice"
  scope = "all"
  at = "0.30"
  action = "cap"
[[products]]
id = "own"
kind = "plan"
code = 2
priority = 1
  [[products.thresholds]]
  counter = "usage_fee"
  at = "0.30"
  action = "cap"
)";
    rule_plan plan = rule_plan::compile(parse_catalog(text, "p.toml"));
    usage_batch usage = make_usage("c1,s1,2012-07-03T12:00:00+08:00,voice,300,\n");  // 5 min
    for (const auto& kase : {std::pair{"all", "0.30"}, std::pair{"own", "0.50"}}) {
      // Named variables, not a structured binding: CAPTURE's lambda cannot capture a
      // binding before clang 16 (P1091R3).
      const char* const product = kase.first;
      const char* const expected = kase.second;
      account_book book =
          make_book(plan, fmt::format("s1,2012-06-01T00:00:00+08:00,subscribe,{},,\n", product));
      rated_cycle r = rate_july(plan, book, usage);
      money total = money::zero(currency::parse("CNY"));
      for (const charge_part& p : r.parts) total += p.charge;
      CAPTURE(product);
      CHECK(total ==
            money::parse(expected, currency::parse("CNY")));  // capped at 0.30, or 5 x 0.10
    }
  }
}
