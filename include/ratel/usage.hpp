// ratel/usage.hpp: usage records (DESIGN 4.1), the CSV reader, rejects and duplicates.
//
// Concept: a usage_batch owns the text of one usage file and the records parsed from it.
// Records hold string_views into that text, so reading does no allocation per field
// (only a quoted field containing a doubled quote is unescaped into the batch's own
// storage). A row that cannot be a record never stops the run: it becomes a `reject`
// with its line number and reason. Two records with the same (subscriber, id) are one
// record charged once: the batch keeps one of them, chosen by content and never by file
// position (so shuffling the file changes nothing), and reports the others as duplicates.
//
// Invariant: rows_read() == records().size() + rejects().size() + duplicates().size().
//
// Only the file's shape is checked here (columns, time, service, quantity). What needs
// the catalog or the account log (a country the catalog does not know, a subscriber with
// no account) is decided by the rater, which adds its own rejects.
//
//   usage_batch batch = usage_batch::read_file("usage.csv");
//   for (const usage_record& r : batch.records()) ...
//
// A file too large for memory is read in pieces (stream.hpp): its header gives a
// usage_columns, which tells each raw row's subscriber without validating the row; rows
// are routed by subscriber into framed shards (append_framed_row), and each shard is
// parsed by usage_batch::parse_rows with the same checks, rejects and de-duplication as a
// whole file (a (subscriber, id) never spans two shards, so a shard's duplicates are the
// file's).
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ratel/service.hpp"
#include "ratel/time.hpp"
#include "ratel/detail/csv.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

/// One usage record. String fields view into the owning usage_batch (valid while it lives).
struct usage_record {
  std::string_view id;
  std::string_view subscriber;
  instant time;
  service svc = service::data;
  /// In the service's base unit: bytes, seconds, messages or uses (before any increment).
  std::int64_t quantity = 0;
  std::string_view country;  ///< ISO 3166-1 alpha-2, upper case; empty = home country
  std::string_view region;
  std::string_view peer;
  std::string_view product;
  std::uint32_t line = 0;  ///< 1-based line of the record in its file
};

/// The longest usage row read as a record, in bytes. A real row is about a hundred bytes;
/// a longer one is a broken export (a missing newline, a binary blob), rejected as
/// malformed_row so that one runaway line cannot hold megabytes of ids in the outputs.
inline constexpr std::size_t max_row_bytes = 64 * 1024;
/// A reject names the subscriber and id it read only when they are at most this long.
inline constexpr std::size_t max_named_field_bytes = 256;

/// Why a usage record was not rated. The names (to_string) are part of the rejects file.
enum class reject_reason : std::uint8_t {
  malformed_row,       ///< wrong number of fields, unterminated quote
  missing_field,       ///< a required column is empty (other than subscriber)
  empty_subscriber,    ///< the subscriber column is empty
  bad_time,            ///< not RFC 3339 with an offset
  unknown_service,     ///< not data/voice/sms/mms/vas
  bad_quantity,        ///< negative, fractional, not a number, too large
  bad_country,         ///< not two upper-case letters
  // Decided by the rater (needs the catalog or the account log):
  unknown_country,     ///< a country the catalog does not list
  unknown_subscriber,  ///< no line of the account log names this subscriber
  account_closed,      ///< at or after the account's close
  outside_cycle,       ///< not in the cycle(s) being rated
  no_rate,             ///< no allowance covers it and no rate applies
  barred,              ///< its service was barred by a threshold earlier in the cycle
  unknown_product,     ///< a vas record naming a product that is not a per-use service
  overflow,            ///< the subscriber's cycle sums past what money or counters hold exactly
};

/// The enumerator's name ("bad_quantity"): what the rejects file and the CLI print.
std::string_view to_string(reject_reason r) noexcept;

/// A record that was not rated, with where it came from and why.
struct reject {
  std::uint32_t line = 0;
  reject_reason reason = reject_reason::malformed_row;
  std::string subscriber;  ///< as far as it could be read ("" if not)
  std::string id;          ///< as far as it could be read ("" if not)
  std::string detail;      ///< human-readable: the offending column and value
};

/// A record left out because another record has the same (subscriber, id).
struct duplicate {
  std::uint32_t line = 0;       ///< the record that was left out
  std::uint32_t kept_line = 0;  ///< the record that is rated instead
  std::string subscriber;
  std::string id;
  bool same_content = true;  ///< false: same id but different time/service/quantity/...
};

/// The columns of one usage file, read from its header line (DESIGN 4.1: by name, in any
/// order). Immutable; shared by the threads that parse the file's shards.
class usage_columns {
 public:
  /// Reads the header line `text` (line `line` of `file`). Throws input_error
  /// (file:line:col, field) for a malformed header, a repeated column or a missing
  /// required one, with the messages of read_file.
  static usage_columns from_header(std::string_view text, const std::string& file, std::uint32_t line);
  /// The error read_file throws for a file with no header line (empty, or blank lines only).
  static input_error empty_file(const std::string& file);

  /// The subscriber a raw data row names (unescaped; may view into `row` or `scratch`), for
  /// routing only: the row is not validated. Empty when the row cannot be split as far as
  /// the subscriber column; such a row is rejected when parsed, in whatever shard it lands.
  std::string_view subscriber_of(std::string_view row, std::string& scratch) const;

  std::size_t size() const noexcept { return header_.size(); }

 private:
  friend class usage_batch;
  friend class usage_row_parser;
  usage_columns() = default;
  detail::csv::header header_;
  std::size_t id_ = 0, subscriber_ = 0, time_ = 0, service_ = 0, quantity_ = 0;
  std::size_t country_ = absent, region_ = absent, peer_ = absent, product_ = absent;
  static constexpr std::size_t absent = static_cast<std::size_t>(-1);
};

/// Appends one row to a framed shard text for usage_batch::parse_rows: its 1-based line
/// number and byte length (each a uint32 in native byte order: a shard is read back by the
/// process that wrote it), then the row's bytes, without its line terminator.
void append_framed_row(std::string& shard, std::uint32_t line, std::string_view row);

/// A parsed usage file. Move-only; records view into its own storage.
class usage_batch {
 public:
  /// Reads and parses a file. Throws input_error (file:line:col, field) if the file cannot
  /// be read, is empty, or its header lacks a required column or repeats one.
  static usage_batch read_file(const std::filesystem::path& path);
  /// Parses CSV text; `source_name` is used in messages. Throws input_error as read_file
  /// does (empty text, bad header); bad rows become rejects, never exceptions.
  static usage_batch parse(std::string text, std::string source_name);
  /// Parses a framed shard of data rows (append_framed_row) of a file whose header gave
  /// `columns`: the checks, rejects and de-duplication of `parse`, on those rows only.
  /// rows_read() counts the shard's rows. Never throws for a bad row.
  static usage_batch parse_rows(const usage_columns& columns, std::string framed_rows,
                                std::string source_name);

  usage_batch(usage_batch&&) noexcept = default;
  usage_batch& operator=(usage_batch&&) noexcept = default;
  usage_batch(const usage_batch&) = delete;
  usage_batch& operator=(const usage_batch&) = delete;

  const std::string& source_name() const noexcept { return source_name_; }
  /// Valid, de-duplicated records, in file order.
  const std::vector<usage_record>& records() const noexcept { return records_; }
  const std::vector<reject>& rejects() const noexcept { return rejects_; }
  const std::vector<duplicate>& duplicates() const noexcept { return duplicates_; }
  /// Data rows in the file (the header and blank lines are not rows).
  std::size_t rows_read() const noexcept { return rows_read_; }

 private:
  friend class usage_row_parser;
  usage_batch() = default;
  void finish();  // de-duplicates; checks the reconciliation
  std::string source_name_;
  std::unique_ptr<std::string> text_;  // the file; records view into it (heap: stable on move)
  std::deque<std::string> unescaped_;  // quoted fields with "" inside, unescaped
  std::vector<usage_record> records_;
  std::vector<reject> rejects_;
  std::vector<duplicate> duplicates_;
  std::size_t rows_read_ = 0;
};

}  // namespace ratel

