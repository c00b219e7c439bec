// ratel/catalog_toml.hpp: loading and validating a catalog file.
//
// Concept: a catalog file (TOML; the format is documented field by field in
// tariffs/README.md) becomes a `catalog`, or an input_error that names the file, the
// 1-based line and column and the field (`products[1].rates[0].price`) with what is
// wrong and what would be right. Unknown fields are errors, not ignored: a misspelt
// `prioirty` must not silently become priority 0. Money must be written as a string
// ("0.01"): a TOML float is binary floating point and cannot hold 0.01.
//
//   catalog c = load_catalog("tariffs/cmcc-2012.toml");
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "ratel/catalog.hpp"

namespace ratel {

/// Loads and validates a catalog file. Throws input_error.
catalog load_catalog(const std::filesystem::path& path);

/// Same, from text; `source_name` is the file name used in errors.
catalog parse_catalog(std::string_view text, const std::string& source_name);

}  // namespace ratel
