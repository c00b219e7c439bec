// Conventions ratel relies on beyond D1..D28 (docs/conventions.md): a test for each that no
// other test pins. Catalogs: the shipped ones, through testing.hpp, and rating_fixture's.
#include <doctest/doctest.h>

#include <string>

#include "ratel/run/testing.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;
using ratel::testing::scenario;

namespace {

scenario cmcc() {
  return scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
}

std::size_t count_kind(const bill& b, event_kind kind) {
  std::size_t n = 0;
  for (const bill_event& e : b.events) n += e.what.kind == kind ? 1 : 0;
  return n;
}

}  // namespace

TEST_SUITE("conventions") {
  TEST_CASE("records at one instant are rated by id compared as bytes: r10 before r9") {
    // rating_fixture's plan-a has a 100 KB allowance. r9 and r10, 60 KB each, at one second:
    // "r10" < "r9" byte by byte ('1' < '9'), so r10 is rated first and drawn whole; r9 gets
    // the other 40 KB and pays for 20 KB.
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n");
    usage_batch usage = make_usage(
        "r9,s1,2012-07-03T12:00:00+08:00,data,61440,\n"
        "r10,s1,2012-07-03T12:00:00+08:00,data,61440,\n");
    rated_cycle r = rate_july(plan, book, usage);
    REQUIRE(r.records.size() == 2);
    CHECK(r.records[0].record->id == "r10");
    CHECK(r.records[0].part_count == 1);
    CHECK(r.records[1].record->id == "r9");
    CHECK(r.records[1].part_count == 2);
  }

  TEST_CASE("an account line applies before a usage record at the same instant") {
    // gprs-20 (D6): data is cut off at 15 GB. d1 (16 GB) crosses it at 10:00:00. A
    // reactivate_data written at that same second applies before d1 is rated, when data is
    // not cut off yet: refused. One second later it lifts the cut-off.
    struct request_at {
      const char* second;
      std::size_t refused, reactivated;
    };
    for (const request_at r : {request_at{"00", 1, 0}, request_at{"01", 0, 1}}) {
      scenario s = cmcc();
      s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
          .account(std::string("s1,2012-07-02T10:00:") + r.second + "+08:00,reactivate_data,,,")
          .usage("d1,s1,2012-07-02T10:00:00+08:00,data,17179869184");
      const bill b = s.bill_of("s1", "2012-07");
      CAPTURE(r.second);
      CHECK(count_kind(b, event_kind::cut_off) == 1);
      CHECK(count_kind(b, event_kind::refused) == r.refused);
      CHECK(count_kind(b, event_kind::reactivated) == r.reactivated);
    }
  }

  TEST_CASE("subscribe_next_cycle at 00:00 on the 1st starts the month after") {
    // 2012-07-01 00:00 is in July (D3: the start is included), so its next cycle is August:
    // no gprs-20 in July, the whole 20.00 in August.
    scenario s = cmcc();
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .account("s1,2012-07-01T00:00:00+08:00,subscribe_next_cycle,gprs-20,,");
    CHECK(s.bill_of("s1", "2012-07").total == s.amount("0.00"));
    CHECK(s.bill_of("s1", "2012-08").total == s.amount("20.00"));
  }

  TEST_CASE("a product ended and ordered again on one day: each order pays that day") {
    // vas-news (5.00, 72 h free on the first order in a month, actual_days): ordered
    // 5 July 09:00, ended 10 July 10:00 (immediately): charged 8..10 July, 3 days:
    // 5 x 3/31 = 0.4838 -> 0.48. Ordered again 10 July 15:00: not the first order of July,
    // no window: 10..31 July, 22 days: 5 x 22/31 = 3.5483 -> 3.55. 10 July is in both.
    scenario s = cmcc();
    s.account("s1,2012-07-05T09:00:00+08:00,subscribe,vas-news,,")
        .account("s1,2012-07-10T10:00:00+08:00,unsubscribe,vas-news,,")
        .account("s1,2012-07-10T15:00:00+08:00,subscribe,vas-news,,");
    const bill b = s.bill_of("s1", "2012-07");
    REQUIRE(b.lines.size() == 2);
    CHECK(b.lines[0].amount == s.amount("0.48"));
    CHECK(b.lines[1].amount == s.amount("3.55"));
    CHECK(b.total == s.amount("4.03"));
  }

  TEST_CASE("a pass day is chargeable only through a record with a quantity") {
    // intl-daypass (D10): 88.00 for each Beijing day with roaming data while it is held. A
    // 0-byte record in KR on 3 July makes no use; 1 KB on 4 July does: one day, 88.00.
    scenario s = cmcc();
    s.account("s1,2012-07-01T09:00:00+08:00,subscribe,intl-daypass,,")
        .usage("z,s1,2012-07-03T10:00:00+08:00,data,0,KR")
        .usage("u,s1,2012-07-04T10:00:00+08:00,data,1024,KR");
    const bill b = s.bill_of("s1", "2012-07");
    std::size_t pass_lines = 0;
    for (const bill_line& l : b.lines) pass_lines += l.kind == line_kind::pass ? 1 : 0;
    CHECK(pass_lines == 1);
    CHECK(b.total == s.amount("88.00"));
  }

  TEST_CASE("ids are exact bytes: r1, R1 and 'r1 ' are three records, each charged") {
    // Base tariff (join): 1 KB at 0.01 each; nothing folds case or trims spaces.
    scenario s = cmcc();
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .usage("r1,s1,2012-07-02T10:00:00+08:00,data,1024")
        .usage("R1,s1,2012-07-02T10:00:00+08:00,data,1024")
        .usage("r1 ,s1,2012-07-02T10:00:00+08:00,data,1024");
    CHECK(s.rate("2012-07").duplicates.empty());
    CHECK(s.bill_of("s1", "2012-07").total == s.amount("0.03"));
  }

  TEST_CASE("a one-off pack ordered for the next cycle is billed in the cycle it starts") {
    // data-topup-3 (3.00 per order, 10 MB to the end of its cycle), subscribe_next_cycle on
    // 20 July: it starts on 1 August, so its 3.00 is on August's bill, not July's.
    scenario s = cmcc();
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .account("s1,2012-07-20T10:00:00+08:00,subscribe_next_cycle,data-topup-3,,");
    CHECK(s.bill_of("s1", "2012-07").total == s.amount("20.00"));
    CHECK(s.bill_of("s1", "2012-08").total == s.amount("23.00"));
  }

  TEST_CASE("a fraction of a second is dropped: 23:59:59.999 on the 31st is in July") {
    // Base tariff: 1 KB at 0.01 in July. A record at 2012-07-31T23:59:59.999+08:00 belongs
    // to the second it started in, July's last: rated in July, nothing in August.
    scenario s = cmcc();
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .usage("r,s1,2012-07-31T23:59:59.999+08:00,data,1024");
    const batch_result july = s.rate("2012-07");
    CHECK(july.rejects.empty());
    CHECK(s.bill_of("s1", "2012-07").total == s.amount("0.01"));
  }

  TEST_CASE("a pass ordered without a country is not refused for a country it is not sold for") {
    // intl-pass-3d is not sold for JP, PH, ID (D12), which is checked against the order's
    // `country`. Ordered without one, it stands; with JP it is refused.
    scenario with = cmcc(), without = cmcc();
    with.account("s1,2012-07-02T10:00:00+08:00,subscribe,intl-pass-3d,,,JP");
    without.account("s1,2012-07-02T10:00:00+08:00,subscribe,intl-pass-3d,,");
    CHECK(count_kind(with.bill_of("s1", "2012-07"), event_kind::refused) == 1);
    CHECK(count_kind(without.bill_of("s1", "2012-07"), event_kind::refused) == 0);
  }

  TEST_CASE("a close ends a plan at once: its fee is prorated to the close's day") {
    // gprs-20 (actual_days) closed on 10 July 12:00: held 1..10 July, 10 of 31 days:
    // 20.00 x 10/31 = 6.4516 -> 6.45, though an unsubscribe would bill July in full (D5).
    scenario s = cmcc();
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .account("s1,2012-07-10T12:00:00+08:00,close,,,");
    CHECK(s.bill_of("s1", "2012-07").total == s.amount("6.45"));
  }

  TEST_CASE("a deposit and a close at one instant: the deposit first (D21), its credit issued") {
    // deposit-100 (D16): 20.00 + 2.00 at once. At the close's instant the deposit applies
    // first, so its at-once credit is due before the account closes; nothing after.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/unicom-2015.toml");
    s.account("s1,2015-02-10T11:00:00+08:00,close,,,")
        .account("s1,2015-02-10T11:00:00+08:00,deposit,deposit-100,100,");
    const bill feb = s.bill_of("s1", "2015-02");
    CHECK(feb.total == s.amount("-22.00"));
    CHECK(count_kind(feb, event_kind::refused) == 0);
  }

  TEST_CASE("a redemption at the close's instant comes before it (D21)") {
    // unicom-2019 (D7): joined 2019-01-20, icecream-198 from then. January's bill earns
    // points credited on 1 February; tenure is complete on 2019-07-20. A redemption of 10
    // at the very instant of the close applies before the close forfeits the rest.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/unicom-2019.toml");
    s.account("s1,2019-01-20T10:00:00+08:00,join,,,")
        .account("s1,2019-01-20T10:00:00+08:00,subscribe,icecream-198,,")
        .account("s1,2019-08-10T10:00:00+08:00,close,,,")
        .account("s1,2019-08-10T10:00:00+08:00,redeem_points,,10,");
    const batch_result run = s.rate("2019-01..2019-08");
    const bill* august = nullptr;
    for (const bill& b : run.bills)
      if (b.cycle == date::year(2019) / date::August) august = &b;
    REQUIRE(august != nullptr);
    REQUIRE(august->points.has_value());
    CHECK(august->points->redeemed == 10);
    CHECK(count_kind(*august, event_kind::refused) == 0);
  }
}
