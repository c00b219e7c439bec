// tests/fuzz/fuzz_usage.cpp: libFuzzer target for the usage CSV reader (usage.hpp).
//
// Bad rows must become rejects, never exceptions; only a bad header or an empty file may
// throw input_error. Beyond "no crash" it checks the reader's promises:
//  - the counts reconcile: rows_read == records + rejects + duplicates;
//  - every kept record has its required fields, a line inside the file, a quantity >= 0,
//    a country that is empty or two upper-case letters, and a time that formats and
//    parses back to itself;
//  - no (subscriber, id) is kept twice, and each duplicate names a kept line;
//  - order independence (DESIGN 3): the same data rows in reverse order keep the same
//    records (by content) with the same numbers of rejects and duplicates.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fuzz_check.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/time.hpp"
#include "ratel/usage.hpp"

namespace {

using ratel::parse_usage_csv;
using ratel::usage_batch;
using ratel::usage_record;

using record_key = std::tuple<std::string, std::string, std::int64_t, int, std::int64_t,
                              std::string, std::string, std::string, std::string>;

std::vector<record_key> kept_by_content(const usage_batch& b) {
  std::vector<record_key> keys;
  for (const usage_record& r : b.records())
    keys.emplace_back(std::string(r.subscriber), std::string(r.id),
                      r.time.time_since_epoch().count(), static_cast<int>(r.svc), r.quantity,
                      std::string(r.country), std::string(r.region), std::string(r.peer),
                      std::string(r.product));
  std::sort(keys.begin(), keys.end());
  return keys;
}

/// The header line (and anything before it) as written, then the other lines reversed.
/// Rows are lines (a quoted field cannot span lines), so this is a shuffle of the rows.
std::string reverse_rows(std::string_view text) {
  // A byte order mark is not part of the first line: the reader skips it, so a line
  // holding only the mark is blank (found by fuzz_usage, regressions/usage/bom-then-blank-line).
  constexpr std::string_view mark = "\xEF\xBB\xBF";
  const bool has_mark = text.starts_with(mark);
  if (has_mark) text.remove_prefix(mark.size());
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  // The header is the first line that is not blank (spaces and tabs only).
  std::size_t header = 0;
  while (header < lines.size() && lines[header].find_first_not_of(" \t") == std::string_view::npos)
    ++header;
  std::string out(has_mark ? mark : std::string_view());
  for (std::size_t i = 0; i <= header && i < lines.size(); ++i)
    out.append(lines[i]).push_back('\n');
  for (std::size_t i = lines.size(); i-- > header + 1;) out.append(lines[i]).push_back('\n');
  return out;
}

void check_batch(const usage_batch& b, std::size_t line_count) {
  RATEL_FUZZ_CHECK(b.rows_read() == b.records().size() + b.rejects().size() + b.duplicates().size(),
                   "the counts do not reconcile");
  std::set<std::pair<std::string_view, std::string_view>> identities;
  std::set<std::uint32_t> kept_lines;
  for (const usage_record& r : b.records()) {
    RATEL_FUZZ_CHECK(!r.id.empty() && !r.subscriber.empty(),
                     "a kept record lacks its id or subscriber");
    RATEL_FUZZ_CHECK(r.line >= 2 && r.line <= line_count, "a record's line is outside the file");
    RATEL_FUZZ_CHECK(r.quantity >= 0, "negative quantity kept");
    RATEL_FUZZ_CHECK(
        r.country.empty() || (r.country.size() == 2 && r.country[0] >= 'A' && r.country[0] <= 'Z' &&
                              r.country[1] >= 'A' && r.country[1] <= 'Z'),
        "a bad country was kept");
    RATEL_FUZZ_CHECK(identities.emplace(r.subscriber, r.id).second,
                     "a (subscriber, id) kept twice");
    kept_lines.insert(r.line);
    const std::string utc = ratel::format_rfc3339(r.time, std::chrono::seconds{0}, true);
    RATEL_FUZZ_CHECK(ratel::parse_rfc3339(utc) == r.time,
                     "a record time does not round-trip: " + utc);
  }
  for (const ratel::reject& j : b.rejects())
    RATEL_FUZZ_CHECK(j.line >= 2 && j.line <= line_count, "a reject's line is outside the file");
  for (const ratel::duplicate& d : b.duplicates())
    RATEL_FUZZ_CHECK(kept_lines.count(d.kept_line) == 1 && d.line != d.kept_line,
                     "a duplicate does not name a kept record");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t line_count =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  ratel::fuzz::accepts([&] {
    const usage_batch b = parse_usage_csv(text, "fuzz.csv");
    check_batch(b, line_count);
    // A lone '\r' ending the last line is part of that line, but not once a '\n' follows
    // it; leave such texts out of the shuffle check rather than model line endings here.
    if (text.find('\r') != std::string::npos) return;
    std::optional<usage_batch> parsed;
    try {
      parsed.emplace(parse_usage_csv(reverse_rows(text), "fuzz.csv"));
    } catch (const ratel::input_error& e) {
      ratel::fuzz::fail(std::string("the same header with the rows reversed was refused: ") +
                        e.what());
    }
    const usage_batch& reversed = *parsed;
    RATEL_FUZZ_CHECK(reversed.rows_read() == b.rows_read(), "reversing the rows changed rows_read");
    RATEL_FUZZ_CHECK(reversed.rejects().size() == b.rejects().size(),
                     "reversing the rows changed the rejects");
    RATEL_FUZZ_CHECK(reversed.duplicates().size() == b.duplicates().size(),
                     "reversing the rows changed the duplicates");
    RATEL_FUZZ_CHECK(kept_by_content(reversed) == kept_by_content(b),
                     "reversing the rows changed the kept records");
  });
  return 0;
}
