// Disputes through testing.hpp: issue 7's worked checks, explain's account of every fen,
// and line matching.
#include <doctest/doctest.h>

#include "ratel/io/bill_writer.hpp"
#include "ratel/run/testing.hpp"

using ratel::testing::scenario;

namespace {

// gprs-20 for all of July 2012 with 180 MB of daytime data: 150 MB included, 30 MB =
// 30,720 KB at 0.01 = 307.20 (D6); total 327.20.
scenario july_180mb() {
  scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
  s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
      .usage("d1,s1,2012-07-10T10:00:00+08:00,data,188743680");
  return s;
}

const char* charged_double =
    "subscriber,cycle,product,kind,amount\n"
    "s1,2012-07,gprs-20,fee,20.00\n"
    "s1,2012-07,gprs-20,usage,614.40\n";  // 30,720 KB at 0.02

}  // namespace

TEST_SUITE("dispute") {
  TEST_CASE("worked check: usage charged at 0.02/KB is overcharged 307.20, refunded 614.40") {
    scenario s = july_180mb();
    ratel::dispute_report r = s.rerate(charged_double);
    CHECK(r.overcharge == s.amount("307.20"));  // 614.40 - 307.20
    CHECK(r.undercharge == s.amount("0.00"));
    CHECK(r.refund_due.principal == s.amount("307.20"));
    CHECK(r.refund_due.double_part == s.amount("307.20"));
    CHECK(r.refund_due.total == s.amount("614.40"));  // 2 x overcharge (D14)
    CHECK(r.refund_due.form == "account_credit");
    CHECK(r.refund_due.credited_now == s.amount("0.00"));  // nothing before verification
    CHECK(r.refund_due.pending_verification == s.amount("614.40"));
    ratel::dispute_report pre = s.rerate(charged_double, {.pre_refund = true});
    CHECK(pre.refund_due.credited_now == s.amount("307.20"));  // the principal now (R-REF-03)
    CHECK(pre.refund_due.pending_verification == s.amount("307.20"));
    ratel::dispute_report verified =
        s.rerate(charged_double, {.pre_refund = true, .verified = true});
    CHECK(verified.refund_due.credited_now == s.amount("614.40"));
  }

  TEST_CASE("worked check: a correct bill (ratel's own JSON) has nothing to refund") {
    scenario s = july_180mb();
    const std::string own = ratel::bills_to_json(s.rate("2012-07").bills);
    ratel::dispute_report r = s.rerate(own);
    CHECK(r.overcharge.is_zero());
    CHECK(r.undercharge.is_zero());
    CHECK(r.refund_due.total.is_zero());
    CHECK(r.disputed_total == s.amount("327.20"));
    CHECK(r.recomputed_total == s.amount("327.20"));
  }

  TEST_CASE("worked check: charged 10.00 less is an undercharge, no refund") {
    scenario s = july_180mb();
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,gprs-20,fee,20.00\n"
        "s1,2012-07,gprs-20,usage,297.20\n");
    CHECK(r.undercharge == s.amount("10.00"));  // 307.20 - 297.20, reported, never billed back
    CHECK(r.overcharge.is_zero());
    CHECK(r.refund_due.total.is_zero());
  }

  TEST_CASE("lines sharing (product, kind) are matched in amount order; strays compare with 0") {
    // gprs-20 with peak and off-peak usage: two usage lines. The disputed bill lists them
    // in the other order, with the off-peak one 1.00 too high, and adds a bogus fee.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .usage("a,s1,2012-07-02T12:00:00+08:00,data,157286400")  // the whole 150 MB
        .usage("p,s1,2012-07-03T12:00:00+08:00,data,10485760")   // 10 MB peak: 102.40
        .usage("o,s1,2012-07-03T23:30:00+08:00,data,1048576");   // 1 MB off-peak: 5.12
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,gprs-20,usage,102.40\n"
        "s1,2012-07,gprs-20,usage,6.12\n"
        "s1,2012-07,gprs-20,fee,20.00\n"
        "s1,2012-07,cmcc-2012,fee,9.99\n");
    // usage: 6.12 against 5.12 (smallest with smallest), 102.40 against 102.40.
    CHECK(r.overcharge == s.amount("10.99"));  // 1.00 + the stray 9.99 (nothing recomputed)
    REQUIRE(r.lines.size() == 4);
    CHECK_FALSE(r.lines.back().recomputed.has_value());
    CHECK(r.refund_due.total == s.amount("21.98"));
  }

  TEST_CASE("explain accounts for every fen of the thresholds issue's worked bills") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,");
    for (int i = 1; i <= 4; ++i)  // 4 x 100 MB: the 400 MB check, capped at 500.00
      s.usage(fmt::format("d{},s1,2012-07-{:02}T10:00:00+08:00,data,104857600", i, 7 * i - 5));
    const std::string text = s.explain("s1", "2012-07");
    CAPTURE(text);
    // Each line with its amount and how it was made, then the total as their sum.
    CHECK(text.find("fee   gprs-20  20.00: 20.00 per cycle") != std::string::npos);
    CHECK(text.find("d2  2012-07-09T10:00:00+08:00  50000 KB = 50000 x 0.01 = 500.00") !=
          std::string::npos);
    CHECK(text.find("1200 KB = 1200 x 0.01 = 12.00 capped to 0.00") != std::string::npos);
    CHECK(text.find("sum 500.00 rounded to 2 decimals half_up = 500.00") != std::string::npos);
    CHECK(text.find("total 520.00 = 20.00 + 0.00 + 500.00 + 0.00") != std::string::npos);
    // One record's path: split at the allowance's end and at the cap.
    const std::string d2 = s.explain("s1", "2012-07", "d2");
    CHECK(d2.find("30 MB drawn from gprs-20's allowance") != std::string::npos);
    CHECK(d2.find("crossed gprs-20 fee cap (cap)") != std::string::npos);
  }

  TEST_CASE("explain, 160 MB: 102.40 is 10,240 KB at 0.01, and the total is the sum") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .usage("d,s1,2012-07-02T10:00:00+08:00,data,167772160");
    const std::string text = s.explain("s1", "2012-07");
    CAPTURE(text);
    CHECK(text.find("10 MB = 10240 x 0.01 = 102.40") != std::string::npos);
    CHECK(text.find("total 122.40 = 20.00 + 0.00 + 102.40") != std::string::npos);
  }
}
