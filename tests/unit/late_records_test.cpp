// Late records of a closed cycle (D25, run/late_records.hpp): the closed cycle rated again,
// the difference on the open cycle's bill as adjustments, pass charges carried on (D23),
// adjustments counted as the open cycle's spend for points (D7). And the usage row a store
// keeps of a billed record reads back as the same record.
#include <doctest/doctest.h>

#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/late_records.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

const rule_plan& unicom_2019() {
  static const rule_plan plan =
      rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/unicom-2019.toml"));
  return plan;
}

std::vector<const usage_record*> pointers(const usage_batch& batch) {
  std::vector<const usage_record*> out;
  for (const usage_record& r : batch.records()) out.push_back(&r);
  return out;
}

}  // namespace

TEST_SUITE("late records") {
  TEST_CASE("a billed record's stored row parses back as the same record") {
    const usage_batch read = parse_usage_csv(
        "id,subscriber,time,service,quantity,country,region,peer,product\n"
        "\"r,1\",\"s \"\"one\"\"\",2019-07-01T10:00:00+05:30,vas,3,JP,Kanto,\"+81 3,1\",news\n",
        "in.csv");
    REQUIRE(read.records().size() == 1);
    const usage_record& r = read.records()[0];
    const std::string row = usage_row_to_csv(r);
    // The time as written (+05:30 kept), strings quoted where CSV needs it.
    CHECK(row ==
          "\"r,1\",\"s \"\"one\"\"\",2019-07-01T10:00:00+05:30,vas,3,JP,Kanto,\"+81 3,1\",news");
    const usage_batch back =
        parse_usage_csv(std::string(usage_csv_header()) + row + "\n", "stored.csv");
    REQUIRE(back.records().size() == 1);
    const usage_record& b = back.records()[0];
    CHECK(b.id == r.id);
    CHECK(b.subscriber == r.subscriber);
    CHECK(b.time == r.time);
    CHECK(b.written_offset_minutes == 330);
    CHECK(b.svc == r.svc);
    CHECK(b.quantity == r.quantity);
    CHECK(b.country == r.country);
    CHECK(b.region == r.region);
    CHECK(b.peer == r.peer);
    CHECK(b.product == r.product);
  }

  TEST_CASE("a late record's pass charge is adjusted on the open cycle, and not charged again") {
    // unicom-2019 roam-daily: 35.00 a local day with use in JP (Asian five). June 2019 was
    // closed with no record. July's run gets a, 00:30 on 1 July in Tokyo = 23:30 on 30 June
    // in Beijing: late for June. June rated again charges the Tokyo day 1 July (D23: on the
    // cycle of its first record), so July's bill carries an adjustment roam-daily pass of
    // June: 35.00. b, later that Tokyo day and in July, is covered: no pass line in July.
    const rule_plan& plan = unicom_2019();
    const account_book book =
        make_book(plan, "s1,2019-01-01T00:00:00+08:00,subscribe,roam-daily,,\n");
    const usage_batch june_billed = make_usage("");
    const usage_batch july_run = make_usage(
        "a,s1,2019-07-01T00:30:00+09:00,data,1024,JP\nb,s1,2019-07-01T20:00:00+09:00,data,1024,"
        "JP\n");
    const billing_cycle june =
        calendar_month_cycle(date::year(2019) / date::June, plan.home_zone());
    const billing_cycle july =
        calendar_month_cycle(date::year(2019) / date::July, plan.home_zone());

    // June as it was closed: its state after (nothing charged, points of June's spend).
    const batch_result june_closed =
        rate_batch(plan, book, june_billed, std::span(&june, 1), carried_book{}, 1);
    carried_book after_june;
    for (const carried_state& s : june_closed.carried) after_june.emplace(s.subscriber, s);
    REQUIRE(after_june.at("s1").passes.empty());

    late_cycle late{june, nullptr, pointers(june_billed), {&july_run.records()[0]}};
    const late_result rated = rate_late_records(plan, book, std::span(&late, 1));
    CHECK(rated.rated == 1);
    CHECK(rated.rejects.empty());
    REQUIRE(rated.adjustments.at("s1").size() == 1);
    const adjustment& a = rated.adjustments.at("s1")[0];
    CHECK(a.corrects == date::year(2019) / date::June);
    CHECK(a.product == "roam-daily");
    CHECK(a.adjusts == line_kind::pass);
    CHECK(a.amount == money::parse("35.00", a.amount.unit()));
    REQUIRE(rated.passes.at("s1").size() == 1);  // the Tokyo day 1 July

    carried_book from = after_june;
    add_late_pass_charges(from, rated, june.month);
    // b only: a was rated with June (the CLI drops rate_batch's outside_cycle reject of it).
    const usage_batch july_only = make_usage("b,s1,2019-07-01T20:00:00+09:00,data,1024,JP\n");
    const batch_result july_bills =
        rate_batch(plan, book, july_only, std::span(&july, 1), from, 1, rated.adjustments);
    REQUIRE(july_bills.bills.size() == 1);
    const bill& b = july_bills.bills[0];
    std::vector<std::string> kinds;
    for (const bill_line& l : b.lines) kinds.push_back(std::string(to_string(l.kind)));
    CHECK(std::count(kinds.begin(), kinds.end(), "pass") == 0);  // the day is charged in June
    REQUIRE(b.lines.back().kind == line_kind::adjustment);
    CHECK(b.lines.back().corrects == date::year(2019) / date::June);
    CHECK(b.lines.back().adjusts == line_kind::pass);
    CHECK(b.lines.back().amount == money::parse("35.00", b.money_unit));
    // D25 with D7: the adjustment is July's spend (unicom-2019 counts pass; 1 point per
    // whole yuan): July's only charge is the 35.00 adjustment, so July earns 35 points.
    CHECK(b.total == money::parse("35.00", b.money_unit));
    REQUIRE(b.points);
    CHECK(b.points->earned == 35);
  }

  TEST_CASE("no difference, no adjustment: a late record the allowance covers") {
    // gprs-20 (cmcc-2012): 150 MB of home data. July billed 1 MB; a late 1 MB of July is
    // still inside the allowance: the usage lines stay 0.00, so nothing is adjusted.
    const rule_plan plan =
        rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
    const account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,\n");
    const usage_batch billed = make_usage("x,s1,2012-07-02T10:00:00+08:00,data,1048576,\n");
    const usage_batch late_one = make_usage("y,s1,2012-07-03T10:00:00+08:00,data,1048576,\n");
    late_cycle late{calendar_month_cycle(date::year(2012) / date::July, plan.home_zone()), nullptr,
                    pointers(billed), pointers(late_one)};
    const late_result rated = rate_late_records(plan, book, std::span(&late, 1));
    CHECK(rated.rated == 1);
    CHECK(rated.adjustments.empty());
  }
}
