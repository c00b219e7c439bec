// Live rating (run/live.hpp, D28): events returned as the record that fires them is added,
// never twice and never retracted; the closed cycle's bill is the batch bill of the same
// records, byte for byte, whatever the order they came in; a saved state goes on where it
// stopped; duplicates are kept as a batch keeps them.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <fmt/format.h>

#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/carried_state_json.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/live.hpp"

using namespace ratel;

namespace {

// One cmcc-2012 subscriber on gprs-20 (150 MB, then 0.01/KB peak and 0.005/KB off-peak,
// fees capped at 500.00, data cut off at 15 GB; five thresholds) through August 2012.
struct gprs20_month {
  rule_plan plan = rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  account_book book = fold_account_log(
      parse_account_log("subscriber,time,action,product,amount,note\n"
                        "13800000001,2012-06-01T00:00:00+08:00,join,,,\n"
                        "13800000001,2012-07-01T00:00:00+08:00,subscribe,gprs-20,,\n",
                        "accounts.csv"),
      plan);
  billing_cycle august = calendar_month_cycle(date::year(2012) / date::August, plan.home_zone());
  usage_batch usage;

  // `records` data records, one every 70 minutes from 1 August 00:10, record i of
  // 1 + (37 i mod 55) MB: 600 records are 16,806 MB, past every threshold.
  explicit gprs20_month(int records) : usage(parse_usage_csv(rows(records), "usage.csv")) {}

  static std::string rows(int records) {
    std::string text = "id,subscriber,time,service,quantity\n";
    for (int i = 0; i < records; ++i) {
      const date::sys_seconds t = date::sys_days{date::year(2012) / date::August / 1} -
                                  std::chrono::hours(8) + std::chrono::minutes(10 + 70 * i);
      text += fmt::format("r{:04},13800000001,{},data,{}\n", i,
                          format_rfc3339(t, std::chrono::hours(8)),
                          std::int64_t{1 + 37 * i % 55} << 20);
    }
    return text;
  }

  const account_history* history() const { return book.find("13800000001"); }

  // The batch bill of the records, as JSON.
  std::string batch_bill() const {
    const batch_result r = rate_batch(plan, book, usage, august);
    REQUIRE(r.bills.size() == 1);
    return bill_to_json(r.bills[0]);
  }
};

struct delivery {
  std::vector<live_event> events;  // in the order returned
  std::set<std::string> ids;
  std::size_t repeated = 0;  // ids returned more than once (must stay 0)
};

void deliver(live_account& account, std::span<const usage_record* const> records, delivery& out) {
  for (const usage_record* r : records) {
    live_added a = account.add(*r);
    CHECK(a.result == live_added::outcome::rated);
    for (live_event& e : a.events) {
      if (!out.ids.insert(e.id).second) ++out.repeated;
      out.events.push_back(std::move(e));
    }
  }
}

std::vector<const usage_record*> pointers(const usage_batch& usage) {
  std::vector<const usage_record*> out;
  for (const usage_record& r : usage.records()) out.push_back(&r);
  return out;
}

// gprs-20's five thresholds in the order 600 records in time order cross them: the 80% and
// 100% reminders at 120 MB and 150 MB of the allowance, the 500.00 fee reminder and the
// cap at 500.00 (reaching 500 is the same charge for both: the reminder is listed first in
// the catalog), and the cut-off at 15 GB of volume. Each fires once in the cycle: n is 1.
const std::vector<std::string> expected_ids = {
    "13800000001/2012-08/notify/gprs-20/gprs-20 data 80%/1",
    "13800000001/2012-08/notify/gprs-20/gprs-20 data 100%/1",
    "13800000001/2012-08/notify/gprs-20/gprs-20 fee 500 reminder/1",
    "13800000001/2012-08/cap/gprs-20/gprs-20 fee cap/1",
    "13800000001/2012-08/cut_off/gprs-20/gprs-20 15 GB cut-off/1",
};

}  // namespace

TEST_SUITE("live") {
  TEST_CASE("in time order: each threshold's event comes with the record that crosses it") {
    const gprs20_month m(600);
    live_account account(m.plan, m.history(), m.august);
    delivery got;
    const std::vector<const usage_record*> records = pointers(m.usage);
    std::map<std::string, std::string> fired_by;  // event id: the record whose add returned it
    for (const usage_record* r : records) {
      const live_added a = account.add(*r);
      CHECK(a.result == live_added::outcome::rated);
      for (const live_event& e : a.events) {
        fired_by[e.id] = std::string(r->id);
        got.events.push_back(e);
      }
    }
    std::vector<std::string> ids;
    for (const live_event& e : got.events) ids.push_back(e.id);
    CHECK(ids == expected_ids);
    // At once: the record an event names is the one whose add returned it.
    for (const live_event& e : got.events) CHECK(e.what.record == fired_by[e.id]);
    // The same events as the batch rating of the cycle (the rater's loop, D28), as data.
    const rated_cycle batch = rate_cycle(m.plan, m.history(), m.august, records);
    std::vector<std::string> batch_events, live_events;
    for (const event& e : batch.events)
      if (!e.record.empty())
        batch_events.push_back(
            fmt::format("{} {} {} {}", to_string(e.kind), e.threshold, e.record, e.counter));
    for (const live_event& e : got.events)
      live_events.push_back(fmt::format("{} {} {} {}", to_string(e.what.kind), e.what.threshold,
                                        e.what.record, e.what.counter));
    CHECK(live_events == batch_events);
    // Closing gives the batch bill, byte for byte.
    CHECK(bill_to_json(*account.close().billed.finished) == m.batch_bill());
  }

  TEST_CASE("in any order: the batch bill at close, and each event returned once") {
    // D28: a record earlier than some already rated is put in its place and the cycle rated
    // again from a saved point; what was returned stands. 600 records cross 2 saved points
    // (every 256 records), so a shuffled delivery re-rates from the start, from a saved
    // point, and in order.
    const gprs20_month m(600);
    const std::string batch = m.batch_bill();
    for (std::uint32_t seed = 1; seed <= 4; ++seed) {
      std::vector<const usage_record*> records = pointers(m.usage);
      std::mt19937 rng(seed);
      if (seed < 4) {
        std::shuffle(records.begin(), records.end(), rng);
      } else {
        // Mostly in order, a few swapped nearby: how records late by minutes come.
        for (std::size_t i = 0; i + 3 < records.size(); i += 7)
          std::swap(records[i], records[i + 1 + rng() % 3]);
      }
      live_account account(m.plan, m.history(), m.august);
      delivery got;
      deliver(account, records, got);
      CHECK(got.repeated == 0);
      // Every threshold fires in the end; a threshold's counter only grows as records are
      // added, so one that fired on part of the records fires on all of them: the same ids.
      CHECK(got.ids == std::set<std::string>(expected_ids.begin(), expected_ids.end()));
      CHECK(bill_to_json(*account.close().billed.finished) == batch);
    }
  }

  TEST_CASE("a saved state goes on where it stopped, without sending an event again") {
    const gprs20_month m(600);
    std::vector<const usage_record*> records = pointers(m.usage);
    std::mt19937 rng(7);
    std::shuffle(records.begin(), records.end(), rng);
    live_account first(m.plan, m.history(), m.august);
    delivery got;
    deliver(first, std::span(records).first(300), got);
    const open_cycle_state saved = first.save();
    CHECK(saved.rows.size() == 300);
    CHECK(saved.events_sent.size() == got.ids.size());
    // Through its JSON, as a worker keeps it.
    const std::string text = open_cycles_to_json(std::span(&saved, 1));
    const std::vector<open_cycle_state> back = parse_open_cycles(text, "live.json");
    REQUIRE(back.size() == 1);
    CHECK(back[0] == saved);
    live_account second = live_account::restore(m.plan, m.history(), back[0], "live.json");
    CHECK(second.save() == saved);
    deliver(second, std::span(records).subspan(300), got);
    CHECK(got.repeated == 0);
    CHECK(got.ids == std::set<std::string>(expected_ids.begin(), expected_ids.end()));
    CHECK(bill_to_json(*second.close().billed.finished) == m.batch_bill());
  }

  TEST_CASE("duplicates: the record a batch keeps, whichever came first") {
    // Record r0001 is 1 + 37 mod 55 = 38 MB at 01:20; another row of the same id, 50 MB at
    // the same time, is the one left out: a batch keeps the smaller content (usage.hpp).
    const gprs20_month m(3);
    const usage_record& kept = m.usage.records()[1];
    REQUIRE(kept.id == "r0001");
    CHECK(kept.quantity == std::int64_t{38} << 20);
    const std::string big_row = "r0001,13800000001,2012-08-01T01:20:00+08:00,data,52428800\n";
    const usage_batch both = parse_usage_csv(gprs20_month::rows(3) + big_row, "usage.csv");
    REQUIRE(both.duplicates().size() == 1);
    const std::string expected =
        bill_to_json(rate_batch(m.plan, m.book, both, m.august).bills.at(0));
    const usage_batch big_batch =
        parse_usage_csv("id,subscriber,time,service,quantity\n" + big_row, "big.csv");
    const usage_record& big = big_batch.records()[0];

    // The kept one first: the other is the duplicate, and the same record again is one too.
    live_account a(m.plan, m.history(), m.august);
    for (const usage_record& r : m.usage.records())
      CHECK(a.add(r).result == live_added::outcome::rated);
    const live_added again = a.add(big);
    CHECK(again.result == live_added::outcome::duplicate);
    CHECK_FALSE(again.left_out->same_content);
    const live_added same = a.add(kept);  // the same record again
    CHECK(same.result == live_added::outcome::duplicate);
    CHECK(same.left_out->same_content);
    CHECK(bill_to_json(*a.close().billed.finished) == expected);

    // The other first: it is replaced when the kept one comes, and the cycle rated again.
    live_account b(m.plan, m.history(), m.august);
    CHECK(b.add(big).result == live_added::outcome::rated);
    for (const usage_record& r : m.usage.records()) {
      const live_added added = b.add(r);
      CHECK(added.result == live_added::outcome::rated);
      if (r.id == "r0001") {
        REQUIRE(added.left_out);
        CHECK(added.left_out->line == big.line);
      }
    }
    CHECK(b.records().size() == 3);
    CHECK(bill_to_json(*b.close().billed.finished) == expected);
  }

  TEST_CASE("saves of what changed add up to the whole save") {
    // A store appends each save_changes' rows by line and drops its lines_removed
    // (cycle_store::save_live). The 50 MB row of r0001 (line 1000) comes first and is saved;
    // the 300 records then come shuffled, saved every 37: r0001 puts the saved one out.
    const gprs20_month m(300);
    const usage_batch big_batch = parse_usage_csv(
        "id,subscriber,time,service,quantity\n"
        "r0001,13800000001,2012-08-01T01:20:00+08:00,data,52428800\n",
        "big.csv");
    usage_record big = big_batch.records()[0];
    big.line = 1000;
    std::map<std::uint32_t, std::string> stored;
    auto save = [&stored](live_account& a) {
      open_cycle_changes c = a.save_changes();
      REQUIRE(c.open.rows.size() == c.open.lines.size());
      for (std::size_t i = 0; i < c.open.rows.size(); ++i) stored[c.open.lines[i]] = c.open.rows[i];
      for (const std::uint32_t line : c.lines_removed) CHECK(stored.erase(line) == 1);
      return c;
    };
    live_account a(m.plan, m.history(), m.august);
    a.add(big);
    CHECK(save(a).open.rows.size() == 1);
    std::vector<const usage_record*> order = pointers(m.usage);
    std::mt19937 shuffle_with(7);
    std::shuffle(order.begin(), order.end(), shuffle_with);
    bool put_out = false;
    for (std::size_t i = 0; i < order.size(); ++i) {
      a.add(*order[i]);
      if (i % 37 == 36 || i + 1 == order.size()) {
        const open_cycle_changes c = save(a);
        if (!c.lines_removed.empty()) {
          CHECK(c.lines_removed == std::vector<std::uint32_t>{1000});
          put_out = true;
        }
      }
    }
    CHECK(put_out);
    CHECK(a.save_changes().open.rows.empty());  // nothing since
    const open_cycle_state whole = a.save();
    CHECK(stored.size() == 300);
    std::map<std::uint32_t, std::string> expected;
    for (std::size_t i = 0; i < whole.rows.size(); ++i) expected[whole.lines[i]] = whole.rows[i];
    CHECK(stored == expected);
  }

  TEST_CASE("a record outside the open cycle changes nothing") {
    const gprs20_month m(2);
    live_account account(m.plan, m.history(), m.august);
    const usage_batch september = parse_usage_csv(
        "id,subscriber,time,service,quantity\n"
        "x1,13800000001,2012-09-01T00:00:00+08:00,data,1024\n",
        "september.csv");
    CHECK(account.add(september.records()[0]).result == live_added::outcome::outside_cycle);
    CHECK(account.records().empty());
  }

  TEST_CASE("a late record is kept beside the cycle's records, saved, and shares their ids") {
    // D25: a record of a closed cycle is kept for the close (which bills its difference as
    // adjustments), not rated in the open one: the August bill is the batch bill of
    // August's records alone.
    const gprs20_month m(3);
    const usage_batch july = parse_usage_csv(
        "id,subscriber,time,service,quantity\n"
        "l1,13800000001,2012-07-30T10:00:00+08:00,data,1048576\n"
        "r0001,13800000001,2012-07-31T10:00:00+08:00,data,1048576\n",
        "july.csv");
    live_account account(m.plan, m.history(), m.august);
    const live_added late = account.add_late(july.records()[0]);
    CHECK(late.result == live_added::outcome::late);
    CHECK(late.events.empty());
    CHECK(account.add_late(july.records()[0]).result == live_added::outcome::duplicate);
    CHECK_THROWS_AS(account.add_late(m.usage.records()[0]), std::invalid_argument);
    for (const usage_record& r : m.usage.records())
      CHECK(account.add(r).result == live_added::outcome::rated);
    CHECK(account.records().size() == 3);
    CHECK(account.late_records().size() == 1);
    CHECK(bill_to_json(*account.close().billed.finished) == m.batch_bill());

    // A July record with the id of an August one: one record, whichever a batch keeps (the
    // smaller content, usage.hpp); the other is left out, named in left_out.
    const live_added same_id = account.add_late(july.records()[1]);
    REQUIRE(same_id.left_out.has_value());
    CHECK(same_id.left_out->id == "r0001");
    CHECK(account.records().size() + account.late_records().size() == 4);

    // Saved, the late records come first (dated before the cycle); restored, each is late
    // again, and the bill is the same.
    const open_cycle_state saved = account.save();
    CHECK(saved.rows.size() == 4);
    CHECK(saved.rows.front().starts_with("l1,"));
    const live_account restored =
        live_account::restore(m.plan, m.history(), saved, "the saved state");
    CHECK(restored.late_records().size() == account.late_records().size());
    CHECK(bill_to_json(*restored.close().billed.finished) ==
          bill_to_json(*account.close().billed.finished));
  }

  TEST_CASE("a rejected record is said at once, as the batch rejects it") {
    // After the 15 GB cut-off data is still rated (at the cut-off rate, D6); an unknown
    // country is the simplest rejection the rater makes.
    const gprs20_month m(1);
    live_account account(m.plan, m.history(), m.august);
    const usage_batch odd = parse_usage_csv(
        "id,subscriber,time,service,quantity,country\n"
        "z1,13800000001,2012-08-02T00:00:00+08:00,data,1024,ZZ\n",
        "odd.csv");
    const live_added a = account.add(odd.records()[0]);
    CHECK(a.result == live_added::outcome::rejected);
    REQUIRE(a.rejected);
    CHECK(a.rejected->reason == reject_reason::unknown_country);
  }

  TEST_CASE("a saved state of another version is refused, naming the field") {
    const std::string text = R"({"format": "ratel-live-state", "version": 2, "accounts": []})";
    CHECK_THROWS_WITH_AS(parse_open_cycles(text, "live.json"), doctest::Contains("live.json:1:"),
                         input_error);
    CHECK_THROWS_WITH_AS(parse_open_cycles(text, "live.json"),
                         doctest::Contains("version 2 is not one this ratel reads"), input_error);
  }
}
