// The cycle store in a SQLite file (see sqlite_store.hpp).
#include "ratel/store/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <thread>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "given_identities.hpp"
#include "ratel/io/carried_state_json.hpp"
#include "record_blobs.hpp"

namespace ratel {
namespace {

// The schema's versions, in order: the SQL that takes a store from the one before to it.
// A store records the last it has in `ratel_schema`; opening applies the rest.
constexpr const char* migrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE cycles (
  cycle TEXT PRIMARY KEY,  -- YYYY-MM
  catalog_digest TEXT NOT NULL,
  accounts_digest TEXT NOT NULL,
  usage_digest TEXT NOT NULL,
  ratel_version TEXT NOT NULL
);
CREATE TABLE bills (
  subscriber TEXT NOT NULL,
  cycle TEXT NOT NULL REFERENCES cycles (cycle),
  bill TEXT NOT NULL,  -- ratel's bill JSON
  PRIMARY KEY (subscriber, cycle)
);
CREATE TABLE carried_states (
  cycle TEXT NOT NULL REFERENCES cycles (cycle),
  subscriber TEXT NOT NULL,
  state TEXT NOT NULL,  -- a carried-state document of one state
  PRIMARY KEY (cycle, subscriber)
);
CREATE TABLE billed_records (
  subscriber TEXT NOT NULL,
  record_id TEXT NOT NULL,
  cycle TEXT NOT NULL REFERENCES cycles (cycle),
  PRIMARY KEY (subscriber, record_id)
);
)sql",
    // 2: the records themselves, so that a closed cycle can be rated again with its late
    // records (D25); a record's cycle is the cycle its time is in (late records are kept
    // under the closed cycle they belong to). Records billed under schema 1 have none.
    // WITHOUT ROWID: the identity is the only key, so a close inserts into one b-tree; and
    // no foreign key (a look-up per row): a close writes its cycle first, in the same
    // transaction.
    R"sql(
CREATE TABLE billed_records_2 (
  subscriber TEXT NOT NULL,
  record_id TEXT NOT NULL,
  cycle TEXT NOT NULL,
  record TEXT,     -- a usage row: usage_row_to_csv
  billed_by TEXT,  -- the close that billed it: cycle, or a later one for a late record
  PRIMARY KEY (subscriber, record_id)
) WITHOUT ROWID;
INSERT INTO billed_records_2 (subscriber, record_id, cycle, billed_by)
  SELECT subscriber, record_id, cycle, cycle FROM billed_records;
DROP TABLE billed_records;
ALTER TABLE billed_records_2 RENAME TO billed_records;
)sql",
    // 3: live rating's open cycles and the input offsets they reflect (save_live).
    R"sql(
CREATE TABLE live_accounts (
  subscriber TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  partition_no INTEGER NOT NULL,
  cycle TEXT NOT NULL,
  state TEXT NOT NULL  -- a ratel-live-state document of this one account
);
CREATE INDEX live_accounts_by_partition ON live_accounts (topic, partition_no);
CREATE TABLE live_offsets (
  topic TEXT NOT NULL,
  partition_no INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic, partition_no)
);
)sql",
    // 4: an open cycle's records in rows of their own, appended as they come, so that a live
    // save costs what changed, not what the account holds (the state keeps the rest); the
    // rows of schema 3's states are moved here after it (move_live_rows).
    R"sql(
CREATE TABLE live_records (
  topic TEXT NOT NULL,
  partition_no INTEGER NOT NULL,
  line INTEGER NOT NULL,  -- the message's offset + 1
  subscriber TEXT NOT NULL,
  cycle TEXT NOT NULL,
  record TEXT NOT NULL,   -- a usage row: usage_row_to_csv
  PRIMARY KEY (topic, partition_no, line)  -- appended in order: a save touches few pages
) WITHOUT ROWID;
)sql",
    // 5: where a worker with a grace period read to past the messages it left for the next
    // cycle (partition_offset::read_to, held_from, in seconds since 1970), and the cycle
    // whose close the partition waits for.
    R"sql(
ALTER TABLE live_offsets ADD COLUMN read_to INTEGER;
ALTER TABLE live_offsets ADD COLUMN held_from INTEGER;
ALTER TABLE live_offsets ADD COLUMN waits_for_close TEXT;
)sql",
    // 6: the account log, for live workers to follow as it grows (add_account_log).
    R"sql(
CREATE TABLE account_log (
  entry INTEGER PRIMARY KEY,  -- in the order added, from 1
  row TEXT NOT NULL           -- an account-log row: account_entry_to_csv
);
)sql",
    // 7: the records a close billed as one blob per (subscriber, cycle, close), and their
    // identities as sorted fingerprints in chunks (record_blobs.hpp): a close of 10 M records
    // made 10 M rows of billed_records, most of its cost. billed_records moves here
    // (move_billed_records), then goes. Rowid tables: the blobs are larger than a
    // WITHOUT ROWID row should be, and appended rows land at the end.
    R"sql(
CREATE TABLE cycle_records (
  subscriber TEXT NOT NULL,
  cycle TEXT NOT NULL,      -- the cycle the records are of (their time)
  billed_by TEXT NOT NULL,  -- the close that billed them: cycle, or a later one (late records)
  record_count INTEGER NOT NULL,
  records BLOB NOT NULL     -- records_blob: each record's id and usage row, in id order
);
CREATE UNIQUE INDEX cycle_records_by_subscriber ON cycle_records (subscriber, cycle, billed_by);
CREATE TABLE record_fingerprints (
  billed_by TEXT NOT NULL,      -- the close
  first INTEGER NOT NULL,       -- fingerprint_key of the chunk's first fingerprint
  fingerprints BLOB NOT NULL    -- the close's identities' fingerprints, ascending, 8 bytes each
);
CREATE UNIQUE INDEX record_fingerprints_by_close ON record_fingerprints (billed_by, first);
)sql",
};
constexpr int schema_version = static_cast<int>(std::size(migrations));

class sqlite_store final : public cycle_store {
 public:
  explicit sqlite_store(std::filesystem::path file) : file_(std::move(file)) {
    sqlite3* db = nullptr;
    const int opened =
        sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(db);  // closed by the member's deleter, also when this constructor throws
    if (opened != SQLITE_OK) fail("cannot open it");
    // Durable commits that a killed process cannot half-do; concurrent readers while one
    // run closes; a second closer waits for the first instead of failing at once.
    // Large pages for a new file (an existing one keeps its own): a close writes millions
    // of small rows in key order, and 64 KiB pages cut its time by a fifth (bench/README.md).
    sqlite3_busy_timeout(db_.get(), 10'000);
    exec("PRAGMA page_size = 65536");
    // Two workers opening a new store at once both switch it to WAL, which needs the file's
    // lock alone; SQLite answers "busy" at once rather than wait where waiting could
    // deadlock, so the switch is tried again for as long as the busy timeout.
    for (int tries = 0;; ++tries) {
      const int rc =
          sqlite3_exec(db_.get(), "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
      if (rc == SQLITE_OK) break;
      if (rc != SQLITE_BUSY || tries == 1000) fail("cannot run \"PRAGMA journal_mode = WAL\"");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exec("PRAGMA synchronous = FULL");
    exec("PRAGMA foreign_keys = ON");
    // A close of millions of records inserts into large b-trees: 64 MB of page cache
    // keeps their upper levels in memory.
    exec("PRAGMA cache_size = -65536");
    migrate();
  }
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

  std::optional<closed_cycle> last_closed() override {
    statement s(*this,
                "SELECT cycle, catalog_digest, accounts_digest, usage_digest, ratel_version "
                "FROM cycles ORDER BY cycle DESC LIMIT 1");
    return s.step() ? std::optional(cycle_of(s)) : std::nullopt;
  }

  std::optional<closed_cycle> first_closed() override {
    statement s(*this,
                "SELECT cycle, catalog_digest, accounts_digest, usage_digest, ratel_version "
                "FROM cycles ORDER BY cycle LIMIT 1");
    return s.step() ? std::optional(cycle_of(s)) : std::nullopt;
  }

  std::optional<closed_cycle> find(date::year_month cycle) override {
    statement s(*this,
                "SELECT cycle, catalog_digest, accounts_digest, usage_digest, ratel_version "
                "FROM cycles WHERE cycle = ?1");
    s.bind(1, to_string(cycle));
    return s.step() ? std::optional(cycle_of(s)) : std::nullopt;
  }

  carried_book carried_after(date::year_month cycle) override {
    statement s(*this, "SELECT subscriber, state FROM carried_states WHERE cycle = ?1");
    s.bind(1, to_string(cycle));
    carried_book book;
    while (s.step()) {
      const std::string where = fmt::format("{} (carried state of {} after {})", file_.string(),
                                            s.text(0), to_string(cycle));
      for (carried_state& c : parse_carried_states(s.text(1), where))
        book.insert_or_assign(c.subscriber, std::move(c));
    }
    return book;
  }

  std::unique_ptr<cycle_close> begin_close(date::year_month cycle,
                                           const cycle_inputs& inputs) override;
  std::vector<stored_bill> bills(std::string_view subscriber,
                                 std::optional<date::year_month> cycle) override {
    statement s(*this, cycle
                           ? "SELECT cycle, bill FROM bills WHERE subscriber = ?1 AND cycle = ?2"
                           : "SELECT cycle, bill FROM bills WHERE subscriber = ?1 ORDER BY cycle");
    s.bind(1, subscriber);
    if (cycle) s.bind(2, to_string(*cycle));
    std::vector<stored_bill> out;
    while (s.step()) out.push_back({std::string(subscriber), month_of(s.text(0)), s.text(1)});
    return out;
  }

  // A fingerprint is looked up in each close's chunks (one seek each), and a match is
  // confirmed on the subscriber's records.
  std::optional<date::year_month> billed(std::string_view subscriber,
                                         std::string_view id) override {
    const std::uint64_t fingerprint = store_blobs::record_fingerprint(subscriber, id);
    for (const std::string& close : closes()) {
      const std::optional<std::vector<std::uint64_t>> chunk =
          chunk_at_or_before(close, fingerprint);
      if (chunk && std::binary_search(chunk->begin(), chunk->end(), fingerprint))
        if (std::optional<date::year_month> in = billed_by_close(subscriber, id, close)) return in;
    }
    return std::nullopt;
  }

  std::vector<billed_record> records_of(date::year_month cycle,
                                        std::string_view subscriber) override {
    if (!records_query_)
      records_query_ = std::make_unique<statement>(
          *this,
          "SELECT billed_by, records FROM cycle_records WHERE subscriber = ?2 AND cycle = ?1");
    statement& s = *records_query_;
    s.reset();
    s.bind(1, to_string(cycle));
    s.bind(2, subscriber);
    std::vector<billed_record> out;
    std::vector<store_blobs::blob_record> records;
    while (s.step()) {
      records.clear();
      read_records(s.blob(1), records, subscriber);
      const date::year_month billed_by = month_of(s.text(0));
      for (const store_blobs::blob_record& r : records) {
        if (r.row.empty())
          throw store_error(fmt::format(
              "{}: record {} of {} in cycle {} was billed by a ratel that did not keep records "
              "(store schema 1), so the cycle cannot be rated again with late records",
              file_.string(), r.id, subscriber, to_string(cycle)));
        out.push_back(
            {std::string(subscriber), std::string(r.id), cycle, std::string(r.row), billed_by});
      }
    }
    std::sort(out.begin(), out.end(),
              [](const billed_record& a, const billed_record& b) { return a.id < b.id; });
    return out;
  }

  // One transaction (BEGIN IMMEDIATE: the write lock first, so each partition's check holds
  // until the commit).
  void save_live(std::span<const live_account_state> accounts,
                 std::span<const partition_offset> offsets) override {
    exec("BEGIN IMMEDIATE");
    try {
      statement saved(
          *this, "SELECT next_offset FROM live_offsets WHERE topic = ?1 AND partition_no = ?2");
      statement offset(*this,
                       "INSERT INTO live_offsets (topic, partition_no, next_offset, read_to, "
                       "held_from, waits_for_close) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT "
                       "(topic, partition_no) DO UPDATE SET next_offset = excluded.next_offset, "
                       "read_to = excluded.read_to, held_from = excluded.held_from, "
                       "waits_for_close = excluded.waits_for_close");
      for (const partition_offset& p : offsets) {
        saved.reset();
        saved.bind(1, p.topic);
        saved.bind(2, std::to_string(p.partition));
        std::optional<std::int64_t> was;
        if (saved.step()) was = std::stoll(saved.text(0));
        check_partition_offset(p, was, file_.string());
        offset.bind(1, p.topic);
        offset.bind(2, std::to_string(p.partition));
        offset.bind(3, std::to_string(p.next));
        if (p.read_to) offset.bind(4, std::to_string(*p.read_to));
        if (p.held_from) offset.bind(5, std::to_string(p.held_from->time_since_epoch().count()));
        if (p.waits_for_close) offset.bind(6, to_string(*p.waits_for_close));
        offset.done();
      }
      check_live_cycles_open(
          accounts, [&](date::year_month c) { return find(c).has_value(); },
          "store " + file_.string());
      statement drop(
          *this, "DELETE FROM live_records WHERE topic = ?1 AND partition_no = ?2 AND line = ?3");
      for (const live_account_state& a : accounts) {
        insert_rows(a.topic, a.partition, a.open);
        for (const std::uint32_t line : a.lines_removed) {
          drop.bind(1, a.topic);
          drop.bind(2, std::to_string(a.partition));
          drop.bind(3, std::to_string(line));
          drop.done();
        }
      }
      statement account(*this,
                        "INSERT INTO live_accounts (subscriber, topic, partition_no, cycle, state) "
                        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (subscriber) DO UPDATE SET "
                        "topic = excluded.topic, partition_no = excluded.partition_no, "
                        "cycle = excluded.cycle, state = excluded.state");
      for (const live_account_state& a : accounts) {
        account.bind(1, a.open.subscriber);
        account.bind(2, a.topic);
        account.bind(3, std::to_string(a.partition));
        account.bind(4, to_string(a.open.cycle));
        account.bind(5, state_without_rows(a.open));
        account.done();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::vector<live_account_state> live_accounts(std::string_view topic,
                                                std::int32_t partition) override {
    statement s(*this,
                "SELECT subscriber, state FROM live_accounts WHERE topic = ?1 AND partition_no = "
                "?2 ORDER BY subscriber");
    s.bind(1, topic);
    s.bind(2, std::to_string(partition));
    std::vector<live_account_state> out;
    while (s.step()) {
      const std::string where = fmt::format("{} (open cycle of {})", file_.string(), s.text(0));
      for (open_cycle_state& o : parse_open_cycles(s.text(1), where))
        out.push_back({std::string(topic), partition, std::move(o), {}});
    }
    statement rows(*this,
                   "SELECT subscriber, line, record FROM live_records WHERE topic = ?1 AND "
                   "partition_no = ?2 ORDER BY line");
    rows.bind(1, topic);
    rows.bind(2, std::to_string(partition));
    add_rows(out, rows);
    return out;
  }

  std::vector<live_account_state> live_accounts_of(date::year_month cycle) override {
    statement s(*this,
                "SELECT subscriber, topic, partition_no, state FROM live_accounts WHERE cycle = "
                "?1 ORDER BY subscriber");
    s.bind(1, to_string(cycle));
    std::vector<live_account_state> out;
    while (s.step()) {
      const std::string where = fmt::format("{} (open cycle of {})", file_.string(), s.text(0));
      for (open_cycle_state& o : parse_open_cycles(s.text(3), where))
        out.push_back({s.text(1), std::stoi(s.text(2)), std::move(o), {}});
    }
    statement rows(*this,
                   "SELECT subscriber, line, record FROM live_records WHERE cycle = ?1 ORDER BY "
                   "topic, partition_no, line");
    rows.bind(1, to_string(cycle));
    add_rows(out, rows);
    return out;
  }

  std::optional<std::int64_t> next_offset(std::string_view topic, std::int32_t partition) override {
    statement s(*this,
                "SELECT next_offset FROM live_offsets WHERE topic = ?1 AND partition_no = ?2");
    s.bind(1, topic);
    s.bind(2, std::to_string(partition));
    return s.step() ? std::optional(std::stoll(s.text(0))) : std::nullopt;
  }

  void add_account_log(std::span<const std::string> rows) override {
    exec("BEGIN IMMEDIATE");
    try {
      statement insert(*this, "INSERT INTO account_log (row) VALUES (?1)");
      for (const std::string& row : rows) {
        insert.bind(1, row);
        insert.done();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::vector<std::string> account_log() override {
    statement s(*this, "SELECT row FROM account_log ORDER BY entry");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  std::int64_t account_log_size() override {
    statement s(*this, "SELECT count(*) FROM account_log");
    return s.step() ? std::stoll(s.text(0)) : 0;
  }

  std::vector<partition_offset> saved_offsets(std::string_view topic) override {
    statement s(*this,
                "SELECT partition_no, next_offset, read_to, held_from, waits_for_close FROM "
                "live_offsets "
                "WHERE topic = ?1 ORDER BY partition_no");
    s.bind(1, topic);
    std::vector<partition_offset> out;
    while (s.step()) {
      partition_offset& p = out.emplace_back();
      p.topic = topic;
      p.partition = static_cast<std::int32_t>(std::stol(s.text(0)));
      p.next = std::stoll(s.text(1));
      if (!s.is_null(2)) p.read_to = std::stoll(s.text(2));
      if (!s.is_null(3)) p.held_from = instant(std::chrono::seconds(std::stoll(s.text(3))));
      if (!s.is_null(4)) p.waits_for_close = month_of(s.text(4));
    }
    return out;
  }

 private:
  class statement;
  // The rows of the open cycles read (those of one partition, or of one cycle), in line
  // order, after those their state holds.
  void add_rows(std::vector<live_account_state>& accounts, statement& rows) {
    std::map<std::string, live_account_state*, std::less<>> by_subscriber;
    for (live_account_state& a : accounts) by_subscriber.emplace(a.open.subscriber, &a);
    while (rows.step()) {
      const auto at = by_subscriber.find(rows.text(0));
      if (at == by_subscriber.end()) continue;  // not of these open cycles
      at->second->open.lines.push_back(static_cast<std::uint32_t>(std::stoul(rows.text(1))));
      at->second->open.rows.push_back(rows.text(2));
    }
  }

  void insert_rows(const std::string& topic, std::int32_t partition, const open_cycle_state& o) {
    statement row(*this,
                  "INSERT INTO live_records (topic, partition_no, line, subscriber, cycle, record) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO UPDATE SET subscriber = "
                  "excluded.subscriber, cycle = excluded.cycle, record = excluded.record");
    for (std::size_t i = 0; i < o.rows.size(); ++i) {
      row.bind(1, topic);
      row.bind(2, std::to_string(partition));
      row.bind(3, std::to_string(o.lines.at(i)));
      row.bind(4, o.subscriber);
      row.bind(5, to_string(o.cycle));
      row.bind(6, o.rows[i]);
      row.done();
    }
  }

  // Schema 3 kept an open cycle's records in its state: they move to live_records.
  void move_live_rows() {
    std::vector<live_account_state> states;
    {
      statement s(*this, "SELECT subscriber, topic, partition_no, state FROM live_accounts");
      while (s.step())
        for (open_cycle_state& o : parse_open_cycles(
                 s.text(3), fmt::format("{} (open cycle of {})", file_.string(), s.text(0))))
          states.push_back({s.text(1), std::stoi(s.text(2)), std::move(o), {}});
    }
    statement state(*this, "UPDATE live_accounts SET state = ?1 WHERE subscriber = ?2");
    for (const live_account_state& a : states) {
      const open_cycle_state& o = a.open;
      insert_rows(a.topic, a.partition, o);
      state.bind(1, state_without_rows(o));
      state.bind(2, o.subscriber);
      state.done();
    }
  }

  // ---- a closed cycle's records (schema 7, record_blobs.hpp) ----

  // The closes, in cycle order: the names their records and fingerprints are kept under.
  std::vector<std::string> closes() {
    statement s(*this, "SELECT cycle FROM cycles ORDER BY cycle");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  // The fingerprints of `close`'s last chunk whose first is at most `fingerprint` (the chunk
  // that would hold it), or of its first chunk after `fingerprint` (`after`).
  std::optional<std::vector<std::uint64_t>> chunk_at_or_before(std::string_view close,
                                                               std::uint64_t fingerprint) {
    return chunk(chunk_before_query_,
                 "SELECT fingerprints FROM record_fingerprints WHERE billed_by = ?1 AND first <= "
                 "?2 ORDER BY first DESC LIMIT 1",
                 close, fingerprint);
  }
  std::optional<std::vector<std::uint64_t>> chunk_after(std::string_view close,
                                                        std::uint64_t fingerprint) {
    return chunk(chunk_after_query_,
                 "SELECT fingerprints FROM record_fingerprints WHERE billed_by = ?1 AND first > ?2 "
                 "ORDER BY first LIMIT 1",
                 close, fingerprint);
  }
  std::optional<std::vector<std::uint64_t>> chunk(std::unique_ptr<statement>& query,
                                                  const char* sql, std::string_view close,
                                                  std::uint64_t fingerprint) {
    if (!query) query = std::make_unique<statement>(*this, sql);
    statement& s = *query;
    s.reset();
    s.bind(1, close);
    s.bind(2, store_blobs::fingerprint_key(fingerprint));
    if (!s.step()) return std::nullopt;
    std::vector<std::uint64_t> out = store_blobs::read_fingerprints(s.blob(0));
    s.reset();
    return out;
  }

  // The cycle of record `id` of `subscriber` if `close` billed it (rows up to `last_row`:
  // those of the closes before the one being written).
  std::optional<date::year_month> billed_by_close(
      std::string_view subscriber, std::string_view id, std::string_view close,
      std::int64_t last_row = std::numeric_limits<std::int64_t>::max()) {
    if (!billed_query_)
      billed_query_ = std::make_unique<statement>(
          *this,
          "SELECT cycle, records FROM cycle_records WHERE subscriber = ?1 AND billed_by = ?2 "
          "AND rowid <= ?3");
    statement& s = *billed_query_;
    s.reset();
    s.bind(1, subscriber);
    s.bind(2, close);
    s.bind(3, last_row);
    std::vector<store_blobs::blob_record> records;
    while (s.step()) {
      records.clear();
      read_records(s.blob(1), records, subscriber);
      for (const store_blobs::blob_record& r : records)
        if (r.id == id) return month_of(s.text(0));
    }
    return std::nullopt;
  }

  void read_records(std::string_view blob, std::vector<store_blobs::blob_record>& out,
                    std::string_view subscriber) const {
    if (!store_blobs::records_blob::read(blob, out))
      throw store_error(
          fmt::format("store {}: the records of {} are cut short", file_.string(), subscriber));
  }

  // Writes the records of (subscriber, cycle) billed by `close`, in id order; a second
  // write of the same three (records given apart) joins the first.
  void insert_records(std::string_view subscriber, std::string_view cycle, std::string_view close,
                      const store_blobs::records_blob& blob) {
    std::vector<store_blobs::blob_record> records;
    std::string sorted;
    std::string_view bytes = blob.bytes();
    if (!blob.in_id_order()) {
      read_records(blob.bytes(), records, subscriber);
      sorted = store_blobs::records_blob::write(records);
      bytes = sorted;
    }
    if (!insert_records_)
      insert_records_ = std::make_unique<statement>(
          *this,
          "INSERT INTO cycle_records (subscriber, cycle, billed_by, record_count, records) "
          "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING");
    statement& insert = *insert_records_;
    insert.bind(1, subscriber);
    insert.bind(2, cycle);
    insert.bind(3, close);
    insert.bind(4, static_cast<std::int64_t>(blob.size()));
    insert.bind_blob(5, bytes);
    insert.done();
    if (sqlite3_changes(db_.get()) != 0) return;
    statement stored(*this,
                     "SELECT records FROM cycle_records WHERE subscriber = ?1 AND cycle = ?2 AND "
                     "billed_by = ?3");
    stored.bind(1, subscriber);
    stored.bind(2, cycle);
    stored.bind(3, close);
    if (!stored.step()) fail("cannot read records just written");
    const std::string before(stored.blob(0));
    stored.reset();
    if (records.empty()) read_records(blob.bytes(), records, subscriber);
    read_records(before, records, subscriber);
    const std::string joined = store_blobs::records_blob::write(records);
    statement update(*this,
                     "UPDATE cycle_records SET record_count = ?4, records = ?5 WHERE subscriber = "
                     "?1 AND cycle = ?2 AND billed_by = ?3");
    update.bind(1, subscriber);
    update.bind(2, cycle);
    update.bind(3, close);
    update.bind(4, static_cast<std::int64_t>(records.size()));
    update.bind_blob(5, joined);
    update.done();
  }

  // Schema 6 kept one billed_records row per record: they move to blobs and fingerprints.
  void move_billed_records() {
    std::map<std::string, std::vector<std::uint64_t>> fingerprints;  // by close
    {
      statement rows(*this,
                     "SELECT subscriber, cycle, coalesce(billed_by, cycle), record_id, "
                     "coalesce(record, '') FROM billed_records ORDER BY 1, 2, 3, 4");
      std::string subscriber, cycle, close;
      store_blobs::records_blob blob;
      while (rows.step()) {
        if (!blob.empty() &&
            (rows.text(0) != subscriber || rows.text(1) != cycle || rows.text(2) != close)) {
          insert_records(subscriber, cycle, close, blob);
          blob.clear();
        }
        subscriber = rows.text(0);
        cycle = rows.text(1);
        close = rows.text(2);
        const std::string id = rows.text(3);
        blob.add(id, rows.text(4));
        fingerprints[close].push_back(store_blobs::record_fingerprint(subscriber, id));
      }
      if (!blob.empty()) insert_records(subscriber, cycle, close, blob);
    }
    for (auto& [close, of_close] : fingerprints) {
      std::sort(of_close.begin(), of_close.end());
      fingerprint_writer out(*this, close);
      for (const std::uint64_t f : of_close) out.add(f);
      out.finish();
    }
    insert_records_.reset();  // prepared before the table it writes is dropped
    exec("DROP TABLE billed_records");
  }

  // One prepared statement: bound, stepped, reset for the next row of a batch.
  class statement {
   public:
    statement(sqlite_store& store, const char* sql) : store_(store) {
      if (sqlite3_prepare_v2(store_.db_.get(), sql, -1, &s_, nullptr) != SQLITE_OK)
        store_.fail(fmt::format("cannot prepare \"{}\"", sql));
    }
    ~statement() { sqlite3_finalize(s_); }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    void bind(int index, std::string_view text) {
      if (sqlite3_bind_text(s_, index, text.data(), static_cast<int>(text.size()),
                            SQLITE_TRANSIENT) != SQLITE_OK)
        store_.fail("cannot bind a value");
    }
    void bind(int index, std::int64_t value) {
      if (sqlite3_bind_int64(s_, index, value) != SQLITE_OK) store_.fail("cannot bind a value");
    }
    /// A blob, read by SQLite when the statement runs: `bytes` must outlive that.
    void bind_blob(int index, std::string_view bytes) {
      if (sqlite3_bind_blob64(s_, index, bytes.data(), bytes.size(), SQLITE_STATIC) != SQLITE_OK)
        store_.fail("cannot bind a value");
    }
    /// The next row: true, or false when there is none.
    bool step() {
      const int rc = sqlite3_step(s_);
      if (rc == SQLITE_ROW) return true;
      if (rc != SQLITE_DONE) store_.fail("cannot read");
      return false;
    }
    /// Runs a statement that returns no row, and makes it ready to run again.
    void done() {
      if (sqlite3_step(s_) != SQLITE_DONE) store_.fail("cannot write");
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
    /// Ready to bind and run again (a statement kept for many calls).
    void reset() {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
    bool is_null(int column) const { return sqlite3_column_type(s_, column) == SQLITE_NULL; }
    std::int64_t integer(int column) const { return sqlite3_column_int64(s_, column); }
    /// A blob column's bytes, valid until the next step or reset.
    std::string_view blob(int column) const {
      const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, column));
      return p == nullptr
                 ? std::string_view()
                 : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, column)));
    }
    std::string text(int column) const {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, column));
      return p == nullptr
                 ? std::string()
                 : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, column)));
    }

   private:
    sqlite_store& store_;
    sqlite3_stmt* s_ = nullptr;
  };

  // Writes a close's fingerprints, given ascending, in chunks; equal ones are never split
  // between two chunks, so that each chunk's first is its own.
  class fingerprint_writer {
   public:
    fingerprint_writer(sqlite_store& store, std::string_view close)
        : close_(close),
          insert_(store,
                  "INSERT INTO record_fingerprints (billed_by, first, fingerprints) VALUES "
                  "(?1, ?2, ?3)") {}
    void add(std::uint64_t fingerprint) {
      if (count_ >= store_blobs::fingerprints_per_chunk && fingerprint != last_) finish();
      if (count_ == 0) first_ = fingerprint;
      store_blobs::append_fingerprint(chunk_, fingerprint);
      last_ = fingerprint;
      ++count_;
    }
    void finish() {
      if (count_ == 0) return;
      insert_.bind(1, close_);
      insert_.bind(2, store_blobs::fingerprint_key(first_));
      insert_.bind_blob(3, chunk_);
      insert_.done();
      chunk_.clear();
      count_ = 0;
    }

   private:
    std::string close_;
    statement insert_;
    std::string chunk_;
    std::size_t count_ = 0;
    std::uint64_t first_ = 0, last_ = 0;
  };

  void exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      fail(fmt::format("cannot run \"{}\"", sql));
  }

  [[noreturn]] void fail(const std::string& doing) const {
    throw store_error(fmt::format("store {}: {}: {}", file_.string(), doing,
                                  db_ ? sqlite3_errmsg(db_.get()) : "out of memory"));
  }

  // Creates the schema, or brings an older one up to date, in one transaction.
  void migrate() {
    exec("BEGIN IMMEDIATE");
    try {
      exec("CREATE TABLE IF NOT EXISTS ratel_schema (version INTEGER NOT NULL)");
      int version = 0;
      {
        statement s(*this, "SELECT version FROM ratel_schema");
        if (s.step()) version = std::stoi(s.text(0));
      }
      if (version > schema_version)
        throw store_error(fmt::format(
            "store {}: its schema is version {}, newer than this ratel knows ({}); use the "
            "ratel that wrote it, or a newer one",
            file_.string(), version, schema_version));
      for (int v = version; v < schema_version; ++v) {
        exec(migrations[v]);
        if (v == 3 && version == 3) move_live_rows();  // 4 over a store of schema 3
        if (v == 6) move_billed_records();             // 7 over any store before it
      }
      if (version < schema_version) {
        exec("DELETE FROM ratel_schema");
        statement s(*this, "INSERT INTO ratel_schema (version) VALUES (?1)");
        s.bind(1, std::to_string(schema_version));
        s.done();
      }
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  closed_cycle cycle_of(const statement& s) const {
    return {month_of(s.text(0)), {s.text(1), s.text(2), s.text(3), s.text(4)}};
  }
  date::year_month month_of(const std::string& text) const {
    const std::optional<date::year_month> m = parse_year_month(text);
    if (!m)
      throw store_error(
          fmt::format("store {}: a stored cycle \"{}\" is not YYYY-MM", file_.string(), text));
    return *m;
  }

  std::filesystem::path file_;
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db_{nullptr, &sqlite3_close};
  // Statements kept for calls made once per record; finalized before db_ closes.
  std::unique_ptr<statement> billed_query_;
  std::unique_ptr<statement> records_query_;
  std::unique_ptr<statement> chunk_before_query_, chunk_after_query_;
  std::unique_ptr<statement> insert_records_;

  friend class sqlite_close;
};

// A close in one SQLite transaction (BEGIN IMMEDIATE: the write lock first, so the checks
// made at its start hold until the commit); every piece is inserted as it is given.
class sqlite_close final : public cycle_close {
 public:
  sqlite_close(sqlite_store& store, date::year_month cycle, const cycle_inputs& inputs)
      : store_(store), cycle_(cycle), cycle_text_(to_string(cycle)) {
    store_.exec("BEGIN IMMEDIATE");
    open_ = true;
    try {
      begin(inputs);
    } catch (...) {
      sqlite3_exec(store_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

 public:
  std::vector<live_account_state> open_cycles() override { return store_.live_accounts_of(cycle_); }

 private:
  // The checks, and the cycle's row, in the transaction begun.
  void begin(const cycle_inputs& inputs) {
    check_closing(cycle_, store_.find(cycle_).has_value(), store_.last_closed(),
                  store_.file_.string());
    sqlite_store::statement s(store_,
                              "INSERT INTO cycles (cycle, catalog_digest, accounts_digest, "
                              "usage_digest, ratel_version) VALUES (?1, ?2, ?3, ?4, ?5)");
    s.bind(1, cycle_text_);
    s.bind(2, inputs.catalog_digest);
    s.bind(3, inputs.accounts_digest);
    s.bind(4, inputs.usage_digest);
    s.bind(5, inputs.ratel_version);
    s.done();
    bills_.emplace(store_, "INSERT INTO bills (subscriber, cycle, bill) VALUES (?1, ?2, ?3)");
    states_.emplace(store_,
                    "INSERT INTO carried_states (cycle, subscriber, state) VALUES (?1, ?2, ?3)");
    // The closes before this one wrote rows up to here: what a record is checked against.
    sqlite_store::statement last(store_, "SELECT coalesce(max(rowid), 0) FROM cycle_records");
    if (last.step()) last_row_before_ = last.integer(0);
  }

 public:
  ~sqlite_close() override {
    // The statements go first: a rollback with statements still running would not undo.
    bills_.reset();
    states_.reset();
    if (open_) sqlite3_exec(store_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void add(const stored_bill& b) override {
    bills_->bind(1, b.subscriber);
    bills_->bind(2, to_string(b.cycle));
    bills_->bind(3, b.json);
    bills_->done();
  }
  void add(const stored_state& c) override {
    states_->bind(1, cycle_text_);
    states_->bind(2, c.subscriber);
    states_->bind(3, c.json);
    states_->done();
  }
  // A subscriber's records come together (the CLI and live closes give them so): they are
  // gathered into a blob per cycle (its own, and those its late records are of), written
  // when the next subscriber's come. Whether any was billed before is found at the commit,
  // for all at once.
  void add(const billed_record& r) override {
    check_closing_record(r, cycle_, store_.file_.string());
    if (r.subscriber != gathered_subscriber_) write_gathered();
    gathered_subscriber_ = r.subscriber;
    gathered_of(r.cycle).add(r.id, r.row);
    given_.add(store_blobs::record_fingerprint(r.subscriber, r.id), r.line);
  }
  void commit() override {
    write_gathered();
    const std::vector<store_blobs::given_identity> shared = write_fingerprints();
    if (const std::vector<billed_record> conflicts = billed_before(shared); !conflicts.empty()) {
      // The message first: the vector is moved into the exception after.
      const std::string what = fmt::format(
          "{}: {} records of the closing of {} were billed already (the first: {} of {}, in "
          "cycle {})",
          store_.file_.string(), conflicts.size(), cycle_text_, conflicts.front().id,
          conflicts.front().subscriber, to_string(conflicts.front().cycle));
      throw billed_already(what, conflicts);
    }
    bills_.reset();
    states_.reset();
    // Live rating's open cycles of this cycle are closed by it (cycle_close::commit).
    sqlite_store::statement live(store_, "DELETE FROM live_accounts WHERE cycle = ?1");
    live.bind(1, cycle_text_);
    live.done();
    sqlite_store::statement rows(store_, "DELETE FROM live_records WHERE cycle = ?1");
    rows.bind(1, cycle_text_);
    rows.done();
    store_.exec("COMMIT");
    open_ = false;
  }

 private:
  void write_gathered() {
    for (auto& [cycle, blob] : gathered_)
      if (!blob.empty()) {
        store_.insert_records(gathered_subscriber_, to_string(cycle), cycle_text_, blob);
        blob.clear();
      }
  }
  // The blob of the subscriber's records of `cycle` (its own, or a late record's): the
  // vector keeps its blobs' buffers from one subscriber to the next.
  store_blobs::records_blob& gathered_of(date::year_month cycle) {
    for (auto& [of, blob] : gathered_)
      if (of == cycle) return blob;
    for (auto& [of, blob] : gathered_)
      if (blob.empty()) {
        of = cycle;
        return blob;
      }
    return gathered_.emplace_back(cycle, store_blobs::records_blob()).second;
  }

  // One pass over the identities given, in fingerprint order: writes this close's
  // fingerprints, and returns the identities given whose fingerprint an earlier close holds
  // (each close's chunks read in order, those between skipped) or another given has.
  std::vector<store_blobs::given_identity> write_fingerprints() {
    std::vector<history_cursor> history;
    for (std::string& close : store_.closes())
      if (close != cycle_text_) history.push_back({std::move(close), {}, 0, false});
    std::vector<store_blobs::given_identity> shared;
    std::optional<store_blobs::given_identity> previous;
    bool previous_shared = false;
    sqlite_store::fingerprint_writer out(store_, cycle_text_);
    given_.for_each_sorted([&](const store_blobs::given_identity& g) {
      out.add(g.fingerprint);
      bool is_shared = false;
      if (previous && previous->fingerprint == g.fingerprint) {
        if (!previous_shared) shared.push_back(*previous);
        is_shared = true;
      }
      for (history_cursor& h : history) is_shared = holds(h, g.fingerprint) || is_shared;
      if (is_shared) shared.push_back(g);
      previous = g;
      previous_shared = is_shared;
    });
    out.finish();
    return shared;
  }

  // An earlier close's fingerprints, read chunk by chunk as the ones given go up.
  struct history_cursor {
    std::string close;
    std::vector<std::uint64_t> chunk;
    std::size_t at;
    bool done;  // no chunk past the last fingerprint asked
  };
  bool holds(history_cursor& h, std::uint64_t fingerprint) {
    if (h.done) return false;
    if (h.chunk.empty() || fingerprint > h.chunk.back()) {
      std::optional<std::vector<std::uint64_t>> chunk =
          store_.chunk_at_or_before(h.close, fingerprint);
      if (!chunk || chunk->back() < fingerprint) chunk = store_.chunk_after(h.close, fingerprint);
      if (!chunk) {
        h.done = true;
        return false;
      }
      h.chunk = std::move(*chunk);
      h.at = 0;
    }
    while (h.at < h.chunk.size() && h.chunk[h.at] < fingerprint) ++h.at;
    return h.at < h.chunk.size() && h.chunk[h.at] == fingerprint;
  }

  // The records given whose identity a closed cycle billed, or that were given twice (all
  // but the first), each with the cycle that billed it first: the fingerprints `shared`
  // confirmed on the records themselves.
  std::vector<billed_record> billed_before(const std::vector<store_blobs::given_identity>& shared) {
    if (shared.empty()) return {};
    std::map<std::uint64_t, std::vector<store_blobs::given_identity>> maybe;
    for (const store_blobs::given_identity& g : shared) maybe[g.fingerprint].push_back(g);

    // The identities behind those fingerprints, from this close's records.
    std::map<std::uint64_t, std::vector<billed_record>> found;
    sqlite_store::statement rows(
        store_, "SELECT subscriber, cycle, records FROM cycle_records WHERE rowid > ?1");
    rows.bind(1, last_row_before_);
    std::vector<store_blobs::blob_record> records;
    while (rows.step()) {
      const std::string subscriber = rows.text(0);
      records.clear();
      store_.read_records(rows.blob(2), records, subscriber);
      for (const store_blobs::blob_record& r : records) {
        const std::uint64_t f = store_blobs::record_fingerprint(subscriber, r.id);
        if (maybe.contains(f))
          found[f].push_back({subscriber, std::string(r.id), store_.month_of(rows.text(1)),
                              std::string(r.row), std::nullopt, 0});
      }
    }

    std::vector<billed_record> conflicts;
    for (const auto& [fingerprint, given] : maybe) {
      const std::vector<billed_record>& same = found[fingerprint];
      if (same.empty()) store_.fail("the records of the close being written are not all there");
      const bool one_identity = std::all_of(same.begin(), same.end(), [&](const billed_record& r) {
        return r.subscriber == same.front().subscriber && r.id == same.front().id;
      });
      if (one_identity) {
        billed_record c = same.front();
        std::size_t first_conflict = 1;  // given twice here: all but the first given
        if (const std::optional<date::year_month> in = billed_earlier(c)) {
          c.cycle = *in;
          first_conflict = 0;  // billed before: every one given
        }
        for (std::size_t k = first_conflict; k < given.size(); ++k) {
          c.line = given[k].line;
          conflicts.push_back(c);
        }
        continue;
      }
      // Different identities under one fingerprint in this close: fine unless one was
      // billed before or two are one identity, where the lines given cannot be told apart.
      for (std::size_t x = 0; x < same.size(); ++x) {
        if (billed_earlier(same[x])) unmatched_lines(same[x]);
        for (std::size_t y = x + 1; y < same.size(); ++y)
          if (same[x].subscriber == same[y].subscriber && same[x].id == same[y].id)
            unmatched_lines(same[x]);
      }
    }
    std::sort(conflicts.begin(), conflicts.end(),
              [](const billed_record& a, const billed_record& b) {
                return std::tie(a.subscriber, a.id, a.line) < std::tie(b.subscriber, b.id, b.line);
              });
    return conflicts;
  }

  // The cycle of an earlier close that billed record `r`'s identity, if one did.
  std::optional<date::year_month> billed_earlier(const billed_record& r) {
    const std::uint64_t fingerprint = store_blobs::record_fingerprint(r.subscriber, r.id);
    for (const std::string& close : store_.closes()) {
      if (close == cycle_text_) continue;
      const auto chunk = store_.chunk_at_or_before(close, fingerprint);
      if (chunk && std::binary_search(chunk->begin(), chunk->end(), fingerprint))
        if (auto in = store_.billed_by_close(r.subscriber, r.id, close, last_row_before_))
          return in;
    }
    return std::nullopt;
  }

  // Two identities given under one fingerprint, one of them billed before: the lines given
  // cannot be told apart by fingerprint. With 64 bits this needs a collision among the
  // close's own records (about one in 10^5 closes of 10 M records) that is also a
  // duplicate: refused plainly rather than guessed.
  [[noreturn]] void unmatched_lines(const billed_record& r) const {
    throw store_error(fmt::format(
        "{}: record {} of {} shares its fingerprint with another record of the closing of {}, "
        "and one of them was billed already: the close cannot tell which input line it is; "
        "set the record aside and close again",
        store_.file_.string(), r.id, r.subscriber, cycle_text_));
  }

  sqlite_store& store_;
  date::year_month cycle_;
  std::string cycle_text_;
  bool open_ = false;  // a transaction to roll back if not committed
  std::optional<sqlite_store::statement> bills_, states_;
  std::int64_t last_row_before_ = 0;
  std::string gathered_subscriber_;
  std::vector<std::pair<date::year_month, store_blobs::records_blob>> gathered_;
  store_blobs::given_identities given_;
};

std::unique_ptr<cycle_close> sqlite_store::begin_close(date::year_month cycle,
                                                       const cycle_inputs& inputs) {
  return std::make_unique<sqlite_close>(*this, cycle, inputs);
}

}  // namespace

std::unique_ptr<cycle_store> open_sqlite_store(const std::filesystem::path& file) {
  return std::make_unique<sqlite_store>(file);
}

}  // namespace ratel
