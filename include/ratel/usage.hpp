// ratel/usage.hpp: usage records (DESIGN 4.1), rejects and duplicates.
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
// Reading is not here: io/usage_csv.hpp reads usage CSV into a usage_batch.
//
//   usage_batch batch = read_usage_csv("usage.csv");   // ratel/io/usage_csv.hpp
//   for (const usage_record& r : batch.records()) ...
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"
#include "ratel/service.hpp"
#include "ratel/time.hpp"

namespace ratel {

/// One usage record. String fields view into the owning usage_batch (valid while it lives).
struct usage_record {
  std::string_view id;
  std::string_view subscriber;
  instant time;
  service svc = service::data;
  /// The UTC offset the time was written with, in minutes (the time itself is UTC-based;
  /// this only lets an explanation show the time as the network wrote it).
  std::int16_t written_offset_minutes = 0;
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
  malformed_row,     ///< wrong number of fields, unterminated quote
  missing_field,     ///< a required column is empty (other than subscriber)
  empty_subscriber,  ///< the subscriber column is empty
  bad_time,          ///< not RFC 3339 with an offset
  unknown_service,   ///< not data/voice/sms/mms/vas
  bad_quantity,      ///< negative, fractional, not a number, too large
  bad_country,       ///< not two upper-case letters
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

/// The names the rejects file and the CLI print: the enumerators' own.
inline constexpr auto reject_reason_names = detail::enum_names_of<reject_reason>({
    {reject_reason::malformed_row, "malformed_row"},
    {reject_reason::missing_field, "missing_field"},
    {reject_reason::empty_subscriber, "empty_subscriber"},
    {reject_reason::bad_time, "bad_time"},
    {reject_reason::unknown_service, "unknown_service"},
    {reject_reason::bad_quantity, "bad_quantity"},
    {reject_reason::bad_country, "bad_country"},
    {reject_reason::unknown_country, "unknown_country"},
    {reject_reason::unknown_subscriber, "unknown_subscriber"},
    {reject_reason::account_closed, "account_closed"},
    {reject_reason::outside_cycle, "outside_cycle"},
    {reject_reason::no_rate, "no_rate"},
    {reject_reason::barred, "barred"},
    {reject_reason::unknown_product, "unknown_product"},
    {reject_reason::overflow, "overflow"},
});

/// The enumerator's name ("bad_quantity"): what the rejects file and the CLI print.
constexpr std::string_view to_string(reject_reason r) noexcept {
  return reject_reason_names.name(r);
}

/// A record that was not rated, with where it came from and why.
struct reject {
  std::uint32_t line = 0;
  reject_reason reason = reject_reason::malformed_row;
  std::string subscriber;  ///< as far as it could be read ("" if not)
  std::string id;          ///< as far as it could be read ("" if not)
  std::string detail;      ///< human-readable: the offending column and value
};

/// A record left out because another record has the same (subscriber, id): one of the
/// same source, or one a closed cycle billed already (D25).
struct duplicate {
  std::uint32_t line = 0;       ///< the record that was left out
  std::uint32_t kept_line = 0;  ///< the record that is rated instead (0: billed_in says)
  std::string subscriber;
  std::string id;
  bool same_content = true;  ///< false: same id but different time/service/quantity/...
  /// The closed cycle that billed a record of this identity, when that is why it is left out.
  std::optional<date::year_month> billed_in;
};

/// Of two records with the same (subscriber, id), whether the one kept is `a` rather than
/// `b`: the smaller content (time, service, quantity, country, region, peer, product), then
/// the earlier line. A batch and live rating keep the same one, whatever the order.
bool kept_over(const usage_record& a, const usage_record& b) noexcept;
/// Whether two records have the same content (all but id, subscriber and line).
bool same_content(const usage_record& a, const usage_record& b) noexcept;

/// A set of usage records read from one source (a file, a shard of one), with its rejects
/// and duplicates. Move-only; records view into its own storage. A reader
/// (io/usage_csv.hpp) fills it row by row, then calls finish() once.
class usage_batch {
 public:
  /// An empty batch owning `text`, the bytes its records will view into; `source_name`
  /// names the source in messages.
  usage_batch(std::string source_name, std::string text);

  /// Deprecated: read_usage_csv in ratel/io/usage_csv.hpp. Kept for one release.
  [[deprecated("use ratel::read_usage_csv (ratel/io/usage_csv.hpp)")]] static usage_batch read_file(
      const std::filesystem::path& path);
  /// Deprecated: parse_usage_csv in ratel/io/usage_csv.hpp. Kept for one release.
  [[deprecated("use ratel::parse_usage_csv (ratel/io/usage_csv.hpp)")]] static usage_batch parse(
      std::string text, std::string source_name);

  /// For readers. The bytes given at construction.
  std::string_view text() const noexcept { return *text_; }
  /// For readers: room for `rows` more records.
  void reserve(std::size_t rows);
  /// For readers: a row that became a record; fill in the returned record.
  usage_record& add_record() {
    ++rows_read_;
    return records_.emplace_back();
  }
  /// For readers: a row that was rejected.
  void add_reject(reject r) {
    ++rows_read_;
    rejects_.push_back(std::move(r));
  }
  /// For readers: keeps `value` (a field that had to be unescaped, or a further part of
  /// the rows read) for the life of the batch; records may view into the result.
  std::string_view keep(std::string value);
  /// For readers, once, after the last row: keeps one record per (subscriber, id) and
  /// reports the others as duplicates (chosen by content, never by position), then checks
  /// rows_read() == records + rejects + duplicates.
  void finish();

  /// Records whose identity a closed cycle billed already (D25), given as (index in
  /// records(), that cycle): each leaves records() and becomes a duplicate. Pointers to
  /// records are invalid after it.
  void set_aside_as_billed(std::vector<std::pair<std::size_t, date::year_month>> billed);

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
  std::string source_name_;
  std::unique_ptr<std::string> text_;  // the file; records view into it (heap: stable on move)
  std::deque<std::string> unescaped_;  // quoted fields with "" inside, unescaped
  std::vector<usage_record> records_;
  std::vector<reject> rejects_;
  std::vector<duplicate> duplicates_;
  std::size_t rows_read_ = 0;
};

}  // namespace ratel
