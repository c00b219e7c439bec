// The live worker of `ratel consume` (kafka/live_worker.hpp) against real stores, without
// Kafka: messages of three partitions handled as a consumer would be given them, saves,
// a worker that dies between saves, another that takes its partitions, one that lost its
// partition and may not save, messages in any order; then the cycle closed from the saved
// open cycles. The bills are the batch bills of the same records, byte for byte. Late
// records of a closed cycle (D25) become adjustments at the close, as in `ratel rate --store`.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/io/usage_json.hpp"
#include "ratel/kafka/live_worker.hpp"
#include "ratel/run/batch.hpp"
#include "store_kinds.hpp"

using namespace ratel;
using namespace ratel::test_stores;

namespace {

constexpr date::year_month august = date::year(2012) / date::August;

// Six cmcc-2012 subscribers on gprs-20 (five thresholds), 150 data records each over
// August 2012, of 1 + (37 i + 11 s) mod 250 MB: about 18.8 GB each, past the 80% and 100%
// reminders (120 and 150 MB), the 500.00 fee reminder and cap, and the 15 GB cut-off. Subscriber
// s's records go to partition s mod 3, in time order; two malformed messages go to partition 1.
struct live_month {
  rule_plan plan = rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  account_book book = fold_account_log(parse_account_log(accounts(), "accounts.csv"), plan);
  usage_batch usage = parse_usage_csv(rows(), "usage.csv");
  std::vector<std::vector<std::string>> partitions{3};  // message values, in offset order

  live_month() {
    for (const usage_record& r : usage.records())
      partitions[static_cast<std::size_t>(r.subscriber.back() - '0') % 3].push_back(
          usage_record_to_json(r));
    partitions[1].insert(partitions[1].begin() + 5, R"({"id": "bad-1", "subscriber": )");
    partitions[1].insert(partitions[1].begin() + 40,
                         R"({"id":"bad-2","subscriber":"13800000001","time":"2012-08-03T10:00:)"
                         R"(00+08:00","service":"fax","quantity":1})");
  }

  static std::string accounts() {
    std::string text = "subscriber,time,action,product,amount,note\n";
    for (int s = 0; s < 6; ++s)
      text += fmt::format("1380000000{},2012-07-01T00:00:00+08:00,subscribe,gprs-20,,\n", s);
    return text;
  }
  static std::string rows() {
    std::string text = "id,subscriber,time,service,quantity\n";
    for (int s = 0; s < 6; ++s)
      for (int i = 0; i < 150; ++i) {
        const date::sys_seconds t = date::sys_days{date::year(2012) / date::August / 1} -
                                    std::chrono::hours(8) + std::chrono::minutes(7 + 290 * i + s);
        text += fmt::format("r{}-{},1380000000{},{},data,{}\n", s, i, s,
                            format_rfc3339(t, std::chrono::hours(8)),
                            std::int64_t{1 + (37 * i + 11 * s) % 250} << 20);
      }
    return text;
  }

  // The batch run's bills of the same records, as JSON.
  std::string batch_bills() const {
    std::string out;
    for (const bill& b :
         rate_batch(plan, book, usage, calendar_month_cycle(august, plan.home_zone())).bills)
      out += bill_to_json(b);
    return out;
  }
};

// What a consumer group's topics would hold: the events and rejects published.
struct published {
  std::vector<std::string> event_ids;
  std::vector<std::string> reject_reasons;
  void add(const handled_message& h) {
    for (const outgoing_message& e : h.events) event_ids.push_back(id_of(e.value));
    for (const outgoing_message& r : h.rejects) reject_reasons.push_back(r.value);
  }
  // The id member of an event's JSON, which starts {"id":"...".
  static std::string id_of(const std::string& json) {
    const std::size_t start = json.find("\"id\":\"") + 6;
    return json.substr(start, json.find('"', start) - start);
  }
};

usage_message message(const live_month& m, std::int32_t partition, std::int64_t offset) {
  return {"usage", partition, offset,
          m.partitions[static_cast<std::size_t>(partition)][static_cast<std::size_t>(offset)]};
}

std::string closed_bills(const live_month& m, cycle_store& store) {
  const live_close_result closed =
      close_live_cycle(m.plan, m.book, store, august, {"cat", "acc", "live", "0.1.0"});
  std::string out;
  for (const bill& b : closed.bills) out += bill_to_json(b);
  return out;
}

// The ids a worker given every message in order, saving at the end, publishes.
std::set<std::string> ids_of_one_run(const live_month& m, cycle_store& store) {
  live_worker w(m.plan, m.book, store, august);
  published p;
  for (std::int32_t q = 0; q < 3; ++q) {
    w.assign("usage", q);
    for (std::int64_t o = 0; o < std::ssize(m.partitions[static_cast<std::size_t>(q)]); ++o)
      p.add(w.handle(message(m, q, o)));
  }
  return {p.event_ids.begin(), p.event_ids.end()};
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_SUITE("live worker") {
  // The case tests/cases/store-late-records (its case.md derives every amount), through the
  // live worker: July closed from july.csv as a batch closes it, then august.csv's records
  // given as messages of one partition, in file order, to a worker rating August.
  TEST_CASE_TEMPLATE("late records of a closed July: adjustments on the live August (D25)",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    const std::string dir = RATEL_SOURCE_DIR "/tests/cases/store-late-records/";
    const rule_plan plan =
        rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
    const account_book book =
        fold_account_log(parse_account_log(file_text(dir + "accounts.csv"), "accounts.csv"), plan);
    constexpr date::year_month july = date::year(2012) / date::July;
    auto store = kind.open();
    {
      const usage_batch usage = parse_usage_csv(file_text(dir + "july.csv"), "july.csv");
      const billing_cycle cycle = calendar_month_cycle(july, plan.home_zone());
      const batch_result rated = rate_batch(plan, book, usage, std::span(&cycle, 1), {});
      cycle_closing closing{july, {"cat", "acc", "july", "0.1.0"}, {}, rated.carried, {}};
      for (const bill& b : rated.bills)
        closing.bills.push_back({b.subscriber, july, bill_to_json(b)});
      for (const usage_record& r : usage.records())
        closing.records.push_back({std::string(r.subscriber), std::string(r.id), july,
                                   usage_row_to_csv(r), std::nullopt, r.line});
      store->close(closing);
    }
    const usage_batch august_rows = parse_usage_csv(file_text(dir + "august.csv"), "august.csv");
    live_worker w(plan, book, *store, august);
    CHECK(w.assign("usage", 0) == 0);
    published topics;
    std::int64_t offset = 0;
    for (const usage_record& r : august_rows.records())
      topics.add(
          w.handle({"usage", 0, offset++, usage_record_to_json(r), std::string(r.subscriber)}));
    // Sent again, the late record j-2 is one record (the worker holds it already).
    const auto j2 = std::find_if(august_rows.records().begin(), august_rows.records().end(),
                                 [](const usage_record& r) { return r.id == "j-2"; });
    topics.add(w.handle({"usage", 0, offset++, usage_record_to_json(*j2), "13800000002"}));
    w.save();
    // j-1 was billed in July: a duplicate (case.md, line 5), and so is j-2 given twice. The
    // two other July records are late: rated (counted), billed at the close.
    REQUIRE(topics.reject_reasons.size() == 2);
    CHECK(topics.reject_reasons[0].find("billed already, in cycle 2012-07") != std::string::npos);
    CHECK(topics.reject_reasons[1].find("is held already") != std::string::npos);
    const partition_counts& c = w.counts("usage", 0);
    CHECK(c.handled == 6);
    CHECK(c.rated == 4);
    CHECK(c.late == 2);
    CHECK(c.duplicates == 2);

    const live_close_result closed =
        close_live_cycle(plan, book, *store, august, {"cat", "acc", "live", "0.1.0"});
    CHECK(closed.late_rated == 2);
    CHECK(closed.late_rejects.empty());
    REQUIRE(closed.bills.size() == 2);
    // case.md: 13800000002's August is fee 20.00 + the adjustment of July's usage, 102.40
    // (j-2's 10,240 KB past the allowance at 0.01); 13800000003's is the SMS 0.10 + 0.57
    // (c-2: 3 started minutes at 0.19).
    const bill& gprs = closed.bills[0];
    CHECK(gprs.subscriber == "13800000002");
    CHECK(gprs.total.to_string() == "122.40");
    CHECK(gprs.lines.back().kind == line_kind::adjustment);
    CHECK(gprs.lines.back().amount.to_string() == "102.40");
    CHECK(gprs.lines.back().corrects == july);
    CHECK(closed.bills[1].total.to_string() == "0.67");
    CHECK(closed.bills[1].lines.back().amount.to_string() == "0.57");
    // The late records are July's, billed by August's close; July's own bill stays.
    std::vector<std::string> july_records;
    for (const billed_record& b : store->records_of(july, "13800000002"))
      july_records.push_back(b.id + (b.billed_by == august ? " by August" : " by July"));
    CHECK(july_records == std::vector<std::string>{"j-1 by July", "j-2 by August"});
    CHECK(store->bills("13800000002", july).front().json.find("\"total\": \"20.00\"") !=
          std::string::npos);
  }

  TEST_CASE_TEMPLATE("a worker dies between saves, another takes its partitions: the batch bills",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    const live_month m;
    std::set<std::string> expected_ids;
    {
      store_kind scratch;
      auto store = scratch.open();
      expected_ids = ids_of_one_run(m, *store);
    }
    // Six subscribers, five thresholds each (gprs-20, as the live tests derive): 30 events.
    CHECK(expected_ids.size() == 30);

    auto store = kind.open();
    published topics;
    std::vector<std::int64_t> next(3, 0);
    {
      // Worker A reads the three partitions in turn, saving every 40 messages, and dies
      // (nothing more saved) after 500 of the 902 messages.
      live_worker a(m.plan, m.book, *store, august);
      for (std::int32_t q = 0; q < 3; ++q) CHECK(a.assign("usage", q) == 0);
      int handled = 0;
      for (std::int64_t o = 0; handled < 500; ++o)
        for (std::int32_t q = 0; q < 3 && handled < 500; ++q) {
          if (o >= std::ssize(m.partitions[static_cast<std::size_t>(q)])) continue;
          topics.add(a.handle(message(m, q, o)));
          if (++handled % 40 == 0) a.save();
        }
    }
    // Worker B gets the partitions: it reads each from the last save (480 messages were
    // saved: 160 of each partition), so the 20 A handled after it are handled again.
    live_worker b(m.plan, m.book, *store, august);
    live_worker stale(m.plan, m.book, *store, august);  // had partition 0 before B
    CHECK(stale.assign("usage", 0) == 160);
    for (std::int32_t q = 0; q < 3; ++q) {
      CHECK(b.assign("usage", q) == 160);
      for (std::int64_t o = 160; o < std::ssize(m.partitions[static_cast<std::size_t>(q)]); ++o)
        topics.add(b.handle(message(m, q, o)));
      const partition_counts& c = b.counts("usage", q);
      CHECK(c.handled == c.rated + c.rejected + c.duplicates);
    }
    b.save();
    // The worker that lost partition 0 may not save what it did with it.
    stale.handle(message(m, 0, 160));
    CHECK_THROWS_AS(stale.save(), partition_moved);

    // Both malformed messages are rejected with their reasons (at offsets 5 and 40 of
    // partition 1): the first is not JSON, the second names a service there is not.
    std::vector<std::string> reasons;
    for (const std::string& r : topics.reject_reasons)
      reasons.push_back(
          r.substr(r.find("\"reason\":"), r.find(",\"subscriber\"") - r.find("\"reason\":")));
    CHECK(reasons == std::vector<std::string>{"\"reason\":\"malformed_row\"",
                                              "\"reason\":\"unknown_service\""});
    // Every event was published, some twice (handled again after the crash), with the ids of
    // an uninterrupted run.
    CHECK(std::set<std::string>(topics.event_ids.begin(), topics.event_ids.end()) == expected_ids);

    CHECK(closed_bills(m, *store) == m.batch_bills());
    CHECK(store->live_accounts_of(august).empty());
  }

  TEST_CASE_TEMPLATE(
      "a grace period: August records after September's first still go on "
      "August's bill, September's are left for its worker, none lost or twice",
      store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    const live_month m;
    constexpr date::year_month september = date::year(2012) / date::September;
    // Each subscriber's September: ten records of 1 MB from 1 September 00:10 (Shanghai), 30
    // minutes apart (inside a grace of 2 days), then ten from 3 September 10:00, an hour
    // apart (past it).
    std::string september_rows = "id,subscriber,time,service,quantity\n";
    for (int s = 0; s < 6; ++s)
      for (int k = 0; k < 20; ++k) {
        const date::sys_seconds t =
            k < 10 ? date::sys_days{date::year(2012) / date::August / 31} + std::chrono::hours(16) +
                         std::chrono::minutes(10 + 30 * k)
                   : date::sys_days{date::year(2012) / date::September / 3} +
                         std::chrono::hours(2) + std::chrono::hours(k - 10);
        september_rows += fmt::format("s{}-{},1380000000{},{},data,1048576\n", s, k, s,
                                      format_rfc3339(t, std::chrono::hours(8)));
      }
    const usage_batch september_usage = parse_usage_csv(september_rows, "september.csv");
    // Each partition: its August messages, the last 20 of them interleaved with its
    // subscribers' early September records, then the late September ones.
    std::vector<std::vector<std::string>> partitions(3);
    for (std::size_t q = 0; q < 3; ++q) {
      std::vector<std::string> early, late;
      for (const usage_record& r : september_usage.records())
        if (static_cast<std::size_t>(r.subscriber.back() - '0') % 3 == q)
          (r.id.size() == 4 ? early : late).push_back(usage_record_to_json(r));  // s<s>-<k>, k < 10
      const std::vector<std::string>& august_messages = m.partitions[q];
      const std::size_t tail = august_messages.size() - 20;
      partitions[q].assign(august_messages.begin(), august_messages.begin() + tail);
      for (std::size_t i = 0; i < 20; ++i) {
        partitions[q].push_back(august_messages[tail + i]);
        if (i < early.size()) partitions[q].push_back(early[i]);
      }
      for (std::size_t i = 20; i < early.size(); ++i) partitions[q].push_back(early[i]);
      partitions[q].insert(partitions[q].end(), late.begin(), late.end());
    }
    auto at = [&](std::int32_t q, std::int64_t o) {
      return usage_message{"usage", q, o,
                           partitions[static_cast<std::size_t>(q)][static_cast<std::size_t>(o)]};
    };
    auto size = [&](std::int32_t q) { return std::ssize(partitions[static_cast<std::size_t>(q)]); };
    constexpr std::chrono::seconds grace = std::chrono::hours(48);

    auto store = kind.open();
    published topics;
    {
      // Worker A reads each partition to 8 messages past its first September record, saves,
      // reads 5 more (not saved) and dies.
      live_worker a(m.plan, m.book, *store, august, grace);
      for (std::int32_t q = 0; q < 3; ++q) {
        a.assign("usage", q);
        std::int64_t o = 0;
        for (int past = 0; o < size(q) && past < 8; ++o) {
          topics.add(a.handle(at(q, o)));
          if (a.position("usage", q).read_to.has_value()) ++past;
        }
        a.save();
        for (int more = 0; more < 5; ++more, ++o) topics.add(a.handle(at(q, o)));
      }
      // Each partition's position: its first September record left, read on past it.
      for (std::int32_t q = 0; q < 3; ++q) {
        const partition_offset p = a.position("usage", q);
        CHECK(p.read_to.has_value());
        CHECK(p.next < *p.read_to);
        CHECK(p.held_from == calendar_month_cycle(september, m.plan.home_zone()).start);
      }
    }
    {
      // Worker B, of August too, reads from the saved positions: what A handled before its
      // save is skipped, what A left is left again, and each partition waits at its first
      // record past the grace (3 September 10:00).
      live_worker b(m.plan, m.book, *store, august, grace);
      for (std::int32_t q = 0; q < 3; ++q) {
        const std::int64_t from = b.assign("usage", q);
        bool waits = false;
        for (std::int64_t o = from; o < size(q) && !waits; ++o) {
          const handled_message h = b.handle(at(q, o));
          topics.add(h);
          waits = h.held;
        }
        CHECK(waits);
        CHECK(b.position("usage", q).waits_for_close == august);
      }
      b.save();
    }
    // Only the two malformed messages were rejected: nothing handled twice, no record of
    // September rated into August.
    CHECK(topics.reject_reasons.size() == 2);
    for (const partition_offset& p : store->saved_offsets("usage"))
      CHECK(p.waits_for_close == august);
    // August's bills are the batch bills of all its records, those after September's first
    // included (none became late).
    CHECK(closed_bills(m, *store) == m.batch_bills());

    // September's worker reads each partition from its first left record: it rates those
    // left and the rest, and skips the August records it reads again.
    live_worker c(m.plan, m.book, *store, september, grace);
    published september_topics;
    for (std::int32_t q = 0; q < 3; ++q) {
      for (std::int64_t o = c.assign("usage", q); o < size(q); ++o)
        september_topics.add(c.handle(at(q, o)));
      CHECK(c.counts("usage", q).handled == c.counts("usage", q).rated);
    }
    c.save();
    CHECK(september_topics.reject_reasons.empty());
    std::int64_t rated = 0;
    for (std::int32_t q = 0; q < 3; ++q) rated += c.counts("usage", q).rated;
    CHECK(rated == 120);  // 6 subscribers x 20 September records, each once
    // September closed: the bills of one batch run over August and September, September's.
    const live_close_result closed =
        close_live_cycle(m.plan, m.book, *store, september, {"cat", "acc", "live", "0.1.0"});
    std::string both_months(usage_csv_header());
    for (const usage_record& r : m.usage.records()) both_months += usage_row_to_csv(r) + "\n";
    for (const usage_record& r : september_usage.records())
      both_months += usage_row_to_csv(r) + "\n";
    const std::array<billing_cycle, 2> months{calendar_month_cycle(august, m.plan.home_zone()),
                                              calendar_month_cycle(september, m.plan.home_zone())};
    std::string expected, got;
    for (const bill& b :
         rate_batch(m.plan, m.book, parse_usage_csv(both_months, "both.csv"), months).bills)
      if (b.cycle == september) expected += bill_to_json(b);
    for (const bill& b : closed.bills) got += bill_to_json(b);
    CHECK(got == expected);
  }

  TEST_CASE_TEMPLATE(
      "the account log changed: accounts loaded again with it, the events it "
      "makes fire published once",
      store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    const live_month m;
    // Until the log changes, 13800000005 has joined but not subscribed to gprs-20: its data
    // is rated at the base tariff, which has no threshold.
    std::string without = live_month::accounts();
    without.replace(
        without.find("13800000005,2012-07-01T00:00:00+08:00,subscribe,gprs-20,,"),
        std::string_view("13800000005,2012-07-01T00:00:00+08:00,subscribe,gprs-20,,").size(),
        "13800000005,2012-07-01T00:00:00+08:00,join,,,");
    const account_book before = fold_account_log(parse_account_log(without, "before.csv"), m.plan);
    auto store = kind.open();
    published topics;
    {
      live_worker w(m.plan, before, *store, august);
      for (std::int32_t q = 0; q < 3; ++q) {
        w.assign("usage", q);
        for (std::int64_t o = 0; o < std::ssize(m.partitions[static_cast<std::size_t>(q)]); ++o)
          topics.add(w.handle(message(m, q, o)));
      }
      w.save();
    }
    // Five subscribers on gprs-20, five thresholds each (as above).
    CHECK(topics.event_ids.size() == 25);
    // The log now says 13800000005 subscribed on 1 July (the order was entered late): loaded
    // again, its saved records cross gprs-20's five thresholds, whose events were never sent.
    std::vector<std::string> unsent;
    {
      live_worker w(m.plan, m.book, *store, august);
      for (std::int32_t q = 0; q < 3; ++q) w.assign("usage", q);
      for (const outgoing_message& e : w.take_unsent_events())
        unsent.push_back(published::id_of(e.value));
      CHECK(w.take_unsent_events().empty());  // each returned once
      w.save();                               // they count as sent from here
    }
    CHECK(unsent ==
          std::vector<std::string>{"13800000005/2012-08/notify/gprs-20/gprs-20 data 80%/1",
                                   "13800000005/2012-08/notify/gprs-20/gprs-20 data 100%/1",
                                   "13800000005/2012-08/notify/gprs-20/gprs-20 fee 500 reminder/1",
                                   "13800000005/2012-08/cap/gprs-20/gprs-20 fee cap/1",
                                   "13800000005/2012-08/cut_off/gprs-20/gprs-20 15 GB cut-off/1"});
    {
      live_worker w(m.plan, m.book, *store, august);
      for (std::int32_t q = 0; q < 3; ++q) w.assign("usage", q);
      CHECK(w.take_unsent_events().empty());  // saved as sent
    }
    CHECK(closed_bills(m, *store) == m.batch_bills());
  }

  TEST_CASE_TEMPLATE("messages in any order within a partition: the batch bills", store_kind,
                     RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    live_month m;
    std::mt19937 rng(11);
    for (auto& p : m.partitions) std::shuffle(p.begin(), p.end(), rng);
    auto store = kind.open();
    live_worker w(m.plan, m.book, *store, august);
    published topics;
    for (std::int32_t q = 0; q < 3; ++q) {
      w.assign("usage", q);
      for (std::int64_t o = 0; o < std::ssize(m.partitions[static_cast<std::size_t>(q)]); ++o) {
        topics.add(w.handle(message(m, q, o)));
        if (o % 100 == 99) w.save();
      }
    }
    w.save();
    CHECK(topics.reject_reasons.size() == 2);
    CHECK(topics.event_ids.size() == 30);  // each once: one worker, no crash
    CHECK(closed_bills(m, *store) == m.batch_bills());
  }
}
