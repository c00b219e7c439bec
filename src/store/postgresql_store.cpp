// The cycle store in PostgreSQL (see postgresql_store.hpp).
#include "ratel/store/postgresql_store.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <regex>
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

  void close(const cycle_closing& closing) override {
    const std::string cycle = to_string(closing.cycle);
    exec("BEGIN");
    try {
      exec(take_lock);  // held to the commit: the checks below hold until then
      check_closing(closing, find(closing.cycle).has_value(), last_closed(), name_);
      query(
          "INSERT INTO cycles (cycle, catalog_digest, accounts_digest, usage_digest, "
          "ratel_version) VALUES ($1, $2, $3, $4, $5)",
          {cycle, closing.inputs.catalog_digest, closing.inputs.accounts_digest,
           closing.inputs.usage_digest, closing.inputs.ratel_version});
      copy("COPY bills (subscriber, cycle, bill) FROM STDIN", closing.bills.size(),
           [&](std::string& out, std::size_t i) {
             const stored_bill& b = closing.bills[i];
             row(out, {b.subscriber, to_string(b.cycle), b.json});
           });
      copy("COPY carried_states (cycle, subscriber, state) FROM STDIN", closing.carried.size(),
           [&](std::string& out, std::size_t i) {
             const carried_state& c = closing.carried[i];
             row(out, {cycle, c.subscriber, carried_states_to_json(std::span(&c, 1))});
           });
      // The records go to a table of this transaction first: an identity billed already is
      // a fault of the caller's records, not of the store, so all of them are found and
      // handed back (billed_already) instead of failing on the first.
      exec("CREATE TEMPORARY TABLE closing_records (LIKE billed_records) ON COMMIT DROP");
      copy("COPY closing_records (subscriber, record_id, cycle, record, billed_by) FROM STDIN",
           closing.records.size(), [&](std::string& out, std::size_t i) {
             const billed_record& r = closing.records[i];
             row(out, {r.subscriber, r.id, to_string(r.cycle), r.row, cycle});
           });
      const result billed_before = query(
          "SELECT c.subscriber, c.record_id, b.cycle FROM closing_records c JOIN billed_records "
          "b USING (subscriber, record_id) ORDER BY c.subscriber, c.record_id",
          {});
      if (billed_before.rows() > 0) {
        std::vector<billed_record> conflicts;
        for (int i = 0; i < billed_before.rows(); ++i)
          conflicts.push_back({billed_before.text(i, 0),
                               billed_before.text(i, 1),
                               month_of(billed_before.text(i, 2)),
                               {},
                               {}});
        const std::string what = fmt::format(
            "{}: {} records of the closing of {} were billed already (the first: {} of {}, in "
            "cycle {})",
            name_, conflicts.size(), cycle, conflicts.front().id, conflicts.front().subscriber,
            to_string(conflicts.front().cycle));
        throw billed_already(what, std::move(conflicts));
      }
      exec("INSERT INTO billed_records SELECT * FROM closing_records");
      exec("COMMIT");
    } catch (...) {
      PQclear(PQexec(connection_.get(), "ROLLBACK"));  // nothing of it stays
      throw;
    }
  }

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

  // COPY ... FROM STDIN of `count` rows, each written by `write_row`, sent in blocks.
  template <class Write>
  void copy(const char* sql, std::size_t count, Write write_row) {
    result start(PQexec(connection_.get(), sql));
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) fail(fmt::format("cannot run \"{}\"", sql));
    std::string block;
    auto send = [&] {
      if (PQputCopyData(connection_.get(), block.data(), static_cast<int>(block.size())) != 1)
        fail(fmt::format("cannot send the rows of \"{}\"", sql));
      block.clear();
    };
    for (std::size_t i = 0; i < count; ++i) {
      write_row(block, i);
      if (block.size() >= (1 << 20)) send();
    }
    if (!block.empty()) send();
    if (PQputCopyEnd(connection_.get(), nullptr) != 1) fail(fmt::format("cannot end \"{}\"", sql));
    // The copy's own outcome, then nothing more.
    bool failed = false;
    while (PGresult* r = PQgetResult(connection_.get())) {
      failed = failed || PQresultStatus(r) != PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (failed) fail(fmt::format("cannot write the rows of \"{}\"", sql));
  }

  // One row of COPY's text format.
  static void row(std::string& out, std::initializer_list<std::string_view> fields) {
    bool first = true;
    for (std::string_view f : fields) {
      if (!first) out += '\t';
      first = false;
      append_copy_field(out, f);
    }
    out += '\n';
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
      for (int v = version; v < schema_version; ++v) exec(migrations[v]);
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

  date::year_month month_of(const std::string& text) const {
    const std::optional<date::year_month> m = parse_year_month(text);
    if (!m)
      throw store_error(fmt::format("store {}: a stored cycle \"{}\" is not YYYY-MM", name_, text));
    return *m;
  }

  std::string name_;
  std::unique_ptr<PGconn, void (*)(PGconn*)> connection_{nullptr, &PQfinish};
};

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
