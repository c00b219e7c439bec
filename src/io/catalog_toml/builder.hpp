// io/catalog_toml/builder.hpp (private): the catalog loader, one TOML section per file.
//
// Concept: a catalog_builder reads one parsed TOML document into a `catalog`, section by
// section, and refuses anything the catalog's invariants (catalog.hpp) forbid, with the
// file:line:col and field of the offending value. Sections are read in the order later
// ones depend on: the header's currency and home country, the services' increments, the
// bands and the countries come before the rates, allowances, thresholds and passes that
// name them. Each group of members below is defined in the source file named above it:
//
//   catalog_toml.cpp  build(): the order of the sections; parse_catalog, load_catalog
//   basics.cpp        [catalog], [rounding], [services], [bands]
//   places.cpp        [countries], [country_groups], [network], and every `where`
//   rates.cpp         [[rates]], and a product's rates and allowances
//   products.cpp      [[products]]: kind, fee, validity, groups, lifecycle, offers, requires
//   thresholds.cpp    a product's thresholds and reactivation
//   passes.cpp        a product's [pass]
//   points.cpp        [points]
//
//   catalog c = catalog_builder(root, "tariffs/cmcc-2012.toml").build();
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "io/catalog_toml/table_reader.hpp"
#include "ratel/catalog.hpp"

namespace ratel::detail::catalog_toml {

/// Two upper-case ASCII letters, as ISO 3166-1 alpha-2 codes are written.
inline bool is_country_code(std::string_view s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/// The ids of a catalog and its products: letters, digits, '-', '_' and '.'.
inline bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

class catalog_builder {
 public:
  catalog_builder(const toml::table& root, std::string source) : loader_(source), root_(root) {
    result_.source_file = std::move(source);
  }

  /// The catalog, or the input_error of the first problem found.
  catalog build();

 private:
  // basics.cpp: [catalog], [rounding], [services], [bands].
  void read_header(table_reader& top);
  void check_zone(const toml::node& n, const std::string& field, const std::string& name);
  void read_rounding(table_reader& top);
  rounding read_rounding_mode(table_reader& r, std::string_view key);
  void read_services(table_reader& top);
  void read_bands(table_reader& top);
  std::chrono::minutes read_time_of_day(table_reader& r, std::string_view key);

  // places.cpp: [countries], [country_groups], [network], and every `where`.
  void read_countries(table_reader& top);
  bool known_country(std::string_view code) const;
  std::vector<std::string> read_country_list(const toml::array& list, const std::string& field);
  void read_groups(table_reader& top);
  void read_network(table_reader& top);
  area read_area(table_reader& r);
  bool area_has(const area& a, const std::string& code) const;
  std::vector<std::string> covered_codes(const area& a) const;

  // rates.cpp: [[rates]], and a product's rates and allowances.
  const service_rule& read_service(table_reader& r);
  std::string read_band_name(table_reader& r);
  std::vector<rate> read_rates(table_reader& r);
  rate read_rate(table_reader& r, const service_rule* fixed = nullptr);
  void check_rates_unambiguous(const std::vector<rate>& rates, const std::string& field);
  std::vector<allowance> read_allowances(table_reader& r);
  allowance read_allowance(table_reader& r);

  // products.cpp: [[products]].
  void read_products(table_reader& top);
  void read_product(table_reader& r);
  void read_lifecycle(table_reader& r, product& p);
  void read_offer(table_reader& r, product& p);
  void check_required_products();

  // thresholds.cpp: a product's [[products.thresholds]] and its reactivation.
  void read_thresholds(table_reader& r, product& p);
  threshold read_threshold(table_reader& r, const product& p);
  void read_level(table_reader& r, threshold& t, const service_rule* svc, const product& p);
  void read_action(table_reader& r, threshold& t, const service_rule* svc);
  void read_reactivation(table_reader& r, product& p);

  // passes.cpp: a product's [products.pass].
  void read_pass(table_reader& r, product& p);

  // points.cpp: [points].
  void read_points(table_reader& top);

  // A product id named by a `requires`, checked once every product is read.
  struct required_reference {
    const toml::node* node;
    std::string field;
    std::string id;
  };

  loader loader_;
  const toml::table& root_;
  catalog result_;
  std::vector<required_reference> required_references_;
};

}  // namespace ratel::detail::catalog_toml
