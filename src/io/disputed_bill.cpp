// Disputed bills read from JSON or CSV (see io/disputed_bill.hpp).
#include "ratel/io/disputed_bill.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/csv.hpp"
#include "io/file.hpp"
#include "io/json_positions.hpp"

namespace ratel {
namespace {

namespace csv = detail::csv;

// Checks shared by both formats; `where` names the place of the value concerned.
class line_checker {
 public:
  explicit line_checker(const rule_plan& plan) : plan_(plan) {}

  std::string product(std::string value, const source_position& where) const {
    if (value != plan_.source().id && !plan_.product_index(value))
      throw input_error(
          where, "product",
          fmt::format("\"{}\" is not a product of catalog {} (nor its id, the base tariff)", value,
                      plan_.source().id));
    return value;
  }
  line_kind kind(std::string_view value, const source_position& where) const {
    if (auto k = line_kind_names.parse(value)) return *k;
    throw input_error(where, "kind",
                      fmt::format("\"{}\" is not a line kind ({})", value, line_kind_names.list()));
  }
  // A bill charges whole fen (D19): an amount with more decimals is no bill's amount, and
  // a refund of it could not be booked.
  money amount(std::string_view value, const source_position& where,
               std::string_view field = "amount") const {
    money m;
    try {
      m = money::parse(value, plan_.source().money_unit);
    } catch (const money_error& e) {
      throw input_error(where, std::string(field), e.what());
    }
    try {
      (void)m.to_string(2);
    } catch (const money_error&) {
      throw input_error(
          where, std::string(field),
          fmt::format("\"{}\" is not a whole fen: a bill's amounts have two decimals at most",
                      value));
    }
    return m;
  }
  // A bill's stated total against the sum of the lines read (D19).
  void total(const money& stated, const disputed_bill& bill, const source_position& where) const {
    money sum = money::zero(plan_.source().money_unit);
    for (const disputed_line& l : bill.lines) sum += l.amount;
    if (stated != sum)
      throw input_error(where, "total",
                        fmt::format("the total {} is not the sum of the bill's lines, {}",
                                    stated.to_string(), sum.to_string()));
  }
  date::year_month cycle(std::string_view value, const source_position& where) const {
    if (auto m = parse_year_month(value)) return *m;
    throw input_error(where, "cycle", fmt::format("\"{}\" is not YYYY-MM", value));
  }
  currency money_unit(std::string_view value, const source_position& where) const {
    if (value != plan_.source().money_unit.code())
      throw input_error(
          where, "currency",
          fmt::format("\"{}\": the catalog bills in {}; a dispute does not mix currencies", value,
                      plan_.source().money_unit.code()));
    return plan_.source().money_unit;
  }

 private:
  const rule_plan& plan_;
};

// A bill is four levels deep (array, bill, lines, line); a text nested far deeper is not a
// bill, and reading it would cost memory and stack with the depth (the position index
// keeps a path per value: 100,000 levels took 4 GB and overflowed the stack).
constexpr std::size_t max_json_depth = 64;

// Refuses a text nested deeper than max_json_depth, at the bracket that goes too deep,
// before anything recursive reads it. Brackets inside strings do not count.
void check_depth(std::string_view text, const std::string& file) {
  std::size_t depth = 0;
  std::uint32_t line = 1, column = 1;
  bool in_string = false;
  const std::size_t start = text.starts_with(csv::line_reader::byte_order_mark)
                                ? csv::line_reader::byte_order_mark.size()
                                : 0;
  for (std::size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i, ++column;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth)
        throw input_error(
            {file, line, column}, "",
            fmt::format("JSON nested more than {} levels deep; a bill is 4", max_json_depth));
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column;  // code points, as an editor counts
    }
  }
}

std::vector<disputed_bill> parse_json(std::string_view text, const std::string& file,
                                      const rule_plan& plan) {
  using nlohmann::json;
  check_depth(text, file);
  json doc;
  // The 1-based byte offset `byte` of the text as a line and column.
  auto position_of = [&](std::size_t byte) {
    std::uint32_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return source_position{file, line, column};
  };
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw input_error(position_of(e.byte), "", fmt::format("JSON syntax: {}", e.what()));
  } catch (const json::out_of_range& e) {
    // A number past the range of a double (1e999). nlohmann names the token but not where
    // it is; its first occurrence in the text is a good enough place to point at.
    const std::string_view what = e.what();
    const std::size_t open = what.find('\''), close = what.rfind('\'');
    std::size_t at = std::string_view::npos;
    if (open != std::string_view::npos && close > open)
      at = text.find(what.substr(open + 1, close - open - 1));
    throw input_error(position_of(at == std::string_view::npos ? 1 : at + 1), "",
                      fmt::format("JSON number out of range: {}", e.what()));
  }
  const detail::json_positions positions(text);
  const line_checker check(plan);
  const bool many = doc.is_array();
  if (!many && !doc.is_object())
    throw input_error({file, 1, 1}, "", "expected a bill object or an array of bills");
  std::vector<disputed_bill> bills;
  const std::size_t count = many ? doc.size() : 1;
  for (std::size_t b = 0; b < count; ++b) {
    const json& j = many ? doc[b] : doc;
    const std::string base = many ? fmt::format("[{}]", b) : std::string();
    auto path = [&](const std::string& key) { return base.empty() ? key : base + "." + key; };
    auto text_of = [&](const json& node, const std::string& p,
                       const std::string& field) -> std::string {
      if (!node.is_string()) throw input_error(positions.at(file, p), field, "expected a string");
      return node.get<std::string>();
    };
    auto member = [&](const json& node, const std::string& key,
                      const std::string& p) -> const json& {
      if (!node.is_object() || !node.contains(key))
        throw input_error(positions.at(file, p), key, "missing (required)");
      return node.at(key);
    };
    disputed_bill d;
    d.at = positions.at(file, base);
    d.subscriber = text_of(member(j, "subscriber", base), path("subscriber"), "subscriber");
    d.cycle = check.cycle(text_of(member(j, "cycle", base), path("cycle"), "cycle"),
                          positions.at(file, path("cycle")));
    d.money_unit =
        check.money_unit(text_of(member(j, "currency", base), path("currency"), "currency"),
                         positions.at(file, path("currency")));
    const json& lines = member(j, "lines", base);
    if (!lines.is_array())
      throw input_error(positions.at(file, path("lines")), "lines", "expected an array");
    for (std::size_t n = 0; n < lines.size(); ++n) {
      const std::string lp = fmt::format("{}[{}]", path("lines"), n);
      const json& l = lines[n];
      disputed_line line;
      line.at = positions.at(file, lp);
      line.product = check.product(text_of(member(l, "product", lp), lp + ".product", "product"),
                                   positions.at(file, lp + ".product"));
      line.kind = check.kind(text_of(member(l, "kind", lp), lp + ".kind", "kind"),
                             positions.at(file, lp + ".kind"));
      line.amount = check.amount(text_of(member(l, "amount", lp), lp + ".amount", "amount"),
                                 positions.at(file, lp + ".amount"));
      // The refinements of D19, where the bill gives them (ratel's own bills do on usage lines).
      for (auto [key, part] : {std::pair{"service", &line.service}, std::pair{"band", &line.band},
                               std::pair{"country", &line.country}})
        if (l.is_object() && l.contains(key)) *part = text_of(l.at(key), lp + "." + key, key);
      d.lines.push_back(std::move(line));
    }
    if (j.contains("total"))
      check.total(check.amount(text_of(j.at("total"), path("total"), "total"),
                               positions.at(file, path("total")), "total"),
                  d, positions.at(file, path("total")));
    bills.push_back(std::move(d));
  }
  return bills;
}

std::vector<disputed_bill> parse_csv(std::string_view text, const std::string& file,
                                     const rule_plan& plan) {
  csv::line_reader lines(text);
  std::optional<csv::line> first;
  while ((first = lines.next()) && csv::is_blank(first->text)) {
  }
  if (!first)
    throw input_error({file, 1, 1}, "",
                      "the file is empty; expected subscriber,cycle,product,kind,amount");
  const std::uint32_t header_line = csv::checked_line_number(first->number, file);
  const csv::header header = csv::header::parse(first->text, file, header_line);
  std::array<std::size_t, 5> columns{};
  constexpr std::array<std::string_view, 5> names{"subscriber", "cycle", "product", "kind",
                                                  "amount"};
  for (std::size_t c = 0; c < names.size(); ++c) {
    auto found = header.find(names[c]);
    if (!found)
      throw input_error(
          {file, header_line, 1}, std::string(names[c]),
          fmt::format("required column missing from the header \"{}\" (a disputed bill needs "
                      "subscriber, cycle, product, kind, amount)",
                      header.joined()));
    columns[c] = *found;
  }
  // D19's refinements, where the bill has the column (ratel's own --format csv does).
  const std::array<std::optional<std::size_t>, 3> refinements{
      header.find("service"), header.find("band"), header.find("country")};
  const line_checker check(plan);
  std::vector<disputed_bill> bills;
  std::vector<csv::field> fields;
  while (std::optional<csv::line> l = lines.next()) {
    if (csv::is_blank(l->text)) continue;
    const std::uint32_t number = csv::checked_line_number(l->number, file);
    const csv::split_result split = csv::split(l->text, fields);
    if (!split || fields.size() != header.size())
      throw input_error(
          {file, number, split ? 1 : split.column}, "",
          split ? fmt::format("{} fields, but the header has {}", fields.size(), header.size())
                : csv::describe(split));
    auto value = [&](std::size_t c) { return csv::to_owned(fields[columns[c]]); };
    auto at = [&](std::size_t c) {
      return source_position{file, number, fields[columns[c]].column};
    };
    const std::string subscriber = value(0);
    if (subscriber.empty()) throw input_error(at(0), "subscriber", "empty");
    const date::year_month cycle = check.cycle(value(1), at(1));
    auto bill_it = std::find_if(bills.begin(), bills.end(), [&](const disputed_bill& b) {
      return b.subscriber == subscriber && b.cycle == cycle;
    });
    if (bill_it == bills.end()) {
      bills.push_back({subscriber, cycle, plan.source().money_unit, {}, {file, number, 1}});
      bill_it = std::prev(bills.end());
    }
    // ratel's --format csv ends each bill with a `total` row (no product): checked against
    // the bill's lines, not read as a line.
    if (value(3) == "total" && value(2).empty()) {
      check.total(check.amount(value(4), at(4), "total"), *bill_it, at(4));
      continue;
    }
    disputed_line line;
    line.product = check.product(value(2), at(2));
    line.kind = check.kind(value(3), at(3));
    line.amount = check.amount(value(4), at(4));
    line.at = {file, number, 1};
    std::optional<std::string>* parts[] = {&line.service, &line.band, &line.country};
    for (std::size_t p = 0; p < refinements.size(); ++p)
      if (refinements[p]) *parts[p] = csv::to_owned(fields[*refinements[p]]);
    bill_it->lines.push_back(std::move(line));
  }
  return bills;
}

}  // namespace

std::vector<disputed_bill> parse_disputed_bills(std::string_view text,
                                                const std::string& source_name,
                                                const rule_plan& plan) {
  const std::size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '['))
    return parse_json(text, source_name, plan);
  return parse_csv(text, source_name, plan);
}

std::vector<disputed_bill> read_disputed_bills(const std::filesystem::path& path,
                                               const rule_plan& plan) {
  return parse_disputed_bills(detail::read_text_file(path), path.string(), plan);
}

}  // namespace ratel
