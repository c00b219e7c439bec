// The cycle stores against real databases, each test on both (store_kinds.hpp): a SQLite
// file and PostgreSQL. What a close keeps, what it refuses, that a failed close leaves
// nothing, a newer schema refused, and the D24 invariant through the store: months closed
// one at a time give the bills of one run, byte for byte, over random scenarios.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "month_scenarios.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/testing.hpp"
#include "ratel/store/account_log_in_store.hpp"
#include "store/given_identities.hpp"
#include "store/record_blobs.hpp"
#include "store_kinds.hpp"

using namespace ratel;
using namespace ratel::test_stores;

namespace {

constexpr date::year_month july = date::year(2019) / date::July;
constexpr date::year_month august = date::year(2019) / date::August;

cycle_closing closing_of(date::year_month cycle, const std::string& digest) {
  cycle_closing c;
  c.cycle = cycle;
  c.inputs = {"catalog-" + digest, "accounts-" + digest, "usage-" + digest, "0.1.0"};
  c.bills = {{"s1", cycle, "{\"subscriber\": \"s1\"}"}, {"s2", cycle, "{\"subscriber\": \"s2\"}"}};
  carried_state s;
  s.subscriber = "s1";
  s.after = cycle;
  s.points = points_carry{{{cycle, 198, 190, cycle + date::months(35)}}, {}, false};
  c.carried = {s};
  c.records = {{"s1", fmt::format("r-{}", to_string(cycle)), cycle, "a row of s1", {}},
               {"s2", fmt::format("x-{}", to_string(cycle)), cycle, "a row of s2", {}}};
  return c;
}

// Schema 6's table of the records billed, a row per record (sqlite_store.cpp, migration 2).
const std::string schema_6_billed_records =
    "CREATE TABLE billed_records (subscriber TEXT NOT NULL, record_id TEXT NOT NULL, "
    "cycle TEXT NOT NULL, record TEXT, billed_by TEXT, PRIMARY KEY (subscriber, record_id)) "
    "WITHOUT ROWID; ";

// A close of `count` records spread over 100 subscribers (ids "<prefix><n>"), lines from 1.
cycle_closing many_records(date::year_month cycle, const std::string& prefix, int count) {
  cycle_closing c = closing_of(cycle, "a");
  c.records.clear();
  for (int n = 0; n < count; ++n)
    c.records.push_back({fmt::format("s{:03}", n % 100), fmt::format("{}{}", prefix, n), cycle,
                         fmt::format("row {}", n), std::nullopt,
                         static_cast<std::uint32_t>(n + 1)});
  std::sort(c.records.begin(), c.records.end(), [](const billed_record& a, const billed_record& b) {
    return std::tie(a.subscriber, a.id) < std::tie(b.subscriber, b.id);
  });
  return c;
}

// The lines of the records a refused close names, in order.
std::vector<std::uint32_t> lines_of(const billed_already& e) {
  std::vector<std::uint32_t> lines;
  for (const billed_record& r : e.records()) lines.push_back(r.line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace

TEST_SUITE("stores") {
  TEST_CASE_TEMPLATE("a close is kept whole: cycle, inputs, bills, carried states, billed records",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    {
      auto store = kind.open();
      CHECK_FALSE(store->last_closed().has_value());
      store->close(closing_of(july, "a"));
    }
    // Read back through a store opened anew, as the next run would.
    auto store = kind.open();
    const std::optional<closed_cycle> last = store->last_closed();
    REQUIRE(last.has_value());
    CHECK(last->cycle == july);
    CHECK(last->inputs == closing_of(july, "a").inputs);
    CHECK(store->find(july).has_value());
    CHECK_FALSE(store->find(august).has_value());
    const carried_book carried = store->carried_after(july);
    REQUIRE(carried.size() == 1);
    CHECK(carried.at("s1") == closing_of(july, "a").carried[0]);
    const std::vector<stored_bill> bills = store->bills("s2", std::nullopt);
    REQUIRE(bills.size() == 1);
    CHECK(bills[0].json == "{\"subscriber\": \"s2\"}");
    CHECK(store->billed("s1", "r-2019-07") == std::optional(july));
    CHECK_FALSE(store->billed("s1", "x-2019-07").has_value());  // it is s2's
  }

  TEST_CASE_TEMPLATE("refused: a cycle closed already, and a gap: neither writes anything",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    auto store = kind.open();
    store->close(closing_of(july, "a"));
    CHECK_THROWS_WITH_AS(store->close(closing_of(july, "b")),
                         doctest::Contains("cycle 2019-07 is closed already"), store_error);
    CHECK_THROWS_WITH_AS(store->close(closing_of(date::year(2019) / date::September, "a")),
                         doctest::Contains("cycle 2019-09 is not the next one to close: the last "
                                           "closed is 2019-07, so the next is 2019-08"),
                         store_error);
    CHECK(store->last_closed()->inputs == closing_of(july, "a").inputs);
    CHECK(store->bills("s1", std::nullopt).size() == 1);
  }

  TEST_CASE_TEMPLATE("a close that fails half way leaves the store as it was", store_kind,
                     RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    auto store = kind.open();
    store->close(closing_of(july, "a"));
    // August's closing names a record July billed: the last insert finds it, after the
    // cycle, the bills and the states were written in the same transaction.
    cycle_closing bad = closing_of(august, "a");
    bad.records.push_back({"s1", "r-2019-07", august, "a row", {}});
    CHECK_THROWS_WITH_AS(
        store->close(bad),
        doctest::Contains("1 records of the closing of 2019-08 were billed "
                          "already (the first: r-2019-07 of s1, in cycle 2019-07)"),
        billed_already);
    CHECK(store->last_closed()->cycle == july);
    CHECK(store->bills("s1", august).empty());
    CHECK(store->carried_after(august).empty());
    // And the store still takes the right close.
    store->close(closing_of(august, "a"));
    CHECK(store->last_closed()->cycle == august);
  }

  TEST_CASE_TEMPLATE("records billed before are found exactly among many, in any later close",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    auto store = kind.open();
    // July bills 20,000 records (ids r0..r19999, subscriber s<n mod 100>): more than two
    // chunks of 8,192 fingerprints in the SQLite store.
    store->close(many_records(july, "r", 20'000));
    CHECK(store->billed("s007", "r107") == std::optional(july));  // 107 mod 100 = 7
    CHECK_FALSE(store->billed("s008", "r107").has_value());       // another subscriber's id
    CHECK_FALSE(store->billed("s007", "r20007").has_value());     // never billed
    CHECK(store->records_of(july, "s000").size() == 200);         // 20,000 / 100
    // August's 20,000 new records (a0..), with three July billed given among them at
    // lines 20,001 to 20,003 (under other times: a replay), is refused naming exactly those.
    cycle_closing august_close = many_records(august, "a", 20'000);
    std::uint32_t line = 20'000;
    for (const int n : {0, 9'999, 19'999})
      august_close.records.push_back({fmt::format("s{:03}", n % 100), fmt::format("r{}", n), august,
                                      "replayed", std::nullopt, ++line});
    try {
      store->close(august_close);
      FAIL("the replayed records were not found");
    } catch (const billed_already& e) {
      CHECK(lines_of(e) == std::vector<std::uint32_t>{20'001, 20'002, 20'003});
      for (const billed_record& r : e.records()) CHECK(r.cycle == july);
    }
    CHECK(store->last_closed()->cycle == july);
    // Without them it closes; then a close of one record finds July's and August's alike.
    august_close.records.resize(20'000);
    store->close(august_close);
    CHECK(store->billed("s099", "a19999") == std::optional(august));
    cycle_closing september = closing_of(date::year(2019) / date::September, "a");
    september.records = {{"s042", "a4242", september.cycle, "again", std::nullopt, 7},
                         {"s042", "r4242", september.cycle, "again", std::nullopt, 8},
                         {"s042", "n1", september.cycle, "new", std::nullopt, 9}};
    try {
      store->close(september);
      FAIL("the records of August and July were not found");
    } catch (const billed_already& e) {
      CHECK(lines_of(e) == std::vector<std::uint32_t>{7, 8});
      CHECK(e.records()[0].id == "a4242");  // in identity order
      CHECK(e.records()[0].cycle == august);
      CHECK(e.records()[1].cycle == july);
    }
  }

  TEST_CASE_TEMPLATE("live saves: open cycles and offsets together, a moved partition refused",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    open_cycle_state s1;
    s1.subscriber = "s1";
    s1.cycle = august;
    s1.rows = {"r1,s1,2019-08-02T10:00:00+08:00,data,1048576,,,,"};
    s1.lines = {41};
    s1.events_sent = {"s1/2019-08/notify/icecream-198/80%/1"};
    open_cycle_state s2 = s1;
    s2.subscriber = "s2";
    s2.from = carried_state{"s2", july, std::nullopt, {}};
    s2.rows = {"q1,s2,2019-08-02T09:00:00+08:00,data,1048576,,,,"};
    s2.lines = {40};  // a line is a message's offset + 1: one per partition
    {
      auto store = kind.open();
      CHECK_FALSE(store->next_offset("usage", 3).has_value());
      store->save_live(std::vector<live_account_state>{{"usage", 3, s1}, {"usage", 3, s2}},
                       std::vector<partition_offset>{{"usage", 3, std::nullopt, 42}});
      // The next save goes on from 42: s1 with one more record, s2 as it was.
      s1.rows.push_back("r2,s1,2019-08-03T10:00:00+08:00,data,1048576,,,,");
      s1.lines.push_back(42);
      store->save_live(std::vector<live_account_state>{{"usage", 3, s1}},
                       std::vector<partition_offset>{{"usage", 3, 42, 43}});
    }
    // Read back through a store opened anew, as a worker given partition 3 would.
    auto store = kind.open();
    CHECK(store->next_offset("usage", 3) == std::optional<std::int64_t>(43));
    CHECK_FALSE(store->next_offset("usage", 4).has_value());
    CHECK(store->live_accounts("usage", 3) ==
          std::vector<live_account_state>{{"usage", 3, s1}, {"usage", 3, s2}});
    CHECK(store->live_accounts("usage", 4).empty());
    // A worker that read partition 3 from 42 (it lost it since; another saved 43) is refused,
    // and writes nothing: neither its offset nor its account.
    open_cycle_state stale = s1;
    stale.rows.pop_back();
    CHECK_THROWS_WITH_AS(
        store->save_live(std::vector<live_account_state>{{"usage", 3, stale}},
                         std::vector<partition_offset>{{"usage", 3, 42, 43}}),
        doctest::Contains("partition 3 of topic usage was saved at offset 43 since this worker "
                          "read it from 42"),
        partition_moved);
    CHECK_THROWS_AS(
        store->save_live({}, std::vector<partition_offset>{{"usage", 3, std::nullopt, 1}}),
        partition_moved);
    CHECK(store->live_accounts("usage", 3)[0].open == s1);
    CHECK(store->next_offset("usage", 3) == std::optional<std::int64_t>(43));
    // A close of August takes them: live_accounts_of lists them, the commit deletes them
    // (the offsets stay: a worker reads on from them).
    CHECK(store->live_accounts_of(august).size() == 2);
    CHECK(store->live_accounts_of(july).empty());
    store->close(closing_of(july, "a"));
    CHECK(store->live_accounts_of(august).size() == 2);
    {
      // The close reads them in its own transaction: a worker's save waits for it (or, on
      // SQLite, fails busy after its timeout), so none lands between the read and the delete.
      const std::unique_ptr<cycle_close> close =
          store->begin_close(august, closing_of(august, "a").inputs);
      CHECK(close->open_cycles() ==
            std::vector<live_account_state>{{"usage", 3, s1}, {"usage", 3, s2}});
      for (const stored_bill& b : closing_of(august, "a").bills) close->add(b);
      close->commit();
    }
    CHECK(store->live_accounts_of(august).empty());
    CHECK(store->live_accounts("usage", 3).empty());
    CHECK(store->next_offset("usage", 3) == std::optional<std::int64_t>(43));
    // A worker still holding an account of August saves it after the close: refused, and
    // nothing written (the record it rated since is late now, D25), not resurrected unbilled.
    s1.rows.push_back("r3,s1,2019-08-04T10:00:00+08:00,data,1048576,,,,");
    s1.lines.push_back(43);
    CHECK_THROWS_WITH_AS(
        store->save_live(std::vector<live_account_state>{{"usage", 3, s1}},
                         std::vector<partition_offset>{{"usage", 3, 43, 44}}),
        doctest::Contains("cycle 2019-08 was closed since the open cycle of s1 was loaded"),
        cycle_closed);
    CHECK(store->live_accounts("usage", 3).empty());
    CHECK(store->next_offset("usage", 3) == std::optional<std::int64_t>(43));
  }

  TEST_CASE_TEMPLATE("live saves of what changed: rows added by line, lines put out dropped",
                     store_kind, RATEL_STORE_KINDS) {
    // What live_account::save_changes gives: the first save holds r1 and r2 (lines 41, 42);
    // the second only r2 again with other content at line 44, which put out line 42, and
    // one more event sent. Read back: r1 and the new r2, in line order, and both events.
    store_kind kind;
    if (!kind.available()) return;
    open_cycle_state first;
    first.subscriber = "s1";
    first.cycle = august;
    first.rows = {"r1,s1,2019-08-02T10:00:00+08:00,data,1048576,,,,",
                  "r2,s1,2019-08-03T10:00:00+08:00,data,2097152,,,,"};
    first.lines = {41, 42};
    first.events_sent = {"s1/2019-08/notify/icecream-198/80%/1"};
    open_cycle_state then = first;
    then.rows = {"r2,s1,2019-08-03T10:00:00+08:00,data,1048576,,,,"};
    then.lines = {44};
    then.events_sent = {"s1/2019-08/notify/icecream-198/100%/1",  // sorted, as saved
                        "s1/2019-08/notify/icecream-198/80%/1"};
    auto store = kind.open();
    store->save_live(std::vector<live_account_state>{{"usage", 3, first, {}}},
                     std::vector<partition_offset>{{"usage", 3, std::nullopt, 43}});
    store->save_live(std::vector<live_account_state>{{"usage", 3, then, {42}}},
                     std::vector<partition_offset>{{"usage", 3, 43, 45}});
    open_cycle_state whole = then;
    whole.rows = {first.rows[0], then.rows[0]};
    whole.lines = {41, 44};
    CHECK(kind.open()->live_accounts("usage", 3) ==
          std::vector<live_account_state>{{"usage", 3, whole, {}}});
    CHECK(store->live_accounts_of(august) ==
          std::vector<live_account_state>{{"usage", 3, whole, {}}});
  }

  TEST_CASE("a SQLite store of schema 3 (records inside the open cycles' states) is migrated") {
    // Schema 3 kept an open cycle's rows in its state document; schema 4 moves them to rows
    // of their own, the state keeping the rest. Schema 5 adds to each partition's offset
    // what a worker with a grace period read past it (none, for a partition saved before).
    sqlite_kind kind;
    kind.open();
    open_cycle_state open;
    open.subscriber = "s1";
    open.cycle = august;
    open.rows = {"r1,s1,2019-08-02T10:00:00+08:00,data,1048576,,,,"};
    open.lines = {41};
    open.events_sent = {"s1/2019-08/notify/icecream-198/80%/1"};
    std::string state = open_cycles_to_json(std::span(&open, 1));
    std::string quoted;
    for (const char c : state) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    kind.run_sql(
        "DROP TABLE live_records; DROP TABLE live_offsets; DROP TABLE account_log; "
        "DROP TABLE cycle_records; DROP TABLE record_fingerprints; " +
        schema_6_billed_records +
        "UPDATE ratel_schema SET version = 3; "
        "CREATE TABLE live_offsets (topic TEXT NOT NULL, partition_no INTEGER NOT NULL, "
        "next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition_no)); "
        "INSERT INTO live_offsets VALUES ('usage', 3, 42); "
        "INSERT INTO live_accounts VALUES ('s1', 'usage', 3, '2019-08', '" +
        quoted + "');");
    auto store = kind.open();
    CHECK(store->live_accounts("usage", 3) ==
          std::vector<live_account_state>{{"usage", 3, open, {}}});
    partition_offset saved;
    saved.topic = "usage";
    saved.partition = 3;
    saved.next = 42;
    CHECK(store->saved_offsets("usage") == std::vector<partition_offset>{saved});
    // The state holds no rows now: a save of what changed adds to the moved row.
    open_cycle_state more = open;
    more.rows = {"r2,s1,2019-08-03T10:00:00+08:00,data,1048576,,,,"};
    more.lines = {42};
    store->save_live(std::vector<live_account_state>{{"usage", 3, more, {}}}, {});
    CHECK(store->live_accounts("usage", 3).at(0).open.lines == std::vector<std::uint32_t>{41, 42});
  }

  TEST_CASE_TEMPLATE("an account log kept in the store: added in order, read back whole",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    auto store = kind.open();
    CHECK(store->account_log_size() == 0);
    CHECK(account_log_of(*store, "the store").empty());
    const std::vector<account_entry> july = parse_account_log(
        "subscriber,time,action,product,amount,note\n"
        "13800000001,2019-07-01T00:00:00+08:00,join,,,\n"
        "13800000001,2019-07-01T00:05:00+08:00,subscribe,gprs-20,,\"ordered, in the hall\"\n",
        "july.csv");
    const std::vector<account_entry> august = parse_account_log(
        "subscriber,time,action,product,amount,note\n"
        "13800000002,2019-08-14T10:00:00+08:00,join,,,\n",
        "august.csv");
    add_account_log(*store, july);
    add_account_log(*store, august);
    CHECK(store->account_log_size() == 3);
    CHECK(account_log_text(*store) ==
          "subscriber,time,action,product,amount,note,country\n"
          "13800000001,2019-06-30T16:00:00Z,join,,,,\n"
          "13800000001,2019-06-30T16:05:00Z,subscribe,gprs-20,,\"ordered, in the hall\",\n"
          "13800000002,2019-08-14T02:00:00Z,join,,,,\n");
    const std::vector<account_entry> back = account_log_of(*store, "the store");
    REQUIRE(back.size() == 3);
    CHECK(back[1].note == "ordered, in the hall");
    CHECK(back[2].time == august[0].time);
  }

  TEST_CASE_TEMPLATE("a partition's position is saved whole: what was read past it, its wait",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    auto store = kind.open();
    // Partition 0 read on to 57 past records of September left from offset 50 (the end of
    // August: 2019-08-31T16:00:00Z, 1 September 00:00 in Shanghai), and waits for August's
    // close; partition 1 saved at 7 with nothing read past it.
    partition_offset zero;
    zero.topic = "usage";
    zero.partition = 0;
    zero.next = 50;
    zero.read_to = 57;
    zero.held_from = instant(date::sys_days(date::year(2019) / 8 / 31) + std::chrono::hours(16));
    zero.waits_for_close = august;
    partition_offset one;
    one.topic = "usage";
    one.partition = 1;
    one.next = 7;
    store->save_live({}, std::vector<partition_offset>{zero, one});
    CHECK(store->saved_offsets("usage") == std::vector<partition_offset>{zero, one});
    CHECK(store->saved_offsets("other").empty());
    // Saved again from 50: the values not given are cleared.
    partition_offset again = zero;
    again.from = 50;
    again.next = 57;
    again.read_to.reset();
    again.held_from.reset();
    again.waits_for_close.reset();
    store->save_live({}, std::vector<partition_offset>{again});
    again.from.reset();
    CHECK(store->saved_offsets("usage") == std::vector<partition_offset>{again, one});
  }

  TEST_CASE_TEMPLATE("a store of a newer schema is refused by name", store_kind,
                     RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    kind.open();  // creates the schema
    kind.run_sql("UPDATE ratel_schema SET version = 99");
    CHECK_THROWS_WITH_AS(kind.open(),
                         doctest::Contains("its schema is version 99, newer than this ratel knows"),
                         store_error);
  }

  TEST_CASE("a SQLite store where no file can be is refused by name") {
    sqlite_kind kind;
    CHECK_THROWS_WITH_AS(open_sqlite_store(kind.dir() / "no-such-dir" / "billing.db"),
                         doctest::Contains("no-such-dir/billing.db: cannot open it"), store_error);
  }

  TEST_CASE("workers opening a new SQLite store at the same moment all get it") {
    // Two `ratel consume` workers started together on a new file: each switches it to WAL
    // and creates the schema; the second waits for the first (it failed with "database is
    // locked"). Four openers, 100 new files: without the retry of the switch to WAL, 0 to 4
    // openers of 50 files failed.
    for (int round = 0; round < 100; ++round) {
      sqlite_kind kind;
      std::barrier start(4);
      std::atomic<int> opened{0};
      std::vector<std::string> errors(4);
      std::vector<std::thread> openers;
      for (std::size_t i = 0; i < 4; ++i)
        openers.emplace_back([&, i] {
          start.arrive_and_wait();
          try {
            kind.open();
            ++opened;
          } catch (const store_error& e) {
            errors[i] = e.what();
          }
        });
      for (std::thread& t : openers) t.join();
      for (const std::string& e : errors) CHECK_MESSAGE(e.empty(), e);
      CHECK(opened == 4);
    }
  }

  TEST_CASE("a SQLite store of schema 6 (a row per record billed) is migrated to blobs") {
    // July and August closed, then their records put back as schema 6 kept them: a row
    // each, August with a late record of July. Opening the store moves them to a blob per
    // (subscriber, cycle, close) and fingerprints; every look-up answers as before.
    sqlite_kind kind;
    {
      auto store = kind.open();
      store->close(closing_of(july, "a"));
      store->close(closing_of(august, "a"));
    }
    kind.run_sql("DROP TABLE cycle_records; DROP TABLE record_fingerprints; " +
                 schema_6_billed_records +
                 "INSERT INTO billed_records VALUES "
                 "('s1', 'r-2019-07', '2019-07', 'a row of s1', '2019-07'), "
                 "('s2', 'x-2019-07', '2019-07', 'a row of s2', '2019-07'), "
                 "('s1', 'r-2019-08', '2019-08', 'a row of s1', '2019-08'), "
                 "('s2', 'x-2019-08', '2019-08', 'a row of s2', '2019-08'), "
                 "('s1', 'l-1', '2019-07', 'a late row', '2019-08'); "
                 "UPDATE ratel_schema SET version = 6;");
    auto store = kind.open();
    CHECK(store->billed("s1", "r-2019-07") == std::optional(july));
    CHECK(store->billed("s1", "l-1") == std::optional(july));  // late: of July, billed by August
    CHECK(store->billed("s2", "x-2019-08") == std::optional(august));
    CHECK_FALSE(store->billed("s2", "r-2019-07").has_value());
    const std::vector<billed_record> s1_july = store->records_of(july, "s1");
    REQUIRE(s1_july.size() == 2);
    CHECK(s1_july[0].id == "l-1");  // identity order: "l-1" < "r-2019-07"
    CHECK(s1_july[0].row == "a late row");
    CHECK(s1_july[0].billed_by == std::optional(august));
    CHECK(s1_july[1].id == "r-2019-07");
    CHECK(s1_july[1].billed_by == std::optional(july));
    // A September close naming the late record is refused: its identity was moved too.
    cycle_closing september = closing_of(date::year(2019) / date::September, "a");
    september.records.push_back({"s1", "l-1", september.cycle, "again", std::nullopt, 5});
    CHECK_THROWS_WITH_AS(store->close(september),
                         doctest::Contains("(the first: l-1 of s1, in cycle 2019-07)"),
                         billed_already);
  }

  TEST_CASE("a close's identities come back by fingerprint, then as given, spilled or not") {
    // 10,000 identities, fingerprints of 1,000 values each given ten times (i mod 1,000),
    // in runs of 64 (157 runs spilled, merged as read) and in one run held: the same
    // sequence, each fingerprint's ten in the order given (orders f, f + 1,000, ...).
    for (const std::size_t run : {std::size_t{64}, std::size_t{1} << 20}) {
      store_blobs::given_identities given(run);
      for (std::uint32_t i = 0; i < 10'000; ++i)
        given.add(store_blobs::record_fingerprint("s", std::to_string(i % 1'000)), i + 1);
      std::vector<store_blobs::given_identity> back;
      given.for_each_sorted([&](const store_blobs::given_identity& g) { back.push_back(g); });
      REQUIRE(back.size() == 10'000);
      CHECK(std::is_sorted(back.begin(), back.end()));
      for (std::size_t k = 0; k < back.size(); ++k) {
        CHECK(back[k].line == back[k].order + 1);
        if (k % 10 != 0) CHECK(back[k].order == back[k - 1].order + 1'000);
      }
    }
  }

  TEST_CASE_TEMPLATE("a close's records given in any order are kept by subscriber and cycle",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    auto store = kind.open();
    store->close(closing_of(july, "a"));
    // August's records of s1 come apart (s2's between them) and mixed with a late record of
    // July: each (subscriber, cycle) gets all of its records, in identity order.
    cycle_closing c = closing_of(august, "a");
    c.records = {{"s1", "r-c", august, "row c", std::nullopt, 1},
                 {"s1", "l-1", july, "late row", std::nullopt, 2},
                 {"s1", "r-a", august, "row a", std::nullopt, 3},
                 {"s2", "q-1", august, "row q", std::nullopt, 4},
                 {"s1", "r-b", august, "row b", std::nullopt, 5}};
    store->close(c);
    std::vector<std::string> august_ids;
    for (const billed_record& r : store->records_of(august, "s1")) august_ids.push_back(r.id);
    CHECK(august_ids == std::vector<std::string>{"r-a", "r-b", "r-c"});
    const std::vector<billed_record> s1_july = store->records_of(july, "s1");
    REQUIRE(s1_july.size() == 2);  // r-2019-07 (July's close) and the late l-1
    CHECK(s1_july[0].id == "l-1");
    CHECK(s1_july[0].row == "late row");
    CHECK(s1_july[0].billed_by == std::optional(august));
    CHECK(store->billed("s1", "r-b") == std::optional(august));
    CHECK(store->billed("s1", "l-1") == std::optional(july));
  }

  TEST_CASE("a SQLite close given one record twice takes the first and names the second") {
    sqlite_kind kind;
    auto store = kind.open();
    cycle_closing c = closing_of(july, "a");
    c.records = {{"s1", "r1", july, "first", std::nullopt, 3},
                 {"s2", "q1", july, "other", std::nullopt, 4},
                 {"s1", "r1", july, "second", std::nullopt, 9}};
    try {
      store->close(c);
      FAIL("the record given twice was not found");
    } catch (const billed_already& e) {
      CHECK(lines_of(e) == std::vector<std::uint32_t>{9});
    }
    CHECK_FALSE(store->last_closed().has_value());
  }

  TEST_CASE("a SQLite store of schema 1 (before records were kept) is migrated on opening") {
    // Schema 1 as the first store wrote it (sqlite_store.cpp, migrations[0]), with July
    // closed and one record billed: opening it runs migration 2 (records kept, no foreign
    // key on them), keeps what was there, and says plainly that July cannot be rated again
    // with late records, since its records' rows were never kept.
    sqlite_kind kind;
    kind.run_sql(R"sql(
CREATE TABLE ratel_schema (version INTEGER NOT NULL);
INSERT INTO ratel_schema VALUES (1);
CREATE TABLE cycles (cycle TEXT PRIMARY KEY, catalog_digest TEXT NOT NULL,
  accounts_digest TEXT NOT NULL, usage_digest TEXT NOT NULL, ratel_version TEXT NOT NULL);
CREATE TABLE bills (subscriber TEXT NOT NULL, cycle TEXT NOT NULL REFERENCES cycles (cycle),
  bill TEXT NOT NULL, PRIMARY KEY (subscriber, cycle));
CREATE TABLE carried_states (cycle TEXT NOT NULL REFERENCES cycles (cycle),
  subscriber TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (cycle, subscriber));
CREATE TABLE billed_records (subscriber TEXT NOT NULL, record_id TEXT NOT NULL,
  cycle TEXT NOT NULL REFERENCES cycles (cycle), PRIMARY KEY (subscriber, record_id));
INSERT INTO cycles VALUES ('2019-07', 'c', 'a', 'u', '0.1.0');
INSERT INTO bills VALUES ('s1', '2019-07', '{"subscriber": "s1"}');
INSERT INTO billed_records VALUES ('s1', 'r-1', '2019-07');
)sql");
    auto store = kind.open();
    CHECK(store->last_closed()->cycle == july);
    CHECK(store->bills("s1", july).size() == 1);
    CHECK(store->billed("s1", "r-1") == std::optional(july));
    CHECK_THROWS_WITH_AS(store->records_of(july, "s1"),
                         doctest::Contains("record r-1 of s1 in cycle 2019-07 was billed by a "
                                           "ratel that did not keep records (store schema 1)"),
                         store_error);
    // And it closes August as a store of today's schema.
    store->close(closing_of(august, "a"));
    CHECK(store->records_of(august, "s1").size() == 1);
    CHECK(store->records_of(august, "s1")[0].billed_by == std::optional(august));
  }

  TEST_CASE_TEMPLATE("months closed one at a time through the store bill as one run (D24)",
                     store_kind, RATEL_STORE_KINDS) {
    store_kind kind;
    if (!kind.available()) return;
    // unicom-2019: icecream-198 from January (198.00 a month earns 198 points, credited the
    // next month, D7), redemptions from July (six months after joining), and a
    // roam-daily day in Tokyo that starts in Beijing's June (D23). Closing each month from
    // its own records and the store's carried state gives the bills of one run.
    testing::scenario s =
        testing::scenario::from_file(RATEL_SOURCE_DIR "/tariffs/unicom-2019.toml");
    s.account("s1,2019-01-10T10:00:00+08:00,join,,,")
        .account("s1,2019-01-10T10:00:00+08:00,subscribe,icecream-198,,")
        .account("s1,2019-05-20T10:00:00+08:00,subscribe,roam-daily,,")
        .account("s1,2019-07-15T10:00:00+08:00,redeem_points,,500,")
        .account("s1,2019-08-15T10:00:00+08:00,redeem_points,,300,")
        .usage("a,s1,2019-07-01T00:30:00+09:00,data,1048576,JP")
        .usage("b,s1,2019-07-01T20:00:00+09:00,data,1048576,JP")
        .usage("c,s1,2019-08-03T10:00:00+08:00,data,1048576,");
    const batch_result whole = s.rate("2019-06..2019-08");
    auto store = kind.open();
    std::vector<bill> monthly;
    for (int m = 0; m < 3; ++m) {
      const date::year_month month = date::year(2019) / date::June + date::months(m);
      const std::optional<closed_cycle> last = store->last_closed();
      const carried_book from = last ? store->carried_after(last->cycle) : carried_book{};
      batch_result r = s.rate(to_string(month), from);
      cycle_closing c{month, {"cat", "acc", to_string(month), "0.1.0"}, {}, r.carried, {}};
      for (const bill& b : r.bills) c.bills.push_back({b.subscriber, month, bills_to_json({b})});
      store->close(c);
      for (bill& b : r.bills) monthly.push_back(std::move(b));
    }
    CHECK(bills_to_json(monthly) == bills_to_json(whole.bills));
    REQUIRE(whole.bills.size() == 3);
    CHECK(whole.bills[2].points->redeemed == 300);  // from the store's July state
  }

  TEST_CASE_TEMPLATE(
      "D24 through the store: random months closed one at a time, each from its "
      "own records, give one run's bills byte for byte",
      store_kind, RATEL_STORE_KINDS) {
    // The scenarios of tests/unit/carried_state_test.cpp (points with expiry and
    // redemption, passes across month ends, deposits, thresholds, over the three shipped
    // catalogs). Here every month is closed into a real store, each run opening it anew
    // and going on from the carried state the store gives back, and the bills compared are
    // the ones read back from the store.
    std::size_t bills = 0;
    for (std::uint32_t seed = 1; seed <= 30; ++seed) {
      store_kind kind;
      if (!kind.available()) return;
      const test_months::month_scenario s = test_months::random_scenario(seed);
      const auto [plan, book, cycles] = test_months::inputs_of(s);
      const batch_result whole = rate_batch(
          plan, book, parse_usage_csv(test_months::usage_csv(s.usage_rows), "usage.csv"), cycles);

      std::set<std::string> subscribers;
      for (const billing_cycle& cycle : cycles) {
        const std::vector<std::string> rows = test_months::rows_in(s, cycle);
        auto store = kind.open();  // a run of its own
        const std::optional<closed_cycle> last = store->last_closed();
        const carried_book from = last ? store->carried_after(last->cycle) : carried_book{};
        const usage_batch usage = parse_usage_csv(test_months::usage_csv(rows), "usage.csv");
        batch_result month =
            rate_batch(plan, book, usage, std::span<const billing_cycle>(&cycle, 1), from);
        cycle_closing c{cycle.month,
                        {"cat", "acc", to_string(cycle.month), "0.1.0"},
                        {},
                        std::move(month.carried),
                        {}};
        for (const bill& b : month.bills) {
          c.bills.push_back({b.subscriber, cycle.month, bill_to_json(b)});
          subscribers.insert(b.subscriber);
        }
        for (const usage_record& r : usage.records())
          c.records.push_back(
              {std::string(r.subscriber), std::string(r.id), cycle.month, usage_row_to_csv(r), {}});
        store->close(c);
      }
      // Every bill of the one run, as the store gives it back.
      auto store = kind.open();
      std::string from_store, from_one_run;
      for (const std::string& subscriber : subscribers)
        for (const stored_bill& b : store->bills(subscriber, std::nullopt)) from_store += b.json;
      for (const bill& b : whole.bills) from_one_run += bill_to_json(b);
      CAPTURE(seed);
      CHECK(from_store == from_one_run);
      bills += whole.bills.size();
    }
    MESSAGE(fmt::format("{}: {} bills compared", store_kind::name, bills));
    CHECK(bills > 200);
  }
}
