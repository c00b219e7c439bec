// The fold of the account log (account.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "engine/account_fold.hpp"
#include "rating_fixture.hpp"

using namespace ratel;
using namespace ratel::testing_fixture;

TEST_SUITE("account") {
  TEST_CASE("subscribe starts at once: unsubscribe ends every active instance at once") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-10T10:00:00+08:00,subscribe,plan-a,,\n"
                                  "s1,2012-07-20T08:00:00+08:00,unsubscribe,plan-a,,\n");
    const account_history* h = book.find("s1");
    REQUIRE(h != nullptr);
    REQUIRE(h->subscriptions.size() == 1);
    CHECK(h->subscriptions[0].start == at("2012-07-10T10:00:00+08:00"));
    CHECK(h->subscriptions[0].end == at("2012-07-20T08:00:00+08:00"));
    CHECK(h->events.empty());
  }

  TEST_CASE("a second subscribe of a product that does not stack is refused") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-01T00:00:00+08:00,subscribe,pack-low-code,,\n"
                                  "s1,2012-07-02T00:00:00+08:00,subscribe,pack-low-code,,\n");
    const account_history* h = book.find("s1");
    CHECK(h->subscriptions.size() == 1);
    REQUIRE(h->events.size() == 1);
    CHECK(h->events[0].kind == event_kind::refused);
    CHECK(h->events[0].product == "pack-low-code");
    CHECK(h->events[0].from.line == 3);  // the header is line 1
  }

  TEST_CASE("a stackable one-off product adds an instance per order, each to the cycle end") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-05T10:00:00+08:00,subscribe,topup,,\n"
                                  "s1,2012-07-06T10:00:00+08:00,subscribe,topup,,\n");
    const account_history* h = book.find("s1");
    REQUIRE(h->subscriptions.size() == 2);
    // validity rest_of_cycle: to the start of August, Beijing time (D3).
    for (const subscription& s : h->subscriptions) CHECK(s.end == at("2012-08-01T00:00:00+08:00"));
  }

  TEST_CASE("D5: a product of the same exclusive group replaces the held one at the next cycle") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-06-01T00:00:00+08:00,subscribe,plan-a,,\n"
                                  "s1,2012-07-15T12:00:00+08:00,subscribe,plan-b,,\n");
    const account_history* h = book.find("s1");
    REQUIRE(h->subscriptions.size() == 2);
    CHECK(h->subscriptions[0].end == at("2012-08-01T00:00:00+08:00"));    // old ends at cycle end
    CHECK(h->subscriptions[1].start == at("2012-08-01T00:00:00+08:00"));  // new starts then
    CHECK(h->subscriptions[1].ordered == at("2012-07-15T12:00:00+08:00"));
  }

  TEST_CASE("subscribe_next_cycle starts at the next cycle start (D5)") {
    rule_plan plan = make_plan();
    account_book book =
        make_book(plan, "s1,2012-07-31T23:59:59+08:00,subscribe_next_cycle,plan-b,,\n");
    CHECK(book.find("s1")->subscriptions[0].start == at("2012-08-01T00:00:00+08:00"));
  }

  TEST_CASE("unsubscribing a product that was ordered for the next cycle cancels it") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-10T00:00:00+08:00,subscribe_next_cycle,plan-b,,\n"
                                  "s1,2012-07-11T00:00:00+08:00,unsubscribe,plan-b,,\n");
    const subscription& s = book.find("s1")->subscriptions[0];
    CHECK(s.end == s.start);  // an empty interval: never active, never billed
  }

  TEST_CASE("close ends everything: later requests are refused") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan,
                                  "s1,2012-07-01T00:00:00+08:00,subscribe,plan-a,,\n"
                                  "s1,2012-07-20T00:00:00+08:00,close,,,\n"
                                  "s1,2012-07-21T00:00:00+08:00,subscribe,plan-b,,\n"
                                  "s1,2012-07-22T00:00:00+08:00,close,,,\n");
    const account_history* h = book.find("s1");
    CHECK(h->closed == at("2012-07-20T00:00:00+08:00"));
    CHECK(h->subscriptions.size() == 1);
    CHECK(h->subscriptions[0].end == at("2012-07-20T00:00:00+08:00"));
    CHECK(h->events.size() == 2);  // subscribe after close, and a second close
  }

  TEST_CASE("the fold is in time order whatever the file order: ties keep file order") {
    rule_plan plan = make_plan();
    // Written out of order: the unsubscribe line comes first in the file.
    account_book book = make_book(plan,
                                  "s1,2012-07-20T00:00:00+08:00,unsubscribe,plan-a,,\n"
                                  "s1,2012-07-01T00:00:00+08:00,subscribe,plan-a,,\n");
    const account_history* h = book.find("s1");
    CHECK(h->events.empty());
    CHECK(h->subscriptions[0].end == at("2012-07-20T00:00:00+08:00"));
  }

  TEST_CASE("an action this version does not act on is reported, not dropped") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-07-05T00:00:00+08:00,redeem_points,,500,\n");
    const account_history* h = book.find("s1");
    REQUIRE(h->events.size() == 1);
    CHECK(h->events[0].reason.find("redeem_points") != std::string::npos);
  }

  TEST_CASE("reactivate_data is kept for the rater, which knows whether data is cut off") {
    rule_plan plan = make_plan();
    account_book book = make_book(plan, "s1,2012-07-05T00:00:00+08:00,reactivate_data,,,\n");
    const account_history* h = book.find("s1");
    CHECK(h->events.empty());
    REQUIRE(h->reactivations.size() == 1);
    CHECK(h->reactivations[0].time == at("2012-07-05T00:00:00+08:00"));
    CHECK(h->reactivations[0].from.line == 2);
  }

  TEST_CASE("a product the catalog does not have is an input error at its line and column") {
    rule_plan plan = make_plan();
    try {
      (void)make_book(plan, "s1,2012-07-05T00:00:00+08:00,subscribe,nope,,\n");
      FAIL("expected an input_error");
    } catch (const input_error& e) {
      CHECK(e.where().line == 2);
      CHECK(e.where().column == 40);  // "s1," + 25-character time + "," + "subscribe," -> col 40
      CHECK(e.field() == "product");
    }
  }

  // The limit is max_history_lines (a million); the private fold takes it as a parameter,
  // so that three lines are enough here.
  TEST_CASE("a subscriber past the line limit is an input_error at the first line past it") {
    rule_plan plan = make_plan();
    const std::string log =
        "subscriber,time,action,product,amount,note\n"
        "s3,2012-07-01T00:00:00+08:00,subscribe,nope,,\n"     // line 2: reported only later
        "s1,2012-07-05T00:00:00+08:00,join,,,\n"              // s1's 1st line
        "s2,2012-07-01T00:00:00+08:00,join,,,\n"              // s2's 1st
        "s1,2012-07-01T00:00:00+08:00,subscribe,topup,,\n"    // s1's 2nd
        "s1,2012-07-03T00:00:00+08:00,unsubscribe,topup,,\n"  // s1's 3rd
        "s2,2012-07-02T00:00:00+08:00,subscribe,topup,,\n"    // s2's 2nd
        "s1,2012-07-02T00:00:00+08:00,subscribe,topup,,\n"    // line 8: s1's 4th
        "s2,2012-07-03T00:00:00+08:00,unsubscribe,topup,,\n"  // s2's 3rd
        "s2,2012-07-04T00:00:00+08:00,join,,,\n";             // line 10: s2's 4th
    try {
      (void)detail::fold_account_log(parse_account_log(log, "log.csv"), plan, 3);
      FAIL("expected an input_error");
    } catch (const input_error& e) {
      // Counted in file order (line 8 is s1's 2nd line in time order), before anything is
      // folded (line 2's unknown product is not reached), the earliest of s1's and s2's.
      CHECK(e.where().file == "log.csv");
      CHECK(e.where().line == 8);
      CHECK(e.where().column == 1);
      CHECK(e.field() == "subscriber");
      CHECK(e.message() ==
            "s1 has more than 3 lines, the most one subscriber's history may have "
            "(max_history_lines); this is the first past it");
    }
    // Up to line 7 no subscriber is past the limit: the log is folded, and line 2 is met.
    const std::string at_limit = log.substr(0, log.find("s1,2012-07-02"));
    CHECK_THROWS_WITH_AS(detail::fold_account_log(parse_account_log(at_limit, "log.csv"), plan, 3),
                         doctest::Contains("\"nope\" is not a product"), input_error);
  }

  // Issue 14 item 11: the fold looked at every earlier subscription for each line, so one
  // subscriber with 200,000 lines took over a minute. The result is checked here; how long
  // it takes is bench/bench_main.cpp's (fold_one_subscriber).
  TEST_CASE("one subscriber with 200,000 lines of a stackable pack folds line by line") {
    rule_plan plan = make_plan();
    // Blocks of four lines a minute apart: subscribe, subscribe, unsubscribe, unsubscribe.
    std::vector<account_entry> log;
    log.reserve(200'000);
    const instant first = at("2012-07-01T00:00:00+08:00");
    for (std::uint32_t i = 0; i < 200'000; ++i) {
      account_entry e;
      e.subscriber = "s1";
      e.time = first + std::chrono::minutes(i);
      e.action = i % 4 < 2 ? account_action::subscribe : account_action::unsubscribe;
      e.product = "topup";
      e.where = {"log.csv", i + 2, 1};
      e.product_column = 40;
      log.push_back(std::move(e));
    }
    account_book book = fold_account_log(std::move(log), plan);
    const account_history& h = *book.find("s1");
    // 50,000 blocks: two instances each; the first unsubscribe ends both (topup ends
    // immediately), the second finds none held and is refused.
    REQUIRE(h.subscriptions.size() == 100'000);
    REQUIRE(h.events.size() == 50'000);
    for (std::size_t b : {std::size_t{0}, std::size_t{31'117}, std::size_t{49'999}}) {
      const instant block = first + std::chrono::minutes(4 * b);
      for (std::size_t k : {2 * b, 2 * b + 1}) {
        CHECK(h.subscriptions[k].start == block + std::chrono::minutes(k - 2 * b));
        CHECK(h.subscriptions[k].end == block + std::chrono::minutes(2));
      }
      CHECK(h.events[b].time == block + std::chrono::minutes(3));
      CHECK(h.events[b].reason == "topup is not subscribed");
      CHECK(h.events[b].from.line == 4 * b + 5);  // the block's fourth line, after the header
    }
    CHECK(std::all_of(h.subscriptions.begin(), h.subscriptions.end(),
                      [](const subscription& s) { return s.end && *s.end > s.start; }));
  }
}
