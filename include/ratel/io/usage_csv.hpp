// ratel/io/usage_csv.hpp: usage files (CSV, DESIGN 4.1) read into a usage_batch.
//
// Concept: a header line names the columns (any order; id, subscriber, time, service and
// quantity required; country, region, peer and product optional; unknown columns are
// ignored). Every data row becomes a record or a reject with its line number and reason
// (usage.hpp): a bad row never stops the read. Records view into the batch's copy of the
// text, so reading allocates nothing per field.
//
// Errors: input_error (file:line:col, field) for an unreadable or empty file, and for a
// header that lacks a required column or repeats one.
//
//   usage_batch batch = read_usage_csv("usage.csv");
#pragma once

#include <filesystem>
#include <string>

#include "ratel/usage.hpp"

namespace ratel {

/// Reads and parses a usage file (see the file comment for errors).
usage_batch read_usage_csv(const std::filesystem::path& path);
/// Parses usage CSV text; `source_name` names it in messages. Throws as read_usage_csv
/// does (empty text, bad header); bad rows become rejects, never exceptions.
usage_batch parse_usage_csv(std::string text, std::string source_name);

/// The header line (with its line end) of the rows usage_row_to_csv writes: every column
/// of DESIGN 4.1, in its order.
std::string_view usage_csv_header() noexcept;
/// A record as one row of usage_csv_header's columns, without a line end, its time as it
/// was written: what a store keeps of a billed record so that its cycle can be rated
/// again with late records (D25). Parsing the row gives the same record.
std::string usage_row_to_csv(const usage_record& r);
/// usage_row_to_csv's row appended to `out`.
void append_usage_row_csv(std::string& out, const usage_record& r);

}  // namespace ratel
