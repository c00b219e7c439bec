// usage_csv: reading usage CSV (DESIGN 4.1) into a usage_batch, whole files and framed
// shards alike (see io/usage_csv.hpp and usage_framing.hpp).
#include "ratel/io/usage_csv.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "io/csv.hpp"
#include "io/file.hpp"
#include "io/usage_fields.hpp"
#include "io/usage_framing.hpp"
#include "ratel/error.hpp"

namespace ratel {
namespace {

namespace csv = detail::csv;

constexpr std::array<std::string_view, 5> required_columns{"id", "subscriber", "time", "service",
                                                           "quantity"};

}  // namespace

usage_columns usage_columns::from_header(std::string_view text, const std::string& file,
                                         std::uint32_t line) {
  usage_columns c;
  c.header_ = csv::header::parse(text, file, line);
  std::vector<std::string_view> missing;
  auto required = [&](std::string_view name) {
    const std::optional<std::size_t> index = c.header_.find(name);
    if (!index) missing.push_back(name);
    return index.value_or(absent);
  };
  auto optional = [&](std::string_view name) { return c.header_.find(name).value_or(absent); };
  c.id_ = required("id");
  c.subscriber_ = required("subscriber");
  c.time_ = required("time");
  c.service_ = required("service");
  c.quantity_ = required("quantity");
  c.country_ = optional("country");
  c.region_ = optional("region");
  c.peer_ = optional("peer");
  c.product_ = optional("product");
  if (!missing.empty())
    // Column 1: the missing column has no place of its own; the header line starts there.
    throw input_error({file, line, 1}, std::string(missing.front()),
                      fmt::format("required column{} {} missing from the header \"{}\" (a usage "
                                  "file needs {}; country, region, peer and product are optional)",
                                  missing.size() == 1 ? "" : "s", fmt::join(missing, ", "),
                                  c.header_.joined(), fmt::join(required_columns, ", ")));
  return c;
}

input_error usage_columns::empty_file(const std::string& file) {
  return input_error({file, 1, 1}, "",
                     fmt::format("the file is empty; a usage file starts with a header line "
                                 "naming its columns ({})",
                                 fmt::join(required_columns, ",")));
}

std::string_view usage_columns::subscriber_of(std::string_view row, std::string& scratch) const {
  return csv::field_at(row, subscriber_, scratch);
}

std::string_view usage_columns::time_of(std::string_view row, std::string& scratch) const {
  return csv::field_at(row, time_, scratch);
}

// The one place a data row is checked and becomes a record, a reject or (later) a
// duplicate: whole files and shards both go through it.
class usage_row_parser {
 public:
  usage_row_parser(const usage_columns& columns, usage_batch& batch)
      : col_(columns), batch_(batch) {
    fields_.reserve(col_.size());
  }

  void parse(std::string_view text, std::uint32_t line);

 private:
  // Out of line: the rare field with a doubled quote allocates; the common one is a view.
  [[gnu::noinline]] std::string_view keep_unescaped(const csv::field& f) {
    std::string unescaped;
    csv::append_unescaped(f.text, unescaped);
    return batch_.keep(std::move(unescaped));
  }

  static constexpr std::size_t absent = usage_columns::absent;
  const usage_columns& col_;
  usage_batch& batch_;
  std::vector<csv::field> fields_;
};

void usage_row_parser::parse(std::string_view text, std::uint32_t line) {
  std::vector<csv::field>& fields = fields_;
  const csv::header& header = col_.header_;
  const csv::split_result split = csv::split(text, fields);

  // The reject path may allocate; it names the subscriber and id when they were read.
  // A field longer than any real subscriber or id (a runaway row) is not copied.
  auto reject_row = [&](reject_reason reason, std::string detail) {
    reject r;
    r.line = line;
    r.reason = reason;
    auto nameable = [&](std::size_t index) {
      return index < fields.size() && fields[index].text.size() <= max_named_field_bytes;
    };
    if (nameable(col_.subscriber_)) r.subscriber = csv::to_owned(fields[col_.subscriber_]);
    if (nameable(col_.id_)) r.id = csv::to_owned(fields[col_.id_]);
    r.detail = std::move(detail);
    batch_.add_reject(std::move(r));
  };
  auto owned = [&](std::size_t index) { return csv::to_owned(fields[index]); };

  if (text.size() > max_row_bytes) {
    reject_row(reject_reason::malformed_row,
               fmt::format("the row is {} bytes long; a usage row has at most {}", text.size(),
                           max_row_bytes));
    return;
  }
  if (!split) {
    const std::size_t index = fields.size();  // the field the problem is in
    reject_row(reject_reason::malformed_row,
               fmt::format("field {}{}: {}", index + 1,
                           index < header.size() ? fmt::format(" ({})", header.name(index)) : "",
                           csv::describe(split)));
    return;
  }
  if (fields.size() != header.size()) {
    reject_row(reject_reason::malformed_row,
               fmt::format("{} fields, but the header has {}", fields.size(), header.size()));
    return;
  }

  // Checks run on the field text as written (usage_fields.hpp); only values that are kept
  // are unescaped (below).
  auto raw = [&](std::size_t index) {
    return index == absent ? std::string_view{} : fields[index].text;
  };
  const detail::usage_field_texts texts{raw(col_.id_),       raw(col_.subscriber_),
                                        raw(col_.time_),     raw(col_.service_),
                                        raw(col_.quantity_), raw(col_.country_)};
  auto shown = [&](detail::usage_field f) {
    switch (f) {
      case detail::usage_field::time:
        return owned(col_.time_);
      case detail::usage_field::service:
        return owned(col_.service_);
      case detail::usage_field::quantity:
        return owned(col_.quantity_);
      case detail::usage_field::country:
        break;
    }
    return owned(col_.country_);
  };
  reject_reason reason = reject_reason::malformed_row;
  std::string detail;
  const std::optional<detail::checked_usage_fields> checked =
      detail::check_usage_fields(texts, shown, reason, detail);
  if (!checked) {
    reject_row(reason, std::move(detail));
    return;
  }

  // The record's strings: views into the text, or into unescaped_ (a deque, so earlier
  // views stay valid as it grows) for the rare field with a doubled quote.
  auto value = [&](std::size_t index) -> std::string_view {
    if (index == absent) return {};
    const csv::field& f = fields[index];
    return f.has_escaped_quote ? keep_unescaped(f) : f.text;
  };
  usage_record& r = batch_.add_record();
  r.id = value(col_.id_);
  r.subscriber = value(col_.subscriber_);
  r.time = checked->time;
  r.written_offset_minutes = checked->written_offset_minutes;
  r.svc = checked->svc;
  r.quantity = checked->quantity;
  r.country = value(col_.country_);
  r.region = value(col_.region_);
  r.peer = value(col_.peer_);
  r.product = value(col_.product_);
  r.line = line;
}

std::string_view usage_csv_header() noexcept {
  return "id,subscriber,time,service,quantity,country,region,peer,product\n";
}

std::string usage_row_to_csv(const usage_record& r) {
  std::string row;
  append_usage_row_csv(row, r);
  return row;
}

void append_usage_row_csv(std::string& out, const usage_record& r) {
  csv::append_quoted(out, r.id);
  out += ',';
  csv::append_quoted(out, r.subscriber);
  out += ',';
  append_rfc3339(out, r.time, std::chrono::minutes(r.written_offset_minutes));
  out += ',';
  out += to_string(r.svc);
  out += ',';
  char digits[24];
  const auto [end, ec] = std::to_chars(std::begin(digits), std::end(digits), r.quantity);
  out.append(digits, end);
  for (std::string_view field : {r.country, r.region, r.peer, r.product}) {
    out += ',';
    csv::append_quoted(out, field);
  }
}

usage_batch read_usage_csv(const std::filesystem::path& path) {
  return parse_usage_csv(detail::read_text_file(path), path.string());
}

usage_batch parse_usage_csv(std::string text, std::string source_name) {
  usage_batch batch(std::move(source_name), std::move(text));
  const std::string& file = batch.source_name();
  const std::string_view all = batch.text();

  csv::line_reader lines(all);
  std::optional<csv::line> first;
  while ((first = lines.next()) && csv::is_blank(first->text)) {
  }
  if (!first) throw usage_columns::empty_file(file);
  const usage_columns columns =
      usage_columns::from_header(first->text, file, csv::checked_line_number(first->number, file));

  // One record per line at most: reserving avoids regrowing (and the peak of twice the
  // records) on a large file. Counting newlines is a memchr-speed pass.
  batch.reserve(static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n')) + 1);

  usage_row_parser rows(columns, batch);
  while (std::optional<csv::line> l = lines.next()) {
    if (csv::is_blank(l->text)) continue;
    rows.parse(l->text, csv::checked_line_number(l->number, file));
  }
  batch.finish();
  return batch;
}

usage_batch parse_usage_rows(const usage_columns& columns, std::string framed_rows,
                             std::string source_name) {
  std::vector<std::string> parts;
  parts.push_back(std::move(framed_rows));
  return parse_usage_rows(columns, std::move(parts), std::move(source_name));
}

usage_batch parse_usage_rows(const usage_columns& columns, std::vector<std::string> framed_parts,
                             std::string source_name) {
  usage_batch batch(std::move(source_name),
                    framed_parts.empty() ? std::string() : std::move(framed_parts.front()));
  std::vector<std::string_view> parts{batch.text()};
  for (std::size_t p = 1; p < framed_parts.size(); ++p)
    if (!framed_parts[p].empty()) parts.push_back(batch.keep(std::move(framed_parts[p])));
  std::size_t count = 0;  // one record per row at most: no regrowing (see parse)
  for (const std::string_view part : parts)
    for (std::size_t at = 0; at < part.size(); ++count) {
      std::uint32_t size = 0;
      std::memcpy(&size, part.data() + at + 4, 4);
      at += 8 + size;
    }
  batch.reserve(count);
  usage_row_parser rows(columns, batch);
  for (const std::string_view part : parts)
    for_each_framed_row(part,
                        [&](std::uint32_t line, std::string_view row) { rows.parse(row, line); });
  batch.finish();
  return batch;
}

usage_batch usage_batch::read_file(const std::filesystem::path& path) {
  return read_usage_csv(path);
}

usage_batch usage_batch::parse(std::string text, std::string source_name) {
  return parse_usage_csv(std::move(text), std::move(source_name));
}

}  // namespace ratel
