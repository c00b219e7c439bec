// Bills (bill.hpp): line grouping, D2 rounding, totals, JSON shape.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "ratel/bill.hpp"
#include "ratel/io/bill_writer.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

TEST_SUITE("bill") {
  TEST_CASE("D2: charges are summed per line at full precision, then each line is rounded") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n");
    // After the 100 KB allowance, three off-peak records of 1 KB at 0.005 = 0.015 in all:
    // one line, rounded half-up to 0.02 (rounding each record would have given 0.03).
    usage_batch usage = make_usage(
        "all,s1,2012-07-02T12:00:00+08:00,data,102400,\n"
        "n1,s1,2012-07-03T23:10:00+08:00,data,1024,\n"
        "n2,s1,2012-07-03T23:20:00+08:00,data,1024,\n"
        "n3,s1,2012-07-03T23:30:00+08:00,data,1024,\n");
    bill b = make_bill(plan, rate_july(plan, book, usage));
    const currency cny = currency::parse("CNY");
    REQUIRE(b.lines.size() == 3);  // fee, allowance, off-peak usage
    CHECK(b.lines[0].kind == line_kind::fee);
    CHECK(b.lines[0].amount == money::parse("20.00", cny));
    CHECK(b.lines[1].kind == line_kind::allowance);
    CHECK(b.lines[1].used == quantity::parse("100 KB"));
    CHECK(b.lines[2].kind == line_kind::usage);
    CHECK(b.lines[2].band == "off_peak");
    CHECK(b.lines[2].used == quantity::parse("3 KB"));
    CHECK(b.lines[2].amount == money::parse("0.02", cny));
    CHECK(b.total == money::parse("20.02", cny));  // the sum of the rounded lines
  }

  TEST_CASE("JSON: amounts are strings with two decimals: members in contract order") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-b,,\n");
    usage_batch usage = make_usage("");
    std::string json = bills_to_json({make_bill(plan, rate_july(plan, book, usage))});
    CHECK(json.find("\"amount\": \"50.00\"") != std::string::npos);
    CHECK(json.find("\"total\": \"50.00\"") != std::string::npos);
    CHECK(json.find("\"cycle\": \"2012-07\"") != std::string::npos);
    CHECK(json.find("\"subscriber\"") < json.find("\"cycle\""));
    CHECK(json.find("\"lines\"") < json.find("\"total\""));
    CHECK(json.find("\"total\"") < json.find("\"events\""));
  }

  // bill.cpp writes bill JSON directly (no document built); nlohmann::ordered_json's
  // dump(2) is the oracle for the bytes: escapes (quote, backslash, \b \f \n \r \t,
  // other control characters as \u00xx), UTF-8 and DEL as they are, empty arrays as [],
  // nested arrays and objects, integers, members in contract order.
  TEST_CASE("JSON: a character to escape anywhere in a string, eight bytes at a time or not") {
    // The writer copies runs of plain bytes eight at a time: each character that must be
    // escaped (or is not ASCII), put at every offset from 0 to 19 of a 24-byte string of
    // plain bytes, gives nlohmann's bytes.
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-b,,\n");
    bill b = make_bill(plan, rate_july(plan, book, make_usage("")));
    for (const std::string special :
         {"\"", "\\", "\x01", "\x1f", "\t", "\n", "\x7f", "\xe4\xb8\xad", "~", " "})
      for (std::size_t at = 0; at < 20; ++at) {
        std::string text(24, 'a');
        text.replace(at, 1, special);
        b.subscriber = text;
        const std::string json = bill_to_json(b);
        CHECK_MESSAGE(
            json.find("\"subscriber\": " + nlohmann::json(text).dump() + ",") != std::string::npos,
            "at ", at);
      }
  }

  TEST_CASE("JSON: the direct writer gives the bytes of nlohmann's dump for hostile strings") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-b,,\n");
    bill b = make_bill(plan, rate_july(plan, book, make_usage("")));
    const std::string hostile = "q\"b\\s/\x01\x1f\t\n\r\b\f \xe4\xb8\xad\xe6\x96\x87 \x7f end";
    b.subscriber = hostile;
    REQUIRE(!b.lines.empty());
    b.lines[0].description = hostile;
    b.lines[0].records = {"r1", hostile};
    event e;
    e.kind = event_kind::throttle;
    e.product = "plan-b";
    e.reason = hostile;
    e.limit_kbps = 3072;
    b.events.push_back({"2012-07-02T10:00:00+08:00", e});
    points_statement p;
    p.earned = 12;
    p.credited = 3;
    p.balance = -1;
    p.cohorts.push_back({date::year(2012) / date::June, 3, 2, date::year(2015) / date::May});
    b.points = p;

    nlohmann::ordered_json j;
    j["subscriber"] = b.subscriber;
    j["cycle"] = "2012-07";
    j["currency"] = std::string(b.money_unit.code());
    nlohmann::ordered_json lines = nlohmann::ordered_json::array();
    for (const bill_line& l : b.lines) {
      nlohmann::ordered_json line;
      line["product"] = l.product;
      line["kind"] = std::string(to_string(l.kind));
      line["description"] = l.description;
      line["amount"] = l.amount.to_string();
      if (l.svc) line["service"] = std::string(to_string(*l.svc));
      if (!l.country.empty()) line["country"] = l.country;
      if (!l.band.empty()) line["band"] = l.band;
      if (l.used) line["quantity"] = l.used->to_string();
      if (l.size) line["allowance"] = l.size->to_string();
      if (!l.rate.empty()) line["rate"] = l.rate;
      if (!l.records.empty()) line["records"] = l.records;
      lines.push_back(line);
    }
    j["lines"] = lines;
    j["total"] = b.total.to_string();
    j["events"] =
        nlohmann::ordered_json::array({nlohmann::ordered_json{{"time", "2012-07-02T10:00:00+08:00"},
                                                              {"kind", "throttle"},
                                                              {"product", "plan-b"},
                                                              {"limit_kbps", 3072},
                                                              {"reason", hostile}}});
    j["points"] = nlohmann::ordered_json{
        {"earned", 12},
        {"credited", 3},
        {"redeemed", 0},
        {"expired", 0},
        {"forfeited", 0},
        {"balance", -1},
        {"cohorts",
         nlohmann::ordered_json::array({nlohmann::ordered_json{{"credited", "2012-06"},
                                                               {"points", 3},
                                                               {"remaining", 2},
                                                               {"expires", "2015-05-31"}}})}};
    CHECK(bill_to_json(b) == j.dump(2) + "\n");
    // As an element of the array, every line is indented two more spaces.
    std::string element = "  " + j.dump(2);
    for (std::size_t at = element.find('\n'); at != std::string::npos;
         at = element.find('\n', at + 3))
      element.insert(at + 1, "  ");
    CHECK(bills_to_json({b}) == "[\n" + element + "\n]\n");
    b.lines.clear();
    b.events.clear();
    CHECK(bill_to_json(b).find("\"lines\": [],") != std::string::npos);
  }

  TEST_CASE("CSV quotes fields with commas and ends each bill with a total row") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,plan-b,,\n");
    usage_batch usage = make_usage("v,s1,2012-07-02T12:00:00+08:00,voice,60,\n");
    std::string csv = bills_to_csv({make_bill(plan, rate_july(plan, book, usage))});
    CHECK(csv.find("\"voice in CN, peak band: 1 min at 0.19 per 1 min\",0.19\n") !=
          std::string::npos);
    CHECK(csv.find("s1,2012-07,,total,,,,,,,50.19\n") != std::string::npos);  // 50.00 + 0.19
  }
}

TEST_SUITE("bill") {
  TEST_CASE("the part reaching a cap is billed on its rate's line, so the bill keeps to the cap") {
    // 0.025/KB toward a 0.10 cap, one record of 5 KB: 3 KB = 0.075, the 4th KB reaches the
    // cap and pays 0.025, the 5th is waived. On one line: 0.100 -> 0.10. Split over two
    // lines it would be 0.075 -> 0.08 and 0.025 -> 0.03: 0.11, a fen over the cap.
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
  price = "0.025"
  per = "1 KB"
  [[products.thresholds]]
  counter = "usage_fee"
  at = "0.10"
  action = "cap"
)";
    rule_plan plan = rule_plan::compile(parse_catalog(text, "p.toml"));
    account_book book = make_book(plan, "s1,2012-06-01T00:00:00+08:00,subscribe,p,,\n");
    usage_batch usage = make_usage("r1,s1,2012-07-03T12:00:00+08:00,data,5120,\n");
    bill b = make_bill(plan, rate_july(plan, book, usage));
    REQUIRE(b.lines.size() == 2);
    CHECK(b.lines[0].used == quantity::parse("4 KB"));  // 3 KB in full + the KB reaching the cap
    CHECK(b.lines[0].amount == money::parse("0.10", currency::parse("CNY")));
    CHECK(b.lines[1].used == quantity::parse("1 KB"));  // waived
    CHECK(b.lines[1].amount.is_zero());
    CHECK(b.total == money::parse("0.10", currency::parse("CNY")));
  }
}
