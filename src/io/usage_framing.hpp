// usage_framing.hpp (private): a usage file read in pieces (run/stream.cpp).
//
// A file too large for memory is read in pieces: its header gives a usage_columns, which
// tells each raw row's subscriber without validating the row; rows are routed by
// subscriber into framed shards (framed_rows.hpp), and each shard is parsed by
// parse_usage_rows with the same checks, rejects and de-duplication as a whole file (a
// (subscriber, id) never spans two shards, so a shard's duplicates are the file's).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv.hpp"
#include "io/framed_rows.hpp"
#include "ratel/usage.hpp"

namespace ratel {

/// The columns of one usage file, read from its header line (DESIGN 4.1: by name, in any
/// order). Immutable; shared by the threads that parse the file's shards.
class usage_columns {
 public:
  /// Reads the header line `text` (line `line` of `file`). Throws input_error
  /// (file:line:col, field) for a malformed header, a repeated column or a missing
  /// required one, with the messages of read_file.
  static usage_columns from_header(std::string_view text, const std::string& file,
                                   std::uint32_t line);
  /// The error read_file throws for a file with no header line (empty, or blank lines only).
  static input_error empty_file(const std::string& file);

  /// The subscriber a raw data row names (unescaped; may view into `row` or `scratch`), for
  /// routing only: the row is not validated. Empty when the row cannot be split as far as
  /// the subscriber column; such a row is rejected when parsed, in whatever shard it lands.
  std::string_view subscriber_of(std::string_view row, std::string& scratch) const;
  /// The time a raw data row gives, as subscriber_of (not validated: parse it).
  std::string_view time_of(std::string_view row, std::string& scratch) const;

  std::size_t size() const noexcept { return header_.size(); }

 private:
  friend class usage_row_parser;
  usage_columns() = default;
  detail::csv::header header_;
  std::size_t id_ = 0, subscriber_ = 0, time_ = 0, service_ = 0, quantity_ = 0;
  std::size_t country_ = absent, region_ = absent, peer_ = absent, product_ = absent;
  static constexpr std::size_t absent = static_cast<std::size_t>(-1);
};

/// Parses a framed shard of data rows (append_framed_row) of a file whose header gave
/// `columns`: the checks, rejects and de-duplication of parse_usage_csv, on those rows
/// only. rows_read() counts the shard's rows. Never throws for a bad row.
usage_batch parse_usage_rows(const usage_columns& columns, std::string framed_rows,
                             std::string source_name);
/// The same for a shard's rows in parts (one per thread that read some), in order: each
/// part is parsed where it lies (the first becomes the batch's text, the others are kept
/// beside it), not copied into one text first.
usage_batch parse_usage_rows(const usage_columns& columns, std::vector<std::string> framed_parts,
                             std::string source_name);

}  // namespace ratel
