// [catalog], [rounding], [services] and [bands]: what every later section builds on.
//
// [catalog] gives the id (the base tariff's name on bills), the home country and zone,
// the currency, and the cycle (D3: calendar months in the home zone, the only kind).
// [rounding] line is how each bill line is rounded (D2: 0.01 half-up). [services] gives
// each service's rating increment (D1: a record is rounded up to whole increments first).
// [bands] names parts of the day in the home zone (D17: off-peak [23:00, 07:00)); they
// must not overlap, and at most max_named_bands fit.
#include "io/catalog_toml/builder.hpp"

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ratel/time.hpp"

namespace ratel::detail::catalog_toml {

void catalog_builder::read_header(table_reader& top) {
  const toml::node& node = top.require("catalog");
  if (!node.is_table()) loader_.fail(node, "catalog", "expected a table");
  table_reader r(loader_, *node.as_table(), "catalog",
                 {"id", "name", "home_country", "zone", "currency", "cycle"});
  result_.id = r.required_string("id");
  if (!is_identifier(result_.id))
    loader_.fail(r.require("id"), r.field("id"), "use letters, digits, '-', '_' and '.' only");
  result_.name = r.optional_string("name", result_.id);
  result_.home_country = r.required_string("home_country");
  if (!is_country_code(result_.home_country))
    loader_.fail(r.require("home_country"), r.field("home_country"),
                 fmt::format("\"{}\" is not an ISO 3166-1 alpha-2 code (two upper-case letters)",
                             result_.home_country));
  result_.home_zone = r.required_string("zone");
  check_zone(r.require("zone"), r.field("zone"), result_.home_zone);
  std::string code = r.required_string("currency");
  try {
    result_.money_unit = currency::parse(code);
  } catch (const money_error& e) {
    loader_.fail(r.require("currency"), r.field("currency"), e.what());
  }
  std::string cycle = r.optional_string("cycle", "calendar_month");
  if (cycle != "calendar_month")
    loader_.fail(r.require("cycle"), r.field("cycle"),
                 fmt::format("\"{}\" is not a cycle kind (supported: calendar_month)", cycle));
}

void catalog_builder::check_zone(const toml::node& n, const std::string& field,
                                 const std::string& name) {
  try {
    (void)zone::locate(name);
  } catch (const std::exception& e) {
    loader_.fail(n, field,
                 fmt::format("\"{}\" is not an IANA time zone of this system's tzdata", name));
  }
}

void catalog_builder::read_rounding(table_reader& top) {
  const toml::table* t = top.optional_table("rounding");
  if (t == nullptr) return;
  table_reader r(loader_, *t, "rounding", {"line"});
  if (const toml::table* line = r.optional_table("line")) {
    table_reader l(loader_, *line, "rounding.line", {"places", "mode"});
    std::int64_t places = l.required_integer("places");
    if (places < 0 || places > money::decimals)
      loader_.fail(l.require("places"), l.field("places"),
                   fmt::format("{} is not in 0..{}", places, money::decimals));
    result_.line_places = static_cast<int>(places);
    result_.line_rounding = read_rounding_mode(l, "mode");
  }
}

rounding catalog_builder::read_rounding_mode(table_reader& r, std::string_view key) {
  std::string name = r.required_string(key);
  if (auto mode = rounding_names.parse(name)) return *mode;
  loader_.fail(r.require(key), r.field(key),
               fmt::format("\"{}\" is not a rounding mode ({})", name, rounding_names.list()));
}

void catalog_builder::read_services(table_reader& top) {
  const toml::table* t = top.optional_table("services");
  if (t == nullptr) return;
  for (auto&& [key, node] : *t) {
    std::string field = fmt::format("services.{}", key.str());
    auto svc = service_names.parse(key.str());
    if (!svc)
      loader_.fail(loader_.at(key.source()), field,
                   fmt::format("not a service ({})", service_names.list()));
    if (!node.is_table()) loader_.fail(node, field, "expected a table: { increment = \"1 KB\" }");
    table_reader r(loader_, *node.as_table(), field, {"increment"});
    service_rule rule{*svc, r.quantity_of(r.require("increment"), "increment"), loader_.at(node)};
    if (rule.increment.dim() != dimension_of(*svc) || rule.increment.is_zero())
      loader_.fail(r.require("increment"), r.field("increment"),
                   fmt::format("must be a positive quantity of {} for {}",
                               to_string(dimension_of(*svc)), to_string(*svc)));
    result_.services.push_back(rule);
  }
}

void catalog_builder::read_bands(table_reader& top) {
  const toml::table* t = top.optional_table("bands");
  if (t == nullptr) return;
  // Band names are the keys, so every key is allowed here; each band's own table is checked.
  std::vector<std::string_view> keys;
  for (auto&& [key, node] : *t) keys.push_back(key.str());
  table_reader bands(loader_, *t, "bands", keys);
  result_.default_band = bands.required_string("default");
  if (!is_identifier(result_.default_band))
    loader_.fail(bands.require("default"), "bands.default", "use letters, digits, '-' and '_'");
  if (keys.size() - 1 > max_named_bands)
    loader_.fail(bands.position(), "bands",
                 fmt::format("{} named bands; at most {} named bands fit", keys.size() - 1,
                             max_named_bands));
  // Each minute of the day belongs to at most one named band.
  std::array<const time_band*, 24 * 60> owner{};
  for (auto&& [key, node] : *t) {
    if (key.str() == "default") continue;
    std::string field = fmt::format("bands.{}", key.str());
    if (!node.is_table())
      loader_.fail(node, field, "expected a table: { from = \"23:00\", to = \"07:00\" }");
    if (key.str() == result_.default_band)
      loader_.fail(loader_.at(key.source()), field,
                   "is the default band; it has no hours of its own");
    table_reader r(loader_, *node.as_table(), field, {"from", "to"});
    time_band band{std::string(key.str()), {}, {}, loader_.at(key.source())};
    band.from = read_time_of_day(r, "from");
    if (band.from == std::chrono::hours(24))
      loader_.fail(r.require("from"), r.field("from"),
                   "24:00 is the end of the day; a band cannot start there (write 00:00)");
    band.to = read_time_of_day(r, "to");
    if (band.from == band.to)
      loader_.fail(r.require("to"), r.field("to"), "a band must not be empty (from == to)");
    result_.bands.push_back(band);
  }
  for (const time_band& band : result_.bands) {
    for (auto m = band.from; m != band.to; m = (m + std::chrono::minutes(1)) % (24 * 60)) {
      auto& slot = owner[static_cast<std::size_t>(m.count())];
      if (slot != nullptr)
        loader_.fail(band.defined_at, "bands." + band.name,
                     fmt::format("overlaps band \"{}\" at {:02}:{:02}", slot->name, m.count() / 60,
                                 m.count() % 60));
      slot = &band;
      if (m == std::chrono::minutes(24 * 60 - 1) && band.to == std::chrono::minutes(24 * 60)) break;
    }
  }
}

std::chrono::minutes catalog_builder::read_time_of_day(table_reader& r, std::string_view key) {
  std::string text = r.required_string(key);
  auto t = parse_time_of_day(text);
  if (!t) loader_.fail(r.require(key), r.field(key), fmt::format("\"{}\" is not HH:MM", text));
  return *t;
}

}  // namespace ratel::detail::catalog_toml
