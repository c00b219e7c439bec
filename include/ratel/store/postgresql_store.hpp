// ratel/store/postgresql_store.hpp: the cycle store in PostgreSQL (ratel::store_postgresql).
//
// Concept: cycle_store.hpp's store on a database server, for backends that run many
// workers or keep their billing in PostgreSQL already. Through libpq, PostgreSQL's own C
// client: a close is one transaction (serialised between workers by an advisory lock), its
// rows sent with COPY, so it is durable when close() returns and a killed process leaves
// the last close whole. The schema is created on first open and its version kept in the
// table `ratel_schema`; a database of a newer schema than this ratel knows is refused.
// Keys are compared byte for byte (COLLATE "C"), whatever the database's locale.
//
//   auto store = open_postgresql_store("postgresql://billing@db.example/ratel");
#pragma once

#include <memory>
#include <string>

#include "ratel/store/cycle_store.hpp"

namespace ratel {

/// Connects to the database named by `url` (a libpq connection URI or key=value string)
/// and creates or migrates ratel's tables in it. Throws store_error naming the database
/// (the URL without a password) and PostgreSQL's reason.
std::unique_ptr<cycle_store> open_postgresql_store(const std::string& url);

/// `url` as messages may show it: a password in it replaced by ***.
std::string without_password(const std::string& url);

}  // namespace ratel
