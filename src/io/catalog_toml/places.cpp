// [countries], [country_groups], [network], and the `where` of rates, allowances,
// thresholds and passes.
//
// [countries] lists where usage is rated, each with the IANA zone of its local days (D11:
// a pass may follow the visited country's days); a record from elsewhere is rejected.
// [country_groups] names lists of countries that a `where` can use (D11's price groups,
// D12's pass countries). [network] gives the home network's prefixes and calling code, so
// that on-net and off-net peers (D9) and distinct numbers (D20) compare normalised numbers.
#include "io/catalog_toml/builder.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace ratel::detail::catalog_toml {
namespace {

// Keys that a `where` cannot use as a group name because they mean something already.
constexpr std::array<std::string_view, 3> area_keywords{"anywhere", "home", "roaming"};

}  // namespace

void catalog_builder::read_countries(table_reader& top) {
  const toml::table* t = top.optional_table("countries");
  if (t == nullptr) return;
  for (auto&& [key, node] : *t) {
    std::string field = fmt::format("countries.{}", key.str());
    if (!is_country_code(key.str()))
      loader_.fail(loader_.at(key.source()), field,
                   "not an ISO 3166-1 alpha-2 code (two upper-case letters)");
    if (!node.is_table()) loader_.fail(node, field, "expected a table: { zone = \"Asia/Tokyo\" }");
    table_reader r(loader_, *node.as_table(), field, {"zone"});
    country c{std::string(key.str()), r.required_string("zone"), loader_.at(key.source())};
    check_zone(r.require("zone"), r.field("zone"), c.zone);
    result_.countries.push_back(std::move(c));
  }
  std::sort(result_.countries.begin(), result_.countries.end(),
            [](const country& a, const country& b) { return a.code < b.code; });
}

bool catalog_builder::known_country(std::string_view code) const {
  return code == result_.home_country ||
         std::any_of(result_.countries.begin(), result_.countries.end(),
                     [&](const country& c) { return c.code == code; });
}

std::vector<std::string> catalog_builder::read_country_list(const toml::array& list,
                                                            const std::string& field) {
  std::vector<std::string> codes;
  std::size_t i = 0;
  for (const toml::node& n : list) {
    std::string item = fmt::format("{}[{}]", field, i++);
    if (!n.is_string()) loader_.fail(n, item, "expected a country code string");
    std::string code(*n.value<std::string_view>());
    if (!is_country_code(code) || !known_country(code))
      loader_.fail(n, item,
                   fmt::format("\"{}\" is not the home country or a country of [countries]", code));
    codes.push_back(std::move(code));
  }
  if (codes.empty()) loader_.fail(list, field, "an empty list covers nothing");
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

void catalog_builder::read_groups(table_reader& top) {
  const toml::table* t = top.optional_table("country_groups");
  if (t == nullptr) return;
  for (auto&& [key, node] : *t) {
    std::string field = fmt::format("country_groups.{}", key.str());
    if (std::find(area_keywords.begin(), area_keywords.end(), key.str()) != area_keywords.end())
      loader_.fail(loader_.at(key.source()), field,
                   "is a reserved word of `where`; pick another name");
    if (!node.is_array()) loader_.fail(node, field, "expected a list of country codes");
    result_.groups.push_back({std::string(key.str()), read_country_list(*node.as_array(), field),
                              loader_.at(key.source())});
  }
}

void catalog_builder::read_network(table_reader& top) {
  const toml::table* t = top.optional_table("network");
  if (t == nullptr) return;
  table_reader r(loader_, *t, "network", {"on_net_prefixes", "calling_code"});
  if (const toml::array* list = r.optional_array("on_net_prefixes")) {
    std::size_t i = 0;
    for (const toml::node& n : *list) {
      const std::string key = fmt::format("on_net_prefixes[{}]", i++);
      std::string prefix = r.string_of(n, key);
      if (prefix.empty() ||
          !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; }))
        loader_.fail(n, r.field(key), fmt::format("\"{}\" is not a prefix of digits", prefix));
      result_.on_net_prefixes.push_back(std::move(prefix));
    }
  }
  result_.calling_code = r.optional_string("calling_code");
  if (!std::all_of(result_.calling_code.begin(), result_.calling_code.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    loader_.fail(r.require("calling_code"), r.field("calling_code"),
                 "digits only, without '+' (\"86\")");
}

area catalog_builder::read_area(table_reader& r) {
  const toml::node* n = r.find("where");
  area a;
  if (n == nullptr) return a;
  if (n->is_array()) {
    a.scope = area::kind::countries;
    a.countries = read_country_list(*n->as_array(), r.field("where"));
    return a;
  }
  std::string name = r.string_of(*n, "where");
  if (name == "anywhere") return a;
  if (name == "home") {
    a.scope = area::kind::home;
    return a;
  }
  if (name == "roaming") {
    a.scope = area::kind::roaming;
    return a;
  }
  for (const country_group& g : result_.groups) {
    if (g.name != name) continue;
    a.scope = area::kind::countries;
    a.group = g.name;
    a.countries = g.countries;
    return a;
  }
  loader_.fail(*n, r.field("where"),
               fmt::format("\"{}\" is not anywhere, home, roaming, a [country_groups] name or a "
                           "list of country codes",
                           name));
}

bool catalog_builder::area_has(const area& a, const std::string& code) const {
  switch (a.scope) {
    case area::kind::anywhere:
      return true;
    case area::kind::home:
      return code == result_.home_country;
    case area::kind::roaming:
      return code != result_.home_country;
    case area::kind::countries:
      return std::binary_search(a.countries.begin(), a.countries.end(), code);
  }
  return false;
}

// The country codes an area covers (listed countries and home).
std::vector<std::string> catalog_builder::covered_codes(const area& a) const {
  std::vector<std::string> all{result_.home_country};
  for (const country& c : result_.countries) all.push_back(c.code);
  std::vector<std::string> out;
  for (const std::string& code : all)
    if (area_has(a, code)) out.push_back(code);
  return out;
}

}  // namespace ratel::detail::catalog_toml
