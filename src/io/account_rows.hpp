// account_rows.hpp (private): an account log read in pieces (run/stream.cpp), like the
// usage (usage_framing.hpp).
//
// A streaming run does not hold the whole log: its header gives an account_columns, which
// tells each raw line's subscriber without validating the line; lines are routed by
// subscriber into the shards the usage goes to (framed_rows.hpp), and each shard's lines
// are parsed by parse_account_rows with the checks of read_account_log, then folded on
// their own (a history depends on its subscriber's lines only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv.hpp"
#include "io/framed_rows.hpp"
#include "ratel/account_entry.hpp"
#include "ratel/error.hpp"

namespace ratel {

/// The columns of one account log, read from its header line (DESIGN 4.2: by name, in any
/// order). Immutable; shared by the threads that parse the log's shards.
class account_columns {
 public:
  /// Reads the header line `text` (line `line` of `file`). Throws input_error
  /// (file:line:col, field) as read_account_log does.
  static account_columns from_header(std::string_view text, const std::string& file,
                                     std::uint32_t line);
  /// The error read_account_log throws for a log with no header line.
  static input_error empty_file(const std::string& file);

  /// The subscriber a raw line names (as csv::field_at), for routing only.
  std::string_view subscriber_of(std::string_view row, std::string& scratch) const {
    return detail::csv::field_at(row, subscriber_, scratch);
  }
  /// One line (not blank) as an entry. Throws input_error (file:line:col, field) for what
  /// read_account_log refuses. `fields` is scratch, reused across lines.
  account_entry parse(std::string_view row, std::uint32_t line,
                      std::vector<detail::csv::field>& fields) const;

 private:
  account_columns() = default;
  static constexpr std::size_t absent = static_cast<std::size_t>(-1);
  std::string file_;
  detail::csv::header header_;
  std::size_t subscriber_ = 0, time_ = 0, action_ = 0;
  std::size_t product_ = absent, amount_ = absent, note_ = absent, country_ = absent;
};

/// Parses a framed shard of lines (append_framed_row) of a log whose header gave `columns`,
/// in the order they were framed (line order). Throws input_error at the first bad line.
std::vector<account_entry> parse_account_rows(const account_columns& columns,
                                              std::string_view framed_rows);

}  // namespace ratel
