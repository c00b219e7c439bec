// The stores the tests in tests/store/ run against, each a fresh, empty store per test,
// real in both cases: a SQLite file in a scratch directory, and a schema of its own in the
// PostgreSQL database that RATEL_TEST_POSTGRESQL names (.ci/with-postgresql starts one).
// Without that variable a PostgreSQL test is skipped with a printed reason, except under
// CI (RATEL_CI set), where it fails: CI must have run it.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "ratel/store/cycle_store.hpp"
#include "ratel/store/sqlite_store.hpp"

#ifdef RATEL_TEST_POSTGRESQL_STORE
#include <libpq-fe.h>

#include "ratel/store/postgresql_store.hpp"
#endif

namespace ratel::test_stores {

inline int next_number() {
  static int n = 0;
  return n++;
}

/// A SQLite file in a fresh directory, removed after.
class sqlite_kind {
 public:
  static constexpr const char* name = "SQLite";
  sqlite_kind() {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("ratel-store-test-{}-{}", ::getpid(), next_number());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~sqlite_kind() { std::filesystem::remove_all(dir_); }
  sqlite_kind(const sqlite_kind&) = delete;
  sqlite_kind& operator=(const sqlite_kind&) = delete;

  bool available() const { return true; }
  /// The store, opened (again) as a new run would.
  std::unique_ptr<cycle_store> open() const { return open_sqlite_store(dir_ / "billing.db"); }
  /// Runs SQL on the store behind ratel's back (to plant a newer schema, say).
  void run_sql(const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open((dir_ / "billing.db").c_str(), &db) == SQLITE_OK);
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    const std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, error);
  }
  /// Where the store's file is.
  std::filesystem::path file() const { return dir_ / "billing.db"; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

#ifdef RATEL_TEST_POSTGRESQL_STORE
/// A schema of its own in the test database (dropped after): ctest runs tests in parallel.
class postgresql_kind {
 public:
  static constexpr const char* name = "PostgreSQL";
  postgresql_kind() {
    const char* url = std::getenv("RATEL_TEST_POSTGRESQL");
    if (url == nullptr || *url == '\0') {
      if (std::getenv("RATEL_CI") != nullptr)
        FAIL(
            "RATEL_TEST_POSTGRESQL is not set: CI runs the store tests against a real "
            "PostgreSQL (.ci/with-postgresql)");
      MESSAGE(
          "skipped: RATEL_TEST_POSTGRESQL is not set (run under .ci/with-postgresql to "
          "test the PostgreSQL store)");
      return;
    }
    schema_ = fmt::format("ratel_test_{}_{}", ::getpid(), next_number());
    base_ = url;
    run_sql(fmt::format("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}", schema_),
            /*in_schema=*/false);
    url_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
           schema_;
  }
  ~postgresql_kind() {
    if (!schema_.empty()) run_sql(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", schema_), false);
  }
  postgresql_kind(const postgresql_kind&) = delete;
  postgresql_kind& operator=(const postgresql_kind&) = delete;

  bool available() const { return !schema_.empty(); }
  std::unique_ptr<cycle_store> open() const { return open_postgresql_store(url_); }
  void run_sql(const std::string& sql, bool in_schema = true) const {
    PGconn* c = PQconnectdb((in_schema ? url_ : base_).c_str());
    REQUIRE_MESSAGE(PQstatus(c) == CONNECTION_OK, PQerrorMessage(c));
    PGresult* r = PQexec(c, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    const std::string error = PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    REQUIRE_MESSAGE(ok, error);
  }

 private:
  std::string base_, url_, schema_;
};
#endif

}  // namespace ratel::test_stores

#ifdef RATEL_TEST_POSTGRESQL_STORE
#define RATEL_STORE_KINDS ratel::test_stores::sqlite_kind, ratel::test_stores::postgresql_kind
#else
#define RATEL_STORE_KINDS ratel::test_stores::sqlite_kind
#endif
