// ratel/store/sqlite_store.hpp: the cycle store in a SQLite file (target ratel::store_sqlite).
//
// Concept: cycle_store.hpp's store, embedded: one file, no server, the default for the CLI's
// `--store PATH`. SQLite's own C library (libsqlite3), in WAL mode with full synchronous
// commits, so a close is durable when close() returns and a killed process leaves the last
// close whole. The schema is created on first open and its version kept in the table
// `ratel_schema`; a file of a newer schema than this ratel knows is refused.
//
//   auto store = open_sqlite_store("billing.db");
#pragma once

#include <filesystem>
#include <memory>

#include "ratel/store/cycle_store.hpp"

namespace ratel {

/// Opens (creating if needed) the store in `file`. Throws store_error naming the file.
std::unique_ptr<cycle_store> open_sqlite_store(const std::filesystem::path& file);

}  // namespace ratel
