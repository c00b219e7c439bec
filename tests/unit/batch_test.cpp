// Whole-file runs (batch.hpp): order and thread independence, reconciliation.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "ratel/io/bill_writer.hpp"
#include "ratel/run/batch.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

namespace {

const char* log_body =
    "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n"
    "s1,2012-07-02T00:00:00+08:00,subscribe,topup,,\n"
    "s1,2012-07-03T00:00:00+08:00,subscribe,topup,,\n"
    "s2,2012-06-01T00:00:00+08:00,subscribe,pack-low-code,,\n"
    "s3,2012-01-01T00:00:00+08:00,join,,,\n";

// 60 records over three subscribers; some cross allowances, some are off-peak, one is a
// duplicate, one is in August and one names a subscriber the log does not know.
std::vector<std::string> usage_rows() {
  std::vector<std::string> rows;
  for (int i = 0; i < 60; ++i)
    rows.push_back(fmt::format("r{},s{},2012-07-{:02}T{:02}:30:00+08:00,data,{},\n", i, 1 + i % 3,
                               1 + i % 28, (i * 7) % 24, 1024 * (1 + (i * 13) % 40)));
  rows.push_back("r5,s3,2012-07-06T11:30:00+08:00,data,9999,\n");  // same id as r5 of s3
  rows.push_back("late,s1,2012-08-01T00:00:00+08:00,data,1024,\n");
  rows.push_back("who,s9,2012-07-01T00:00:00+08:00,data,1024,\n");
  return rows;
}

std::string run(const std::vector<std::string>& rows, unsigned threads) {
  rule_plan plan = make_plan();
  account_book book = make_book(plan, log_body);
  std::string body;
  for (const std::string& r : rows) body += r;
  usage_batch usage = make_usage(body);
  billing_cycle july = calendar_month_cycle(date::year(2012) / date::July, plan.home_zone());
  batch_result result = rate_batch(plan, book, usage, july, threads);
  // Reconciliation: every row is rated, rejected or a duplicate.
  CHECK(result.rows_read == rows.size());
  CHECK(result.rows_read == result.rated + result.rejects.size() + result.duplicates.size());
  const std::string json = bills_to_json(result.bills);
  CHECK(bills_to_json(result.bills, 3) == json);  // rendering threads change no byte
  return json;
}

}  // namespace

TEST_SUITE("batch") {
  TEST_CASE("the same bills, byte for byte, for any record order and any thread count") {
    std::vector<std::string> rows = usage_rows();
    const std::string reference = run(rows, 1);
    CHECK(reference.find("\"subscriber\": \"s9\"") == std::string::npos);  // unknown: no bill
    std::mt19937 rng(2012);
    for (unsigned round = 0; round < 12; ++round) {
      std::shuffle(rows.begin(), rows.end(), rng);
      CHECK(run(rows, 1 + round % 4) == reference);
    }
  }

  TEST_CASE("counts: rejected outside the cycle, unknown subscriber, duplicates") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, log_body);
    std::string body;
    for (const std::string& r : usage_rows()) body += r;
    usage_batch usage = make_usage(body);
    batch_result result = rate_batch(
        plan, book, usage, calendar_month_cycle(date::year(2012) / 7, plan.home_zone()), 2);
    CHECK(result.rows_read == 63);
    CHECK(result.duplicates.size() == 1);  // r5 of s3, twice
    REQUIRE(result.rejects.size() == 2);   // August, and s9
    CHECK(result.rated == 60);
    CHECK(result.bills.size() == 3);  // s1, s2, s3 in subscriber order
    CHECK(result.bills[0].subscriber == "s1");
    CHECK(result.bills[2].subscriber == "s3");
  }

  TEST_CASE("an account open in the cycle gets a bill even with no usage: a closed one does not") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "quiet,2012-01-01T00:00:00+08:00,join,,,\n"
                                  "gone,2012-01-01T00:00:00+08:00,join,,,\n"
                                  "gone,2012-06-30T00:00:00+08:00,close,,,\n"
                                  "later,2012-08-05T00:00:00+08:00,join,,,\n");
    // A stray record of the closed account is rejected and does not make a bill.
    usage_batch usage = make_usage("x,gone,2012-07-02T10:00:00+08:00,data,1024,\n");
    batch_result result =
        rate_batch(plan, book, usage, calendar_month_cycle(date::year(2012) / 7, plan.home_zone()));
    REQUIRE(result.bills.size() == 1);
    CHECK(result.bills[0].subscriber == "quiet");
    CHECK(result.bills[0].total.is_zero());
    REQUIRE(result.rejects.size() == 1);
    CHECK(result.rejects[0].reason == reject_reason::account_closed);
  }
}
