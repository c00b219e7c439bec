// The cycle store in PostgreSQL (see postgresql_store.hpp).
#include "ratel/store/postgresql_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "ratel/io/carried_state_json.hpp"

namespace ratel {
namespace {

// The schema's versions, in order: the SQL that takes a database from the one before to
// it. The database records the last it has in `ratel_schema`; opening applies the rest.
constexpr const char* migrations[] = {
    // 1: the schema of SQLite's version 2, the first PostgreSQL store.
    R"sql(
CREATE TABLE cycles (
  cycle TEXT COLLATE "C" PRIMARY KEY,  -- YYYY-MM
  catalog_digest TEXT NOT NULL,
  accounts_digest TEXT NOT NULL,
  usage_digest TEXT NOT NULL,
  ratel_version TEXT NOT NULL
);
CREATE TABLE bills (
  subscriber TEXT COLLATE "C" NOT NULL,
  cycle TEXT COLLATE "C" NOT NULL REFERENCES cycles (cycle),
  bill TEXT NOT NULL,  -- ratel's bill JSON
  PRIMARY KEY (subscriber, cycle)
);
CREATE TABLE carried_states (
  cycle TEXT COLLATE "C" NOT NULL REFERENCES cycles (cycle),
  subscriber TEXT COLLATE "C" NOT NULL,
  state TEXT NOT NULL,  -- a carried-state document of one state
  PRIMARY KEY (cycle, subscriber)
);
CREATE TABLE billed_records (
  subscriber TEXT COLLATE "C" NOT NULL,
  record_id TEXT COLLATE "C" NOT NULL,
  cycle TEXT COLLATE "C" NOT NULL REFERENCES cycles (cycle),
  record TEXT,  -- a usage row: usage_row_to_csv
  billed_by TEXT COLLATE "C" NOT NULL,  -- the close that billed it: cycle, or a later one
  PRIMARY KEY (subscriber, record_id)
);
)sql",
    // 2: live rating's open cycles and the input offsets they reflect (save_live).
    R"sql(
CREATE TABLE live_accounts (
  subscriber TEXT COLLATE "C" PRIMARY KEY,
  topic TEXT COLLATE "C" NOT NULL,
  partition_no INTEGER NOT NULL,
  cycle TEXT COLLATE "C" NOT NULL,
  state TEXT NOT NULL  -- a ratel-live-state document of this one account
);
CREATE INDEX live_accounts_by_partition ON live_accounts (topic, partition_no);
CREATE TABLE live_offsets (
  topic TEXT COLLATE "C" NOT NULL,
  partition_no INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  PRIMARY KEY (topic, partition_no)
);
)sql",
    // 3: an open cycle's records in rows of their own, appended as they come, so that a live
    // save costs what changed (SQLite's schema 4); schema 2's rows are moved here after it.
    R"sql(
CREATE TABLE live_records (
  topic TEXT COLLATE "C" NOT NULL,
  partition_no INTEGER NOT NULL,
  line BIGINT NOT NULL,  -- the message's offset + 1
  subscriber TEXT COLLATE "C" NOT NULL,
  cycle TEXT COLLATE "C" NOT NULL,
  record TEXT NOT NULL,  -- a usage row: usage_row_to_csv
  PRIMARY KEY (topic, partition_no, line)  -- appended in order: a save touches few pages
);
)sql",
    // 4: where a worker with a grace period read to past the messages it left for the next
    // cycle (partition_offset::read_to, held_from, in seconds since 1970), and the cycle
    // whose close the partition waits for (SQLite's schema 5).
    R"sql(
ALTER TABLE live_offsets ADD COLUMN read_to BIGINT;
ALTER TABLE live_offsets ADD COLUMN held_from BIGINT;
ALTER TABLE live_offsets ADD COLUMN waits_for_close TEXT COLLATE "C";
)sql",
    // 5: the account log, for live workers to follow as it grows (SQLite's schema 6).
    R"sql(
CREATE TABLE account_log (
  entry BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- in the order added
  row TEXT NOT NULL  -- an account-log row: account_entry_to_csv
);
)sql",
};
constexpr int schema_version = static_cast<int>(std::size(migrations));
// The advisory lock that serialises schema changes and closes between connections.
constexpr const char* take_lock = "SELECT pg_advisory_xact_lock(7561230417)";

// COPY's text format: backslash, and the characters that end fields and rows, escaped.
void append_copy_field(std::string& out, std::string_view field) {
  for (char c : field) switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
}

class postgresql_store final : public cycle_store {
 public:
  explicit postgresql_store(const std::string& url) : name_(without_password(url)) {
    connection_.reset(PQconnectdb(url.c_str()));
    if (!connection_ || PQstatus(connection_.get()) != CONNECTION_OK) fail("cannot connect");
    exec("SET client_encoding = 'UTF8'");
    exec("SET client_min_messages = warning");  // no NOTICEs of CREATE ... IF NOT EXISTS
    migrate();
  }

  std::optional<closed_cycle> last_closed() override {
    return cycle_where("ORDER BY cycle DESC LIMIT 1", {});
  }
  std::optional<closed_cycle> first_closed() override {
    return cycle_where("ORDER BY cycle LIMIT 1", {});
  }
  std::optional<closed_cycle> find(date::year_month cycle) override {
    return cycle_where("WHERE cycle = $1", {to_string(cycle)});
  }

  carried_book carried_after(date::year_month cycle) override {
    const result r =
        query("SELECT subscriber, state FROM carried_states WHERE cycle = $1", {to_string(cycle)});
    carried_book book;
    for (int row = 0; row < r.rows(); ++row) {
      const std::string where =
          fmt::format("{} (carried state of {} after {})", name_, r.text(row, 0), to_string(cycle));
      for (carried_state& c : parse_carried_states(r.text(row, 1), where))
        book.insert_or_assign(c.subscriber, std::move(c));
    }
    return book;
  }

  std::unique_ptr<cycle_close> begin_close(date::year_month cycle,
                                           const cycle_inputs& inputs) override;

  std::vector<stored_bill> bills(std::string_view subscriber,
                                 std::optional<date::year_month> cycle) override {
    const result r =
        cycle ? query("SELECT cycle, bill FROM bills WHERE subscriber = $1 AND cycle = $2",
                      {std::string(subscriber), to_string(*cycle)})
              : query("SELECT cycle, bill FROM bills WHERE subscriber = $1 ORDER BY cycle",
                      {std::string(subscriber)});
    std::vector<stored_bill> out;
    for (int row = 0; row < r.rows(); ++row)
      out.push_back({std::string(subscriber), month_of(r.text(row, 0)), r.text(row, 1)});
    return out;
  }

  std::optional<date::year_month> billed(std::string_view subscriber,
                                         std::string_view id) override {
    const result r =
        query("SELECT cycle FROM billed_records WHERE subscriber = $1 AND record_id = $2",
              {std::string(subscriber), std::string(id)});
    return r.rows() > 0 ? std::optional(month_of(r.text(0, 0))) : std::nullopt;
  }

  std::vector<billed_record> records_of(date::year_month cycle,
                                        std::string_view subscriber) override {
    const result r = query(
        "SELECT record_id, record, billed_by FROM billed_records WHERE subscriber = $1 AND "
        "cycle = $2 ORDER BY record_id",
        {std::string(subscriber), to_string(cycle)});
    std::vector<billed_record> out;
    for (int row = 0; row < r.rows(); ++row) {
      if (r.is_null(row, 1))
        throw store_error(fmt::format(
            "{}: record {} of {} in cycle {} has no stored row, so the cycle cannot be rated "
            "again with late records",
            name_, r.text(row, 0), subscriber, to_string(cycle)));
      out.push_back({std::string(subscriber), r.text(row, 0), cycle, r.text(row, 1),
                     month_of(r.text(row, 2))});
    }
    return out;
  }

  // One transaction, under the lock closes take: the check of each partition's offset
  // holds until the commit, also against a worker saving the same partition.
  void save_live(std::span<const live_account_state> accounts,
                 std::span<const partition_offset> offsets) override {
    exec("BEGIN");
    try {
      exec(take_lock);
      for (const partition_offset& p : offsets) {
        const result saved =
            query("SELECT next_offset FROM live_offsets WHERE topic = $1 AND partition_no = $2",
                  {p.topic, std::to_string(p.partition)});
        const std::optional<std::int64_t> was =
            saved.rows() > 0 ? std::optional(std::stoll(saved.text(0, 0))) : std::nullopt;
        check_partition_offset(p, was, name_);
        // An empty text is NULL: the optional values that are not there.
        query(
            "INSERT INTO live_offsets (topic, partition_no, next_offset, read_to, held_from, "
            "waits_for_close) VALUES ($1, $2, $3, NULLIF($4, '')::BIGINT, "
            "NULLIF($5, '')::BIGINT, NULLIF($6, '')) ON CONFLICT (topic, partition_no) DO UPDATE "
            "SET next_offset = EXCLUDED.next_offset, read_to = EXCLUDED.read_to, "
            "held_from = EXCLUDED.held_from, waits_for_close = EXCLUDED.waits_for_close",
            {p.topic, std::to_string(p.partition), std::to_string(p.next),
             p.read_to ? std::to_string(*p.read_to) : std::string(),
             p.held_from ? std::to_string(p.held_from->time_since_epoch().count()) : std::string(),
             p.waits_for_close ? to_string(*p.waits_for_close) : std::string()});
      }
      check_live_cycles_open(
          accounts, [&](date::year_month c) { return find(c).has_value(); }, name_);
      for (const live_account_state& a : accounts) {
        insert_rows(a.topic, a.partition, a.open);
        for (const std::uint32_t line : a.lines_removed)
          query("DELETE FROM live_records WHERE topic = $1 AND partition_no = $2 AND line = $3",
                {a.topic, std::to_string(a.partition), std::to_string(line)});
      }
      for (const live_account_state& a : accounts)
        query(
            "INSERT INTO live_accounts (subscriber, topic, partition_no, cycle, state) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscriber) DO UPDATE SET "
            "topic = EXCLUDED.topic, partition_no = EXCLUDED.partition_no, "
            "cycle = EXCLUDED.cycle, state = EXCLUDED.state",
            {a.open.subscriber, a.topic, std::to_string(a.partition), to_string(a.open.cycle),
             state_without_rows(a.open)});
      exec("COMMIT");
    } catch (...) {
      PQclear(PQexec(connection_.get(), "ROLLBACK"));
      throw;
    }
  }

  std::vector<live_account_state> live_accounts(std::string_view topic,
                                                std::int32_t partition) override {
    const result r = query(
        "SELECT subscriber, state FROM live_accounts WHERE topic = $1 AND partition_no = $2 "
        "ORDER BY subscriber",
        {std::string(topic), std::to_string(partition)});
    std::vector<live_account_state> out;
    for (int row = 0; row < r.rows(); ++row) {
      const std::string where = fmt::format("{} (open cycle of {})", name_, r.text(row, 0));
      for (open_cycle_state& o : parse_open_cycles(r.text(row, 1), where))
        out.push_back({std::string(topic), partition, std::move(o), {}});
    }
    add_rows(out, query("SELECT subscriber, line, record FROM live_records WHERE topic = $1 AND "
                        "partition_no = $2 ORDER BY line",
                        {std::string(topic), std::to_string(partition)}));
    return out;
  }

  std::vector<live_account_state> live_accounts_of(date::year_month cycle) override {
    const result r = query(
        "SELECT subscriber, topic, partition_no, state FROM live_accounts WHERE cycle = $1 "
        "ORDER BY subscriber",
        {to_string(cycle)});
    std::vector<live_account_state> out;
    for (int row = 0; row < r.rows(); ++row) {
      const std::string where = fmt::format("{} (open cycle of {})", name_, r.text(row, 0));
      for (open_cycle_state& o : parse_open_cycles(r.text(row, 3), where))
        out.push_back({r.text(row, 1), std::stoi(r.text(row, 2)), std::move(o), {}});
    }
    add_rows(out, query("SELECT subscriber, line, record FROM live_records WHERE cycle = $1 "
                        "ORDER BY topic, partition_no, line",
                        {to_string(cycle)}));
    return out;
  }

  std::optional<std::int64_t> next_offset(std::string_view topic, std::int32_t partition) override {
    const result r =
        query("SELECT next_offset FROM live_offsets WHERE topic = $1 AND partition_no = $2",
              {std::string(topic), std::to_string(partition)});
    return r.rows() > 0 ? std::optional(std::stoll(r.text(0, 0))) : std::nullopt;
  }

  // One transaction, under the lock closes take: the entries are numbered in the order
  // their transactions commit.
  void add_account_log(std::span<const std::string> rows) override {
    exec("BEGIN");
    try {
      exec(take_lock);
      for (const std::string& row : rows) query("INSERT INTO account_log (row) VALUES ($1)", {row});
      exec("COMMIT");
    } catch (...) {
      PQclear(PQexec(connection_.get(), "ROLLBACK"));
      throw;
    }
  }

  std::vector<std::string> account_log() override {
    const result r = query("SELECT row FROM account_log ORDER BY entry", {});
    std::vector<std::string> out;
    for (int row = 0; row < r.rows(); ++row) out.push_back(r.text(row, 0));
    return out;
  }

  std::int64_t account_log_size() override {
    return std::stoll(query("SELECT count(*) FROM account_log", {}).text(0, 0));
  }

  std::vector<partition_offset> saved_offsets(std::string_view topic) override {
    const result r = query(
        "SELECT partition_no, next_offset, COALESCE(read_to::TEXT, ''), "
        "COALESCE(held_from::TEXT, ''), COALESCE(waits_for_close, '') FROM live_offsets "
        "WHERE topic = $1 "
        "ORDER BY partition_no",
        {std::string(topic)});
    std::vector<partition_offset> out;
    for (int row = 0; row < r.rows(); ++row) {
      partition_offset& p = out.emplace_back();
      p.topic = topic;
      p.partition = static_cast<std::int32_t>(std::stol(r.text(row, 0)));
      p.next = std::stoll(r.text(row, 1));
      if (const std::string read_to = r.text(row, 2); !read_to.empty())
        p.read_to = std::stoll(read_to);
      if (const std::string held = r.text(row, 3); !held.empty())
        p.held_from = instant(std::chrono::seconds(std::stoll(held)));
      if (const std::string waits = r.text(row, 4); !waits.empty())
        p.waits_for_close = month_of(waits);
    }
    return out;
  }

 private:
  // A query's result, freed with it.
  class result {
   public:
    explicit result(PGresult* r) : r_(r, &PQclear) {}
    PGresult* get() const { return r_.get(); }
    int rows() const { return PQntuples(r_.get()); }
    bool is_null(int row, int column) const { return PQgetisnull(r_.get(), row, column) != 0; }
    std::string text(int row, int column) const {
      return std::string(PQgetvalue(r_.get(), row, column),
                         static_cast<std::size_t>(PQgetlength(r_.get(), row, column)));
    }

   private:
    std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
  };

  // Runs `sql` with text parameters; a result that is not rows or done is a store_error.
  result query(const char* sql, const std::vector<std::string>& parameters) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    for (const std::string& p : parameters) {
      values.push_back(p.c_str());
      lengths.push_back(static_cast<int>(p.size()));
    }
    result r(PQexecParams(connection_.get(), sql, static_cast<int>(parameters.size()), nullptr,
                          values.data(), lengths.data(), nullptr, 0));
    const ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      fail(fmt::format("cannot run \"{}\"", sql));
    return r;
  }

  // Runs SQL without parameters, which may be several statements (a migration).
  void exec(const char* sql) {
    const result r(PQexec(connection_.get(), sql));
    const ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
      fail(fmt::format("cannot run \"{}\"", sql));
  }

  // Starts COPY ... FROM STDIN: rows then go with send_copy, and end with end_copy.
  void begin_copy(const char* sql) {
    result start(PQexec(connection_.get(), sql));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) fail(fmt::format("cannot run \"{}\"", sql));
  }
  void send_copy(std::string_view rows) {
    if (!rows.empty() &&
        PQputCopyData(connection_.get(), rows.data(), static_cast<int>(rows.size())) != 1)
      fail("cannot send rows to COPY");
  }
  void end_copy() {
    if (PQputCopyEnd(connection_.get(), nullptr) != 1) fail("cannot end COPY");
    // The copy's own outcome, then nothing more.
    bool failed = false;
    while (PGresult* r = PQgetResult(connection_.get())) {
      failed = failed || PQresultStatus(r) != PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (failed) fail("cannot write the rows of a COPY");
  }

  std::optional<closed_cycle> cycle_where(const char* tail, const std::vector<std::string>& p) {
    const result r = query(
        fmt::format("SELECT cycle, catalog_digest, accounts_digest, usage_digest, ratel_version "
                    "FROM cycles {}",
                    tail)
            .c_str(),
        p);
    if (r.rows() == 0) return std::nullopt;
    return closed_cycle{month_of(r.text(0, 0)),
                        {r.text(0, 1), r.text(0, 2), r.text(0, 3), r.text(0, 4)}};
  }

  [[noreturn]] void fail(const std::string& doing) const {
    std::string reason = connection_ ? PQerrorMessage(connection_.get()) : "out of memory";
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    throw store_error(fmt::format("store {}: {}: {}", name_, doing, reason));
  }

  // Creates the schema, or brings an older one up to date, in one transaction.
  void migrate() {
    exec("BEGIN");
    try {
      exec(take_lock);
      exec("CREATE TABLE IF NOT EXISTS ratel_schema (version INTEGER NOT NULL)");
      const result r = query("SELECT version FROM ratel_schema", {});
      const int version = r.rows() > 0 ? std::stoi(r.text(0, 0)) : 0;
      if (version > schema_version)
        throw store_error(fmt::format(
            "store {}: its schema is version {}, newer than this ratel knows ({}); use the "
            "ratel that wrote it, or a newer one",
            name_, version, schema_version));
      for (int v = version; v < schema_version; ++v) {
        exec(migrations[v]);
        if (v == 2 && version == 2) move_live_rows();  // 3 over a store of schema 2
      }
      if (version < schema_version) {
        exec("DELETE FROM ratel_schema");
        query("INSERT INTO ratel_schema (version) VALUES ($1)", {std::to_string(schema_version)});
      }
      exec("COMMIT");
    } catch (...) {
      PQclear(PQexec(connection_.get(), "ROLLBACK"));
      throw;
    }
  }

  // Schema 2 kept an open cycle's records in its state: they move to live_records.
  void move_live_rows() {
    const result r = query("SELECT subscriber, topic, partition_no, state FROM live_accounts", {});
    for (int i = 0; i < r.rows(); ++i)
      for (const open_cycle_state& o : parse_open_cycles(
               r.text(i, 3), fmt::format("{} (open cycle of {})", name_, r.text(i, 0)))) {
        insert_rows(r.text(i, 1), std::stoi(r.text(i, 2)), o);
        query("UPDATE live_accounts SET state = $1 WHERE subscriber = $2",
              {state_without_rows(o), o.subscriber});
      }
  }

  void insert_rows(const std::string& topic, std::int32_t partition, const open_cycle_state& o) {
    for (std::size_t i = 0; i < o.rows.size(); ++i)
      query(
          "INSERT INTO live_records (topic, partition_no, line, subscriber, cycle, record) VALUES "
          "($1, $2, $3, $4, $5, $6) ON CONFLICT (topic, partition_no, line) DO UPDATE SET "
          "subscriber = EXCLUDED.subscriber, cycle = EXCLUDED.cycle, record = EXCLUDED.record",
          {topic, std::to_string(partition), std::to_string(o.lines.at(i)), o.subscriber,
           to_string(o.cycle), o.rows[i]});
  }

  // The rows of the open cycles read (`r`: subscriber, line, record, in line order), after
  // those their state holds.
  static void add_rows(std::vector<live_account_state>& accounts, const result& r) {
    std::map<std::string, live_account_state*, std::less<>> by_subscriber;
    for (live_account_state& a : accounts) by_subscriber.emplace(a.open.subscriber, &a);
    for (int i = 0; i < r.rows(); ++i) {
      const auto at = by_subscriber.find(r.text(i, 0));
      if (at == by_subscriber.end()) continue;  // not of these open cycles
      at->second->open.lines.push_back(static_cast<std::uint32_t>(std::stoul(r.text(i, 1))));
      at->second->open.rows.push_back(r.text(i, 2));
    }
  }

  date::year_month month_of(const std::string& text) const {
    const std::optional<date::year_month> m = parse_year_month(text);
    if (!m)
      throw store_error(fmt::format("store {}: a stored cycle \"{}\" is not YYYY-MM", name_, text));
    return *m;
  }

  std::string name_;
  std::unique_ptr<PGconn, void (*)(PGconn*)> connection_{nullptr, &PQfinish};

  friend class postgresql_close;
};

// A close in one transaction, under the advisory lock (taken first: the checks made at its
// start hold until the commit). Everything given goes, as it comes, through one COPY into
// a table of the transaction; the commit moves it into the store's tables with a few
// statements, after finding every record whose identity was billed already.
class postgresql_close final : public cycle_close {
 public:
  postgresql_close(postgresql_store& store, date::year_month cycle, const cycle_inputs& inputs)
      : store_(store), cycle_(cycle), cycle_text_(to_string(cycle)) {
    store_.exec("BEGIN");
    try {
      store_.exec(take_lock);
      check_closing(cycle, store_.find(cycle).has_value(), store_.last_closed(), store_.name_);
      store_.query(
          "INSERT INTO cycles (cycle, catalog_digest, accounts_digest, usage_digest, "
          "ratel_version) VALUES ($1, $2, $3, $4, $5)",
          {cycle_text_, inputs.catalog_digest, inputs.accounts_digest, inputs.usage_digest,
           inputs.ratel_version});
      // kind: b a bill, s a carried state, r a billed record (record_id, line: records only)
      store_.exec(
          "CREATE TEMPORARY TABLE closing (kind \"char\" NOT NULL, subscriber TEXT COLLATE \"C\" "
          "NOT NULL, record_id TEXT COLLATE \"C\", cycle TEXT COLLATE \"C\" NOT NULL, payload "
          "TEXT NOT NULL, line BIGINT) ON COMMIT DROP");
    } catch (...) {
      rollback();
      throw;
    }
  }
  ~postgresql_close() override {
    if (open_) rollback();
  }

  void add(const stored_bill& b) override {
    row('b', b.subscriber, "\\N", to_string(b.cycle), b.json, "\\N");
  }
  void add(const stored_state& c) override {
    row('s', c.subscriber, "\\N", cycle_text_, c.json, "\\N");
  }
  void add(const billed_record& r) override {
    check_closing_record(r, cycle_, store_.name_);
    std::string id;
    append_copy_field(id, r.id);
    row('r', r.subscriber, id, to_string(r.cycle), r.row, std::to_string(r.line));
  }

  std::vector<live_account_state> open_cycles() override {
    if (copying_)
      throw std::logic_error("cycle_close::open_cycles after the first add: the COPY is open");
    return store_.live_accounts_of(cycle_);
  }

  void commit() override {
    start_copy();
    store_.send_copy(block_);
    block_.clear();
    copying_ = false;
    store_.end_copy();
    const postgresql_store::result billed_before = store_.query(
        "SELECT c.subscriber, c.record_id, b.cycle, c.payload, c.line FROM closing c JOIN "
        "billed_records b USING (subscriber, record_id) WHERE c.kind = 'r' ORDER BY "
        "c.subscriber, c.record_id",
        {});
    if (billed_before.rows() > 0) {
      std::vector<billed_record> conflicts;
      for (int i = 0; i < billed_before.rows(); ++i)
        conflicts.push_back({billed_before.text(i, 0), billed_before.text(i, 1),
                             store_.month_of(billed_before.text(i, 2)), billed_before.text(i, 3),
                             std::nullopt,
                             static_cast<std::uint32_t>(std::stoul(billed_before.text(i, 4)))});
      const std::string what = fmt::format(
          "{}: {} records of the closing of {} were billed already (the first: {} of {}, in "
          "cycle {})",
          store_.name_, conflicts.size(), cycle_text_, conflicts.front().id,
          conflicts.front().subscriber, to_string(conflicts.front().cycle));
      throw billed_already(what, std::move(conflicts));
    }
    store_.exec(
        "INSERT INTO bills (subscriber, cycle, bill) SELECT subscriber, cycle, payload FROM "
        "closing WHERE kind = 'b'");
    store_.exec(
        "INSERT INTO carried_states (cycle, subscriber, state) SELECT cycle, subscriber, "
        "payload FROM closing WHERE kind = 's'");
    store_.query(
        "INSERT INTO billed_records (subscriber, record_id, cycle, record, billed_by) SELECT "
        "subscriber, record_id, cycle, payload, $1 FROM closing WHERE kind = 'r'",
        {cycle_text_});
    // Live rating's open cycles of this cycle are closed by it (cycle_close::commit).
    store_.query("DELETE FROM live_accounts WHERE cycle = $1", {cycle_text_});
    store_.query("DELETE FROM live_records WHERE cycle = $1", {cycle_text_});
    store_.exec("COMMIT");
    open_ = false;
  }

 private:
  // The COPY begins at the first row (until then the connection takes statements:
  // open_cycles).
  void start_copy() {
    if (copying_) return;
    store_.begin_copy(
        "COPY closing (kind, subscriber, record_id, cycle, payload, line) FROM STDIN");
    copying_ = true;
  }
  // One row of the COPY, sent a megabyte at a time. `record_id` and `line` are given as
  // COPY text already (\N: null).
  void row(char kind, std::string_view subscriber, std::string_view record_id,
           std::string_view cycle, std::string_view payload, std::string_view line) {
    start_copy();
    block_ += kind;
    block_ += '\t';
    append_copy_field(block_, subscriber);
    block_ += '\t';
    block_ += record_id;
    block_ += '\t';
    block_ += cycle;
    block_ += '\t';
    append_copy_field(block_, payload);
    block_ += '\t';
    block_ += line;
    block_ += '\n';
    if (block_.size() >= (std::size_t{1} << 20)) {
      store_.send_copy(block_);
      block_.clear();
    }
  }
  void rollback() {
    PGconn* connection = store_.connection_.get();
    // A COPY still open is ended as failed first: the connection takes no statement in it.
    if (copying_ && PQputCopyEnd(connection, "close abandoned") == 1)
      while (PGresult* r = PQgetResult(connection)) PQclear(r);
    copying_ = false;
    PQclear(PQexec(connection, "ROLLBACK"));  // nothing of it stays
    open_ = false;
  }

  postgresql_store& store_;
  date::year_month cycle_;
  std::string cycle_text_;
  std::string block_;
  bool open_ = true;      // a transaction to roll back if not committed
  bool copying_ = false;  // the COPY is open
};

std::unique_ptr<cycle_close> postgresql_store::begin_close(date::year_month cycle,
                                                           const cycle_inputs& inputs) {
  return std::make_unique<postgresql_close>(*this, cycle, inputs);
}

}  // namespace

std::string without_password(const std::string& url) {
  static const std::regex in_uri(R"(^(postgres(?:ql)?://[^:/@]*):[^@]*@)");
  static const std::regex in_keywords(R"(password\s*=\s*('[^']*'|\S+))");
  return std::regex_replace(std::regex_replace(url, in_uri, "$1:***@"), in_keywords,
                            "password=***");
}

std::unique_ptr<cycle_store> open_postgresql_store(const std::string& url) {
  return std::make_unique<postgresql_store>(url);
}

}  // namespace ratel
