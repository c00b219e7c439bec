// What the CLI's commands read from a cycle store (--store): opening the store a path or a
// URL names, naming it in messages, the records a closed cycle billed as a usage batch, and
// a stored bill's adjustment lines, the digest of an input. Used by `rate --store`, `bills`,
// `rerate`, `explain` and `close`.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/adjustment.hpp"
#include "ratel/store/cycle_store.hpp"
#include "ratel/usage.hpp"

namespace ratel::cli {

/// ratel's version, as a closed cycle records what it was rated by.
inline constexpr const char* ratel_version = "0.1.0";

/// SHA-256 of a file's bytes, in hex: what a closed cycle was rated from. Throws
/// input_error if it cannot be read.
std::string file_digest(const std::string& path);

/// --store: a postgresql:// (or postgres://) URL is a PostgreSQL database, anything else a
/// SQLite file (made if missing).
std::unique_ptr<cycle_store> open_store(const std::string& where);

/// The store as messages name it: a PostgreSQL URL without its password.
std::string shown(const std::string& store);

/// The records of closed cycle `month` for `subscribers`, read back from the rows the store
/// kept: all of them (`as_closed` false: its late records billed since included), or only
/// those its own close billed (true: what its stored bills were rated from). Throws
/// store_error if one cannot be read.
usage_batch billed_usage(cycle_store& store, const std::string& store_name, date::year_month month,
                         const std::set<std::string_view>& subscribers, bool as_closed = false);

/// The adjustment lines (D25) of a stored bill's JSON, as adjustments.
std::vector<adjustment> adjustments_of(const stored_bill& stored, const std::string& store_name);

}  // namespace ratel::cli
