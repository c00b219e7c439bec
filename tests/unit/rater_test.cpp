// Rating one subscriber's cycle (rater.hpp). The catalog is rating_fixture.hpp's.
#include <doctest/doctest.h>

#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

// The product whose bucket a part drew from.
std::string bucket_product(const rule_plan& plan, const rated_cycle& r, const charge_part& p) {
  return plan.product_at(r.buckets[p.bucket].product).source->id;
}

}  // namespace

TEST_SUITE("rater") {
  TEST_CASE("D13: higher priority first, then smaller code: a record crossing a bucket is split") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n"
                                  "s1,2012-06-01T00:00:00+08:00,subscribe,pack-low-code,,\n"
                                  "s1,2012-07-02T00:00:00+08:00,subscribe,topup,,\n");
    // 150 KB at noon: topup (priority 800) 10 KB, then pack-low-code (500, code 1995) 30 KB,
    // then plan-a (500, code 2020) 100 KB, then 10 KB charged at the base 0.01/KB = 0.10.
    usage_batch usage = make_usage("r1,s1,2012-07-03T12:00:00+08:00,data,153600,\n");
    rated_cycle r = rate_july(plan, book, usage);
    REQUIRE(r.records.size() == 1);
    auto parts = r.parts_of(r.records[0]);
    REQUIRE(parts.size() == 4);
    CHECK(bucket_product(plan, r, parts[0]) == "topup");
    CHECK(parts[0].amount == quantity::parse("10 KB"));
    CHECK(bucket_product(plan, r, parts[1]) == "pack-low-code");
    CHECK(parts[1].amount == quantity::parse("30 KB"));
    CHECK(bucket_product(plan, r, parts[2]) == "plan-a");
    CHECK(parts[2].amount == quantity::parse("100 KB"));
    CHECK(parts[3].from == charge_part::source::rate);
    CHECK(parts[3].units == 10);
    CHECK(parts[3].charge == money::parse("0.10", currency::parse("CNY")));
    CHECK_FALSE(parts[3].rate_owner.has_value());  // plan-a has no peak rate: the base tariff
  }

  TEST_CASE("D13: equal priority and code, the earlier start is drawn first") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-02T00:00:00+08:00,subscribe,topup,,\n"
                                  "s1,2012-07-01T00:00:00+08:00,subscribe,topup,,\n");
    usage_batch usage = make_usage("r1,s1,2012-07-03T12:00:00+08:00,data,15360,\n");  // 15 KB
    rated_cycle r = rate_july(plan, book, usage);
    auto parts = r.parts_of(r.records[0]);
    REQUIRE(parts.size() == 2);
    // The instance ordered on 1 July is drawn whole (10 KB), then 5 KB of the 2 July one.
    CHECK(r.buckets[parts[0].bucket].valid_from == at("2012-07-01T00:00:00+08:00"));
    CHECK(parts[0].units == 10);
    CHECK(r.buckets[parts[1].bucket].valid_from == at("2012-07-02T00:00:00+08:00"));
    CHECK(parts[1].units == 5);
  }

  TEST_CASE("D1: quantities round up to whole increments before anything else") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-01-01T00:00:00+08:00,join,,,\n");
    usage_batch usage = make_usage(
        "d,s1,2012-07-03T12:00:00+08:00,data,1025,\n"  // 1025 B -> 2 KB -> 0.02
        "v,s1,2012-07-03T12:00:00+08:00,voice,61,\n"   // 61 s -> 2 min -> 0.38
        "z,s1,2012-07-03T12:00:00+08:00,voice,0,\n");  // 0 s -> nothing to charge
    rated_cycle r = rate_july(plan, book, usage);
    REQUIRE(r.records.size() == 3);
    // (time, id) order: d, v, z.
    CHECK(r.records[0].rated == quantity::parse("2 KB"));
    CHECK(r.parts_of(r.records[0])[0].charge.micros() == 20'000);
    CHECK(r.records[1].rated == quantity::parse("2 min"));
    CHECK(r.parts_of(r.records[1])[0].charge.micros() == 380'000);
    CHECK(r.records[2].part_count == 0);
  }

  TEST_CASE("records are rated in (time, id) order whatever the input order") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n");
    // Both at the same second, 60 KB each; the allowance (100 KB) covers "a" whole and
    // 40 KB of "b", whichever order the file has.
    for (const char* body : {"b,s1,2012-07-03T12:00:00+08:00,data,61440,\na,s1,2012-07-03T12:00:00+"
                             "08:00,data,61440,\n",
                             "a,s1,2012-07-03T12:00:00+08:00,data,61440,\nb,s1,2012-07-03T12:00:00+"
                             "08:00,data,61440,\n"}) {
      usage_batch usage = make_usage(body);
      rated_cycle r = rate_july(plan, book, usage);
      REQUIRE(r.records.size() == 2);
      CHECK(r.records[0].record->id == "a");
      CHECK(r.records[0].part_count == 1);
      CHECK(r.records[1].record->id == "b");
      REQUIRE(r.records[1].part_count == 2);
      CHECK(r.parts_of(r.records[1])[1].units == 20);  // 60 - 40 KB charged
    }
  }

  TEST_CASE("an allowance is valid only from the subscription start") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-07-10T10:00:00+08:00,subscribe,plan-a,,\n");
    usage_batch usage = make_usage(
        "early,s1,2012-07-10T09:59:59+08:00,data,1024,\n"   // one second before: charged 0.01
        "late,s1,2012-07-10T10:00:00+08:00,data,1024,\n");  // at the start: from the allowance
    rated_cycle r = rate_july(plan, book, usage);
    REQUIRE(r.records.size() == 2);
    CHECK(r.parts_of(r.records[0])[0].from == charge_part::source::rate);
    CHECK(r.parts_of(r.records[1])[0].from == charge_part::source::allowance);
  }

  TEST_CASE("the rate of the held product's band applies beyond the allowance") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n");
    usage_batch usage = make_usage(
        "all,s1,2012-07-02T12:00:00+08:00,data,102400,\n"    // uses the 100 KB allowance
        "night,s1,2012-07-03T23:30:00+08:00,data,3072,\n");  // off-peak: plan-a's 0.005/KB
    rated_cycle r = rate_july(plan, book, usage);
    const charge_part& night = r.parts_of(r.records[1])[0];
    CHECK(night.rate_owner == plan.product_index("plan-a"));
    CHECK(night.charge.micros() == 15'000);  // 3 KB x 0.005 = 0.015, kept unrounded
  }

  TEST_CASE("a record no rate can finish is rejected whole and draws nothing") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,roam-pack,,\n");
    // 15 KB in KR: roam-pack covers 10 KB, and no rate prices roaming data in this catalog.
    usage_batch usage = make_usage("kr,s1,2012-07-03T12:00:00+08:00,data,15360,KR\n");
    rated_cycle r = rate_july(plan, book, usage);
    CHECK(r.records.empty());
    REQUIRE(r.rejects.size() == 1);
    CHECK(r.rejects[0].reason == reject_reason::no_rate);
    REQUIRE(r.buckets.size() == 1);
    CHECK(r.buckets[0].remaining == quantity::parse("10 KB"));  // nothing drawn
  }

  TEST_CASE("semantic rejects: unknown subscriber, closed account, unknown country") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-01-01T00:00:00+08:00,join,,,\n"
                                  "s1,2012-07-10T00:00:00+08:00,close,,,\n");
    usage_batch usage = make_usage(
        "x,s1,2012-07-09T23:59:59+08:00,data,1024,\n"      // before the close: rated
        "y,s1,2012-07-10T00:00:00+08:00,data,1024,\n"      // at the close: rejected
        "z,s1,2012-07-05T00:00:00+08:00,data,1024,JP\n");  // JP is not in the catalog
    rated_cycle r = rate_july(plan, book, usage);
    CHECK(r.records.size() == 1);
    REQUIRE(r.rejects.size() == 2);
    CHECK(r.rejects[0].reason == reject_reason::unknown_country);  // z comes first in time
    CHECK(r.rejects[1].reason == reject_reason::account_closed);
    rated_cycle stranger = rate_july(plan, book, usage, "nobody");
    CHECK(stranger.rejects.size() == 3);
    CHECK(stranger.rejects[0].reason == reject_reason::unknown_subscriber);
  }

  TEST_CASE("fees: a recurring fee per cycle active, a one-off fee in the cycle of the order") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n"
                                  "s1,2012-06-20T00:00:00+08:00,subscribe,topup,,\n"
                                  "s1,2012-07-20T00:00:00+08:00,subscribe,topup,,\n");
    usage_batch usage = make_usage("");
    rated_cycle r = rate_july(plan, book, usage);
    REQUIRE(r.fees.size() == 2);  // plan-a 20.00 and the July topup 3.00; not June's topup
    CHECK(r.fees[0].amount == money::parse("20.00", currency::parse("CNY")));
    CHECK(r.fees[1].amount == money::parse("3.00", currency::parse("CNY")));
    CHECK(r.fees[1].basis == fee_basis::per_order);
  }
}
