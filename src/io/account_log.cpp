// The account log reader (DESIGN 4.2). Every problem stops the read with file:line:col.
#include "ratel/io/account_log.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/file.hpp"

namespace ratel {
namespace {

namespace csv = detail::csv;

constexpr std::size_t absent = std::numeric_limits<std::size_t>::max();

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

std::vector<account_entry> parse_account_log(std::string_view text,
                                             const std::string& source_name) {
  const std::string& file = source_name;
  csv::line_reader lines(text);
  std::optional<csv::line> first;
  while ((first = lines.next()) && csv::is_blank(first->text)) {
  }
  if (!first)
    throw input_error({file, 1, 1}, "",
                      "the file is empty; an account log starts with a header line "
                      "(subscriber,time,action,product,amount,note)");
  const std::uint32_t header_line = csv::checked_line_number(first->number, file);
  const csv::header header = csv::header::parse(first->text, file, header_line);

  for (std::string_view name : {"subscriber", "time", "action"})
    if (!header.find(name))
      // Column 1: the missing column has no place of its own; the header line starts there.
      throw input_error({file, header_line, 1}, std::string(name),
                        fmt::format("required column missing from the header \"{}\" (an "
                                    "account log needs subscriber, time and action; product, "
                                    "amount and note are optional)",
                                    header.joined()));
  const std::size_t subscriber_col = *header.find("subscriber");
  const std::size_t time_col = *header.find("time");
  const std::size_t action_col = *header.find("action");
  const std::size_t product_col = header.find("product").value_or(absent);
  const std::size_t amount_col = header.find("amount").value_or(absent);
  const std::size_t note_col = header.find("note").value_or(absent);
  // An extension of DESIGN 4.2: the country a roaming pass is ordered for (D12).
  const std::size_t country_col = header.find("country").value_or(absent);

  std::vector<account_entry> entries;
  std::vector<csv::field> fields;
  while (std::optional<csv::line> l = lines.next()) {
    if (csv::is_blank(l->text)) continue;
    const std::uint32_t line = csv::checked_line_number(l->number, file);
    const csv::split_result split = csv::split(l->text, fields);
    if (!split) {
      const std::size_t index = fields.size();  // the field the problem is in
      throw input_error({file, line, split.column},
                        index < header.size() ? header.name(index) : std::string(),
                        csv::describe(split));
    }
    if (fields.size() > header.size())
      throw input_error({file, line, fields[header.size()].column}, "",
                        fmt::format("{} fields, but the header has {} (a ',' in a value must be "
                                    "inside quotes)",
                                    fields.size(), header.size()));
    if (fields.size() < header.size())
      // Point just past the end of the line, where the first missing field would start.
      throw input_error({file, line, csv::column_at(l->text, l->text.size())},
                        header.name(fields.size()),
                        fmt::format("missing: the line has {} fields, but the header has {}",
                                    fields.size(), header.size()));

    auto fail = [&](std::size_t index, std::string_view field, std::string message) {
      const std::uint32_t column = index == absent ? 1 : fields[index].column;
      return input_error({file, line, column}, std::string(field), std::move(message));
    };
    auto value = [&](std::size_t index) {
      return index == absent ? std::string() : csv::to_owned(fields[index]);
    };

    account_entry e;
    e.where = {file, line, 1};
    e.subscriber = value(subscriber_col);
    if (e.subscriber.empty()) throw fail(subscriber_col, "subscriber", "is empty");

    const std::string time_text = value(time_col);
    if (time_text.empty()) throw fail(time_col, "time", "is empty");
    time_parse_error time_error;
    const std::optional<instant> time = parse_rfc3339(time_text, &time_error);
    if (!time)
      throw fail(time_col, "time",
                 fmt::format("{} is not RFC 3339: {}", time_text, time_error.message));
    e.time = *time;

    const std::string action_text = value(action_col);
    if (action_text.empty()) throw fail(action_col, "action", "is empty");
    const std::optional<account_action> action = parse_account_action(action_text);
    if (!action)
      throw fail(
          action_col, "action",
          fmt::format("{} is not an action (one of {})", action_text, account_action_names.list()));
    e.action = *action;

    e.product = value(product_col);
    // Kept so that the fold can point at the product when the catalog lacks it.
    e.product_column = product_col == absent ? 0 : fields[product_col].column;
    if (needs_product(e.action) && e.product.empty())
      throw fail(
          product_col, "product",
          product_col == absent
              ? fmt::format("{} needs a product, but the header has no product column", action_text)
              : fmt::format("is empty, but {} needs a product", action_text));

    e.amount = value(amount_col);
    if (needs_amount(e.action) && e.amount.empty())
      throw fail(
          amount_col, "amount",
          amount_col == absent
              ? fmt::format("{} needs an amount, but the header has no amount column", action_text)
              : fmt::format("is empty, but {} needs an amount", action_text));
    if (!e.amount.empty() && !is_decimal(e.amount))
      throw fail(amount_col, "amount",
                 fmt::format("{} is not a non-negative decimal number (digits, optionally a '.' "
                             "and more digits, e.g. 100 or 100.50)",
                             e.amount));

    e.note = value(note_col);
    e.country = value(country_col);
    if (!e.country.empty() &&
        (e.country.size() != 2 || !std::all_of(e.country.begin(), e.country.end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; })))
      throw fail(
          country_col, "country",
          fmt::format("{} is not an ISO 3166-1 alpha-2 code (two upper-case letters)", e.country));
    entries.push_back(std::move(e));
  }
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
