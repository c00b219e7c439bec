// What the CLI's commands read from a cycle store (--store): opening the store a path or a
// URL names, naming it in messages, a stored bill's adjustment lines, the digest of an input
// (the records a closed cycle billed: billed_usage, store/late_records_in_store.hpp). Used by `rate
// --store`, `bills`, `rerate`, `explain` and `close`.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/adjustment.hpp"
#include "ratel/store/cycle_store.hpp"
#include "ratel/store/late_records_in_store.hpp"
#include "ratel/usage.hpp"

namespace ratel::cli {

/// ratel's version, as a closed cycle records what it was rated by.
inline constexpr const char* ratel_version = "0.1.0";

/// SHA-256 of a file's bytes, in hex: what a closed cycle was rated from. Throws
/// input_error if it cannot be read.
std::string file_digest(const std::string& path);
/// SHA-256 of a text, in hex (an account log kept in a store, say).
std::string text_digest(std::string_view text);

/// --store: a postgresql:// (or postgres://) URL is a PostgreSQL database, anything else a
/// SQLite file (made if missing).
std::unique_ptr<cycle_store> open_store(const std::string& where);

/// The store as messages name it: a PostgreSQL URL without its password.
std::string shown(const std::string& store);

/// The adjustment lines (D25) of a stored bill's JSON, as adjustments.
std::vector<adjustment> adjustments_of(const stored_bill& stored, const std::string& store_name);

}  // namespace ratel::cli
