// account_biller (biller.hpp): every run finishes its bills in one place, so explain shows
// the bill `rate` gives, points and the overflow fallback included.
#include <doctest/doctest.h>

#include <string>

#include "ratel/run/testing.hpp"

using ratel::testing::scenario;

TEST_SUITE("biller") {
  TEST_CASE("explain shows the points statement of the bill rate makes (D7)") {
    // icecream-198 from 2019-03-01 00:00, the first instant of the cycle: a full month is
    // never prorated (D4), so March bills 198.00 in fees. D7: 1 point per whole yuan of
    // fee, pack, usage and pass lines, fractions dropped: 198 points earned on March's
    // bill, credited at the next cycle start; the ledger starts empty, so the balance at
    // the end of March is 0.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/unicom-2019.toml");
    s.account("u1,2019-03-01T00:00:00+08:00,join,,,").account("u1,2019-03-01T00:00:00+08:00,subscribe,icecream-198,,");
    const ratel::bill b = s.bill_of("u1", "2019-03");
    REQUIRE(b.points.has_value());
    CHECK(b.total == s.amount("198.00"));
    CHECK(b.points->earned == 198);
    CHECK(b.points->balance == 0);
    const std::string text = s.explain("u1", "2019-03");
    CHECK(text.find("points (D7): earned 198 on this bill (credited at a later cycle start), credited 0, "
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
}
