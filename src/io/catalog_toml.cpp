// Loading a catalog file: TOML -> catalog, with every error at file:line:col and field.
//
// The loader is a catalog_builder (io/catalog_toml/builder.hpp) with one source file per
// group of TOML sections in io/catalog_toml/; this file holds the order the sections are
// read in and the public entry points.
#include "ratel/io/catalog_toml.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "io/catalog_toml/builder.hpp"
#include "io/file.hpp"

namespace ratel {
namespace detail::catalog_toml {

// Each section is read after those it refers to: the currency, home country and
// increments before any price or quantity, bands and countries before any `band` or
// `where`, [network] before a peer filter, every product before `requires` is checked.
catalog catalog_builder::build() {
  table_reader top(loader_, root_, "",
                   {"catalog", "rounding", "services", "bands", "countries", "country_groups",
                    "network", "rates", "products", "points"});
  read_header(top);
  read_rounding(top);
  read_services(top);
  read_bands(top);
  read_countries(top);
  read_groups(top);
  read_network(top);
  read_points(top);
  result_.rates = read_rates(top);
  read_products(top);
  return std::move(result_);
}

// toml++ bounds the nesting of arrays and inline tables (TOML_MAX_NESTED_VALUES) but not
// the parts of a dotted key: 40,000 of them (`a.a.a...`, 80 KB) overflow its stack. No
// catalog key has more than a handful, so a key of more than max_key_parts is refused
// before toml++ sees the text. Dots are counted outside strings and comments, since the
// last character that ends a key or starts a value (`=`, brackets, braces, `,`, a line end),
// so a number (1.5) or a date counts a dot or two and a string none.
constexpr std::size_t max_key_parts = 64;

void refuse_deep_dotted_keys(std::string_view text, const std::string& source_name) {
  std::uint32_t line = 1, column = 0;
  std::size_t dots = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      dots = 0;
    } else if (c == '#') {  // a comment, to its line end
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"' || c == '\'') {  // a string: skipped, line ends counted
      const bool multi_line = text.substr(i, 3) == std::string(3, c);
      const std::string_view close = multi_line ? text.substr(i, 3) : text.substr(i, 1);
      i += close.size();
      while (i < text.size() && text.substr(i, close.size()) != close) {
        if (text[i] == '\\' && c == '"')
          ++i;  // an escape in a basic string
        else if (text[i] == '\n')
          ++line, column = 0;
        if (!multi_line && i < text.size() && text[i] == '\n')
          break;  // unterminated: toml++ says so
        ++i;
      }
      i += close.size() - 1;
    } else if (c == '.') {
      if (++dots >= max_key_parts)
        throw input_error(
            {source_name, line, column}, "",
            fmt::format("TOML syntax: a dotted key of more than {} parts", max_key_parts));
    } else if (c == '=' || c == '[' || c == ']' || c == '{' || c == '}' || c == ',') {
      dots = 0;
    }
  }
}

}  // namespace detail::catalog_toml

catalog parse_catalog(std::string_view text, const std::string& source_name) {
  detail::catalog_toml::refuse_deep_dotted_keys(text, source_name);
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw input_error({source_name, static_cast<std::uint32_t>(e.source().begin.line),
                       static_cast<std::uint32_t>(e.source().begin.column)},
                      "", fmt::format("TOML syntax: {}", e.description()));
  }
  return detail::catalog_toml::catalog_builder(root, source_name).build();
}

catalog load_catalog(const std::filesystem::path& path) {
  return parse_catalog(detail::read_text_file(path), path.string());
}

}  // namespace ratel
