// The account log reader (DESIGN 4.2). Every problem stops the read with file:line:col.
#include "ratel/io/account_log.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "io/account_rows.hpp"
#include "io/csv.hpp"
#include "io/file.hpp"

namespace ratel {
namespace csv = detail::csv;

namespace {

constexpr bool needs_product(account_action a) noexcept {
  switch (a) {
    case account_action::subscribe:
    case account_action::subscribe_next_cycle:
    case account_action::unsubscribe:
    case account_action::confirm:
    case account_action::deposit:
      return true;
    default:
      return false;
  }
}

constexpr bool needs_amount(account_action a) noexcept {
  return a == account_action::deposit || a == account_action::redeem_points;
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// digits[.digits]: no sign, no exponent, no "1." or ".5", so that the amount reads the
/// same to every tool that later handles the log (and never as a float).
constexpr bool is_decimal(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == 0) return false;
  if (i == text.size()) return true;
  if (text[i] != '.') return false;
  const std::size_t fraction = ++i;
  while (i < text.size() && is_digit(text[i])) ++i;
  return i > fraction && i == text.size();
}

}  // namespace

std::vector<account_entry> read_account_log(const std::filesystem::path& path) {
  return parse_account_log(detail::read_text_file(path), path.string());
}

account_columns account_columns::from_header(std::string_view text, const std::string& file,
                                             std::uint32_t line) {
  account_columns c;
  c.file_ = file;
  c.header_ = csv::header::parse(text, file, line);
  for (std::string_view name : {"subscriber", "time", "action"})
    if (!c.header_.find(name))
      // Column 1: the missing column has no place of its own; the header line starts there.
      throw input_error({file, line, 1}, std::string(name),
                        fmt::format("required column missing from the header \"{}\" (an "
                                    "account log needs subscriber, time and action; product, "
                                    "amount and note are optional)",
                                    c.header_.joined()));
  c.subscriber_ = *c.header_.find("subscriber");
  c.time_ = *c.header_.find("time");
  c.action_ = *c.header_.find("action");
  c.product_ = c.header_.find("product").value_or(absent);
  c.amount_ = c.header_.find("amount").value_or(absent);
  c.note_ = c.header_.find("note").value_or(absent);
  // An extension of DESIGN 4.2: the country a roaming pass is ordered for (D12).
  c.country_ = c.header_.find("country").value_or(absent);
  return c;
}

input_error account_columns::empty_file(const std::string& file) {
  return input_error({file, 1, 1}, "",
                     "the file is empty; an account log starts with a header line "
                     "(subscriber,time,action,product,amount,note)");
}

account_entry account_columns::parse(std::string_view row, std::uint32_t line,
                                     std::vector<csv::field>& fields) const {
  const std::string& file = file_;
  // What read_account_log's reading refuses (a log read in pieces meets it here).
  if (row.size() > detail::longest_text_line)
    throw input_error(
        {file, line, 1}, "",
        fmt::format("a line longer than {} MiB: not a text file", detail::longest_text_line >> 20));
  const csv::split_result split = csv::split(row, fields);
  if (!split) {
    const std::size_t index = fields.size();  // the field the problem is in
    throw input_error({file, line, split.column},
                      index < header_.size() ? header_.name(index) : std::string(),
                      csv::describe(split));
  }
  if (fields.size() > header_.size())
    throw input_error({file, line, fields[header_.size()].column}, "",
                      fmt::format("{} fields, but the header has {} (a ',' in a value must be "
                                  "inside quotes)",
                                  fields.size(), header_.size()));
  if (fields.size() < header_.size())
    // Point just past the end of the line, where the first missing field would start.
    throw input_error({file, line, csv::column_at(row, row.size())}, header_.name(fields.size()),
                      fmt::format("missing: the line has {} fields, but the header has {}",
                                  fields.size(), header_.size()));

  auto fail = [&](std::size_t index, std::string_view field, std::string message) {
    const std::uint32_t column = index == absent ? 1 : fields[index].column;
    return input_error({file, line, column}, std::string(field), std::move(message));
  };
  auto value = [&](std::size_t index) {
    return index == absent ? std::string() : csv::to_owned(fields[index]);
  };
  // A field only read here: a view of the row, or of `scratch` when it had to be unescaped
  // (a time is longer than a short string's own room: owning it cost an allocation a line).
  std::string scratch;
  auto view = [&](std::size_t index) -> std::string_view {
    if (index == absent) return {};
    if (!fields[index].has_escaped_quote) return fields[index].text;
    scratch.clear();
    csv::append_unescaped(fields[index].text, scratch);
    return scratch;
  };

  account_entry e;
  e.where = {file, line, 1};
  e.subscriber = value(subscriber_);
  if (e.subscriber.empty()) throw fail(subscriber_, "subscriber", "is empty");

  const std::string_view time_text = view(time_);
  if (time_text.empty()) throw fail(time_, "time", "is empty");
  time_parse_error time_error;
  const std::optional<instant> time = parse_rfc3339(time_text, &time_error);
  if (!time)
    throw fail(time_, "time", fmt::format("{} is not RFC 3339: {}", time_text, time_error.message));
  e.time = *time;

  const std::string action_text = value(action_);
  if (action_text.empty()) throw fail(action_, "action", "is empty");
  const std::optional<account_action> action = parse_account_action(action_text);
  if (!action)
    throw fail(
        action_, "action",
        fmt::format("{} is not an action (one of {})", action_text, account_action_names.list()));
  e.action = *action;

  e.product = value(product_);
  // Kept so that the fold can point at the product when the catalog lacks it.
  e.product_column = product_ == absent ? 0 : fields[product_].column;
  if (needs_product(e.action) && e.product.empty())
    throw fail(
        product_, "product",
        product_ == absent
            ? fmt::format("{} needs a product, but the header has no product column", action_text)
            : fmt::format("is empty, but {} needs a product", action_text));

  e.amount = value(amount_);
  if (needs_amount(e.action) && e.amount.empty())
    throw fail(
        amount_, "amount",
        amount_ == absent
            ? fmt::format("{} needs an amount, but the header has no amount column", action_text)
            : fmt::format("is empty, but {} needs an amount", action_text));
  if (!e.amount.empty() && !is_decimal(e.amount))
    throw fail(amount_, "amount",
               fmt::format("{} is not a non-negative decimal number (digits, optionally a '.' "
                           "and more digits, e.g. 100 or 100.50)",
                           e.amount));

  e.note = value(note_);
  e.country = value(country_);
  if (!e.country.empty() &&
      (e.country.size() != 2 || !std::all_of(e.country.begin(), e.country.end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; })))
    throw fail(
        country_, "country",
        fmt::format("{} is not an ISO 3166-1 alpha-2 code (two upper-case letters)", e.country));
  return e;
}

std::vector<account_entry> parse_account_log(std::string_view text,
                                             const std::string& source_name) {
  csv::line_reader lines(text);
  std::optional<csv::line> first;
  while ((first = lines.next()) && csv::is_blank(first->text)) {
  }
  if (!first) throw account_columns::empty_file(source_name);
  const account_columns columns = account_columns::from_header(
      first->text, source_name, csv::checked_line_number(first->number, source_name));
  std::vector<account_entry> entries;
  std::vector<csv::field> fields;
  while (std::optional<csv::line> l = lines.next()) {
    if (csv::is_blank(l->text)) continue;
    entries.push_back(
        columns.parse(l->text, csv::checked_line_number(l->number, source_name), fields));
  }
  return entries;
}

std::vector<account_entry> parse_account_rows(const account_columns& columns,
                                              std::string_view framed_rows) {
  std::vector<account_entry> entries;
  std::vector<csv::field> fields;
  for_each_framed_row(framed_rows, [&](std::uint32_t line, std::string_view row) {
    entries.push_back(columns.parse(row, line, fields));
  });
  return entries;
}

std::string_view account_log_csv_header() {
  return "subscriber,time,action,product,amount,note,country\n";
}

std::string account_entry_to_csv(const account_entry& e) {
  std::string row;
  csv::append_quoted(row, e.subscriber);
  row += ',';
  row += format_rfc3339(e.time, std::chrono::seconds{0}, true);
  row += ',';
  row += to_string(e.action);
  for (std::string_view field : {std::string_view(e.product), std::string_view(e.amount),
                                 std::string_view(e.note), std::string_view(e.country)}) {
    row += ',';
    csv::append_quoted(row, field);
  }
  return row;
}

}  // namespace ratel
