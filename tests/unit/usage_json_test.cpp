// A usage record as a JSON message (io/usage_json.hpp): the fields of a usage file's row,
// checked by the same code with the same reasons and words; a bad message is a reject,
// never an exception.
#include <doctest/doctest.h>

#include <string>

#include "ratel/io/usage_csv.hpp"
#include "ratel/io/usage_json.hpp"

using namespace ratel;

namespace {

// The one reject of a message, as "reason: detail".
std::string rejected(const std::string& message) {
  const usage_batch b = parse_usage_json(message, "usage/0", 7);
  REQUIRE(b.records().empty());
  REQUIRE(b.rejects().size() == 1);
  CHECK(b.rejects()[0].line == 7);
  CHECK(b.rows_read() == 1);
  return std::string(to_string(b.rejects()[0].reason)) + ": " + b.rejects()[0].detail;
}

// The reject the same fields get as a row of a usage file, as "reason: detail".
std::string rejected_as_row(const std::string& row) {
  const usage_batch b = parse_usage_csv(std::string(usage_csv_header()) + row + "\n", "u.csv");
  REQUIRE(b.rejects().size() == 1);
  return std::string(to_string(b.rejects()[0].reason)) + ": " + b.rejects()[0].detail;
}

}  // namespace

TEST_SUITE("usage json") {
  TEST_CASE("a message with every field is the record a row with them is") {
    const std::string message =
        R"({"id":"r1","subscriber":"13800000001","time":"2012-07-03T22:00:00+09:00",)"
        R"("service":"voice","quantity":125,"country":"KR","region":"11","peer":"13900000000",)"
        R"("product":"","note":"ignored"})";
    const usage_batch json = parse_usage_json(message, "usage/0", 41);
    const usage_batch csv =
        parse_usage_csv(std::string(usage_csv_header()) +
                            "r1,13800000001,2012-07-03T22:00:00+09:00,voice,125,KR,11,"
                            "13900000000,\n",
                        "u.csv");
    REQUIRE(json.records().size() == 1);
    const usage_record& j = json.records()[0];
    const usage_record& c = csv.records()[0];
    CHECK(j.id == "r1");
    CHECK(j.subscriber == "13800000001");
    CHECK(j.line == 41);
    CHECK(j.written_offset_minutes == 9 * 60);
    CHECK(same_content(j, c));
    CHECK(usage_row_to_csv(j) == usage_row_to_csv(c));
    // Written back, the same record.
    const usage_batch again = parse_usage_json(usage_record_to_json(j), "again", 1);
    CHECK(usage_row_to_csv(again.records()[0]) == usage_row_to_csv(j));
    CHECK(usage_record_to_json(j) ==
          R"({"id":"r1","subscriber":"13800000001","time":"2012-07-03T22:00:00+09:00",)"
          R"("service":"voice","quantity":125,"country":"KR","region":"11","peer":"13900000000"})");
  }

  TEST_CASE("quantity: an integer, or its digits as a string") {
    const usage_batch b = parse_usage_json(
        R"({"id":"r","subscriber":"s","time":"2012-07-03T22:00:00Z","service":"data",)"
        R"("quantity":"9223372036854775807"})",
        "usage/0", 1);
    REQUIRE(b.records().size() == 1);
    CHECK(b.records()[0].quantity == 9223372036854775807);
  }

  TEST_CASE("the reasons and words of a file's row, for the same fields") {
    const std::string head = R"({"id":"r1","subscriber":"s1","time":"2012-07-03T22:00:00Z",)";
    CHECK(rejected(head + R"("service":"fax","quantity":1})") ==
          rejected_as_row("r1,s1,2012-07-03T22:00:00Z,fax,1,,,,"));
    CHECK(rejected(head + R"("service":"data","quantity":-5})") ==
          rejected_as_row("r1,s1,2012-07-03T22:00:00Z,data,-5,,,,"));
    CHECK(rejected(head + R"("service":"data","quantity":1.5})") ==
          rejected_as_row("r1,s1,2012-07-03T22:00:00Z,data,1.5,,,,"));
    CHECK(rejected(head + R"("service":"data","quantity":"99999999999999999999"})") ==
          rejected_as_row("r1,s1,2012-07-03T22:00:00Z,data,99999999999999999999,,,,"));
    CHECK(rejected(head + R"("service":"data","quantity":1,"country":"kr"})") ==
          rejected_as_row("r1,s1,2012-07-03T22:00:00Z,data,1,kr,,,"));
    CHECK(rejected(
              R"({"id":"r1","subscriber":"s1","time":"3 July","service":"data","quantity":1})") ==
          rejected_as_row("r1,s1,3 July,data,1,,,,"));
    CHECK(rejected(R"({"id":"r1","time":"2012-07-03T22:00:00Z","service":"data","quantity":1})") ==
          "empty_subscriber: subscriber: empty");
    CHECK(rejected(R"({"id":"r1","subscriber":"s1","service":"data","quantity":1})") ==
          "missing_field: time: empty");
    CHECK(rejected(R"({"id":"r1","subscriber":"s1","time":null,"service":"data","quantity":1})") ==
          "missing_field: time: empty");
  }

  TEST_CASE("what only a message can get wrong is malformed_row, and says what") {
    CHECK(rejected("{\"id\": \"r1\",").starts_with("malformed_row: not JSON: "));
    CHECK(rejected("[1, 2]") == "malformed_row: a usage record is a JSON object, not array");
    CHECK(rejected(R"({"id":7,"subscriber":"s1"})") ==
          "malformed_row: id: expected a string, not number");
    CHECK(rejected(R"({"id":"r1","subscriber":"s1","time":"2012-07-03T22:00:00Z",)"
                   R"("service":"data","quantity":true})") ==
          "bad_quantity: quantity: expected an integer, not boolean");
    CHECK(rejected(std::string(max_row_bytes + 1, ' '))
              .starts_with("malformed_row: the message is "));
  }

  TEST_CASE("a reject names the subscriber and id it could read") {
    const usage_batch b = parse_usage_json(
        R"({"id":"r9","subscriber":"s9","time":"2012-07-03T22:00:00Z","service":"fax","quantity":1})",
        "usage/0", 3);
    REQUIRE(b.rejects().size() == 1);
    CHECK(b.rejects()[0].subscriber == "s9");
    CHECK(b.rejects()[0].id == "r9");
  }
}
