// Loading a catalog file: TOML -> catalog, with every error at file:line:col and field.
//
// The loader is a catalog_builder (io/catalog_toml/builder.hpp) with one source file per
// group of TOML sections in io/catalog_toml/; this file holds the order the sections are
// read in and the public entry points.
#include "ratel/io/catalog_toml.hpp"

#include <cstdint>
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

}  // namespace detail::catalog_toml

catalog parse_catalog(std::string_view text, const std::string& source_name) {
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
