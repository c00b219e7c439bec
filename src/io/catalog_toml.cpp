// Loading a catalog file: TOML -> catalog, with every error at file:line:col and field.
#include "ratel/io/catalog_toml.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <set>
#include <span>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "io/file.hpp"
#include "ratel/time.hpp"

namespace ratel {
namespace {

// Keys that a `where` cannot use as a group name because they mean something already.
constexpr std::array<std::string_view, 3> area_keywords{"anywhere", "home", "roaming"};

bool is_country_code(std::string_view s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// The file being loaded: turns TOML source regions into input_errors.
class loader {
 public:
  explicit loader(std::string file) : file_(std::move(file)) {}

  source_position at(const toml::source_region& r) const {
    return {file_, static_cast<std::uint32_t>(r.begin.line), static_cast<std::uint32_t>(r.begin.column)};
  }
  source_position at(const toml::node& n) const { return at(n.source()); }

  [[noreturn]] void fail(const toml::node& n, const std::string& field, std::string message) const {
    throw input_error(at(n), field, std::move(message));
  }
  [[noreturn]] void fail(const source_position& p, const std::string& field, std::string message) const {
    throw input_error(p, field, std::move(message));
  }

 private:
  std::string file_;
};

// Reads the fields of one TOML table. The fields a table may have are declared when it is
// opened, and any other field is reported before anything else is read: a misspelt
// `prioirty` must be named as unknown, not reported as a missing `priority`.
class table_reader {
 public:
  table_reader(const loader& l, const toml::table& t, std::string path,
               std::initializer_list<std::string_view> allowed)
      : table_reader(l, t, std::move(path), std::span(allowed.begin(), allowed.size())) {}
  table_reader(const loader& l, const toml::table& t, std::string path,
               std::span<const std::string_view> allowed)
      : loader_(l), table_(t), path_(std::move(path)) {
    for (auto&& [key, node] : table_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string expected;
      for (std::string_view a : allowed) expected += fmt::format("{}{}", expected.empty() ? "" : ", ", a);
      loader_.fail(loader_.at(key.source()), field(key.str()),
                   fmt::format("unknown field (expected one of: {})", expected));
    }
  }

  const std::string& path() const { return path_; }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }
  source_position position() const { return loader_.at(table_); }

  const toml::node* find(std::string_view key) const { return table_.get(key); }
  const toml::node& require(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) loader_.fail(table_, field(key), "missing (required)");
    return *n;
  }

  std::string string_of(const toml::node& n, std::string_view key) const {
    if (!n.is_string())
      loader_.fail(n, field(key), fmt::format("expected a string, found {}", type_name(n)));
    return std::string(*n.value<std::string_view>());
  }
  std::string required_string(std::string_view key) { return string_of(require(key), key); }
  std::string optional_string(std::string_view key, std::string fallback = {}) {
    const toml::node* n = find(key);
    return n ? string_of(*n, key) : fallback;
  }
  std::int64_t integer_of(const toml::node& n, std::string_view key) const {
    if (!n.is_integer())
      loader_.fail(n, field(key), fmt::format("expected an integer, found {}", type_name(n)));
    return *n.value<std::int64_t>();
  }
  std::int64_t required_integer(std::string_view key) { return integer_of(require(key), key); }
  std::optional<std::int64_t> optional_integer(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return std::nullopt;
    return integer_of(*n, key);
  }
  bool optional_bool(std::string_view key, bool fallback) {
    const toml::node* n = find(key);
    if (n == nullptr) return fallback;
    if (!n->is_boolean())
      loader_.fail(*n, field(key), fmt::format("expected true or false, found {}", type_name(*n)));
    return *n->value<bool>();
  }
  const toml::table* optional_table(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table())
      loader_.fail(*n, field(key), fmt::format("expected a table, found {}", type_name(*n)));
    return n->as_table();
  }
  const toml::array* optional_array(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_array())
      loader_.fail(*n, field(key), fmt::format("expected an array, found {}", type_name(*n)));
    return n->as_array();
  }

  /// Money is text: "0.01". A float cannot hold it exactly, so it is refused with a hint.
  money money_of(const toml::node& n, std::string_view key, currency unit) const {
    if (n.is_floating_point() || n.is_integer())
      loader_.fail(n, field(key),
                   "write money as a string (e.g. \"0.01\"): a TOML number is binary floating "
                   "point or an integer and cannot carry an exact decimal amount");
    try {
      return money::parse(string_of(n, key), unit);
    } catch (const money_error& e) {
      loader_.fail(n, field(key), e.what());
    }
  }
  quantity quantity_of(const toml::node& n, std::string_view key) const {
    try {
      return quantity::parse(string_of(n, key));
    } catch (const quantity_error& e) {
      loader_.fail(n, field(key), e.what());
    }
  }

  /// The value a name of the enum's table stands for; any other string is an error that
  /// offers the table's choices: "\"bundle\" is not plan, pack, vas, offer or pass".
  template <typename E, std::size_t N>
  E enum_of(const toml::node& n, std::string_view key, const detail::enum_names<E, N>& names) const {
    const std::string text = string_of(n, key);
    if (std::optional<E> value = names.parse(text)) return *value;
    loader_.fail(n, field(key), fmt::format("\"{}\" is not {}", text, names.choices()));
  }
  template <typename E, std::size_t N>
  E required_enum(std::string_view key, const detail::enum_names<E, N>& names) {
    return enum_of(require(key), key, names);
  }
  template <typename E, std::size_t N>
  E optional_enum(std::string_view key, const detail::enum_names<E, N>& names, E fallback) {
    const toml::node* n = find(key);
    return n ? enum_of(*n, key, names) : fallback;
  }

 private:
  const loader& loader_;
  const toml::table& table_;
  std::string path_;
};

template <typename Each>
void for_each_table(const loader& l, const toml::array& array, const std::string& path,
                    std::span<const std::string_view> allowed, Each each) {
  std::size_t i = 0;
  for (const toml::node& n : array) {
    std::string item = fmt::format("{}[{}]", path, i++);
    if (!n.is_table()) l.fail(n, item, fmt::format("expected a table, found {}", type_name(n)));
    table_reader r(l, *n.as_table(), item, allowed);
    each(r);
  }
}

constexpr std::array<std::string_view, 6> rate_fields{"service", "band", "where", "price", "per",
                                                     "capped"};
// A threshold's rate is for the threshold's own service, where its counter counts.
constexpr std::array<std::string_view, 3> threshold_rate_fields{"price", "per", "capped"};
constexpr std::array<std::string_view, 3> credit_fields{"months", "deposit", "bonus"};
constexpr std::array<std::string_view, 12> threshold_fields{
    "name", "counter", "service", "where", "peer", "scope", "at", "compare", "action", "message",
    "limit_kbps", "rate"};
constexpr std::array<std::string_view, 4> allowance_fields{"service", "quantity", "band", "where"};
constexpr std::array<std::string_view, 24> product_fields{
    "id", "name", "kind", "code", "priority", "fee", "validity", "stackable", "exclusive_group",
    "allowances", "rates", "thresholds", "reactivation", "addons", "lifts_throttle",
    "unsubscribe", "proration", "free_window", "requires_confirm", "deposit", "credits",
    "on_group_conflict", "pass", "requires"};
constexpr std::array<std::string_view, 2> pass_price_fields{"where", "price"};

// A fee is charged per cycle, order or use; a product without one has fee_basis::none.
constexpr auto fee_per_names =
    fee_basis_names.only({fee_basis::per_cycle, fee_basis::per_order, fee_basis::per_use});
// The line kinds [points] can count as spend: all but credits (D7: deposits are not spend).
constexpr auto spend_line_kind_names = line_kind_names.only(
    {line_kind::fee, line_kind::pack, line_kind::allowance, line_kind::usage, line_kind::pass});
// What reactivate_data can lift: the actions that stop or restrict a service.
constexpr auto reactivation_lift_names =
    threshold_action_names.only({threshold_action::cut_off, threshold_action::cap,
                                 threshold_action::throttle, threshold_action::bar});

class catalog_builder {
 public:
  catalog_builder(const toml::table& root, std::string source) : loader_(source), root_(root) {
    result_.source_file = std::move(source);
  }

  catalog build() {
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
    if (const toml::array* rates = top.optional_array("rates"))
      for_each_table(loader_, *rates, "rates", rate_fields, [&](table_reader& r) {
        result_.rates.push_back(read_rate(r));
      });
    check_rates_unambiguous(result_.rates, "rates");
    if (const toml::array* products = top.optional_array("products"))
      for_each_table(loader_, *products, "products", product_fields,
                     [&](table_reader& r) { read_product(r); });
    check_required_products();
    return std::move(result_);
  }

 private:
  void read_header(table_reader& top) {
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

  void check_zone(const toml::node& n, const std::string& field, const std::string& name) {
    try {
      (void)zone::locate(name);
    } catch (const std::exception& e) {
      loader_.fail(n, field, fmt::format("\"{}\" is not an IANA time zone of this system's tzdata", name));
    }
  }

  void read_rounding(table_reader& top) {
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

  rounding read_rounding_mode(table_reader& r, std::string_view key) {
    std::string name = r.required_string(key);
    if (auto mode = rounding_names.parse(name)) return *mode;
    loader_.fail(r.require(key), r.field(key),
                 fmt::format("\"{}\" is not a rounding mode ({})", name, rounding_names.list()));
  }

  void read_services(table_reader& top) {
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

  void read_bands(table_reader& top) {
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
        loader_.fail(loader_.at(key.source()), field, "is the default band; it has no hours of its own");
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

  std::chrono::minutes read_time_of_day(table_reader& r, std::string_view key) {
    std::string text = r.required_string(key);
    auto t = parse_time_of_day(text);
    if (!t) loader_.fail(r.require(key), r.field(key), fmt::format("\"{}\" is not HH:MM", text));
    return *t;
  }

  void read_countries(table_reader& top) {
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

  bool known_country(std::string_view code) const {
    return code == result_.home_country ||
           std::any_of(result_.countries.begin(), result_.countries.end(),
                       [&](const country& c) { return c.code == code; });
  }

  std::vector<std::string> read_country_list(const toml::array& list, const std::string& field) {
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

  void read_groups(table_reader& top) {
    const toml::table* t = top.optional_table("country_groups");
    if (t == nullptr) return;
    for (auto&& [key, node] : *t) {
      std::string field = fmt::format("country_groups.{}", key.str());
      if (std::find(area_keywords.begin(), area_keywords.end(), key.str()) != area_keywords.end())
        loader_.fail(loader_.at(key.source()), field, "is a reserved word of `where`; pick another name");
      if (!node.is_array()) loader_.fail(node, field, "expected a list of country codes");
      result_.groups.push_back({std::string(key.str()), read_country_list(*node.as_array(), field),
                                loader_.at(key.source())});
    }
  }

  area read_area(table_reader& r) {
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
                             "list of country codes", name));
  }

  std::string read_band_name(table_reader& r) {
    const toml::node* n = r.find("band");
    if (n == nullptr) return {};
    std::string name = r.string_of(*n, "band");
    if (name == result_.default_band && !name.empty()) return name;
    for (const time_band& b : result_.bands)
      if (b.name == name) return name;
    loader_.fail(*n, r.field("band"),
                 fmt::format("\"{}\" is not a band of [bands] (nor its default)", name));
  }

  // Every product named by a `requires` exists in this catalog.
  void check_required_products() {
    for (const required_reference& ref : required_references_)
      if (result_.find_product(ref.id) == nullptr) {
        std::vector<std::string_view> known;
        for (const product& p : result_.products) known.push_back(p.id);
        loader_.fail(*ref.node, ref.field,
                     fmt::format("\"{}\" is not a product of this catalog (its products: {})", ref.id,
                                 fmt::join(known, ", ")));
      }
  }

  void read_network(table_reader& top) {
    const toml::table* t = top.optional_table("network");
    if (t == nullptr) return;
    table_reader r(loader_, *t, "network", {"on_net_prefixes", "calling_code"});
    if (const toml::array* list = r.optional_array("on_net_prefixes")) {
      std::size_t i = 0;
      for (const toml::node& n : *list) {
        const std::string key = fmt::format("on_net_prefixes[{}]", i++);
        std::string prefix = r.string_of(n, key);
        if (prefix.empty() || !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; }))
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

  void read_points(table_reader& top) {
    const toml::table* t = top.optional_table("points");
    if (t == nullptr) return;
    table_reader r(loader_, *t, "points",
                   {"points_per_unit", "unit", "fraction", "counts", "credit_after_cycles",
                    "validity_months", "min_tenure_months", "redeem", "on_close"});
    points_program p;  // a field left out keeps the struct's default (D7's value)
    p.defined_at = r.position();
    p.points_per_unit = r.optional_integer("points_per_unit").value_or(p.points_per_unit);
    if (p.points_per_unit < 1)
      loader_.fail(r.require("points_per_unit"), r.field("points_per_unit"), "must be at least 1");
    p.unit = r.money_of(r.require("unit"), "unit", result_.money_unit);
    if (p.unit.is_negative() || p.unit.is_zero())
      loader_.fail(r.require("unit"), r.field("unit"), "must be a positive amount");
    if (r.find("fraction") != nullptr) p.fraction = read_rounding_mode(r, "fraction");
    if (const toml::array* counts = r.optional_array("counts")) {
      p.counts.clear();
      std::size_t i = 0;
      for (const toml::node& n : *counts) {
        const std::string key = fmt::format("counts[{}]", i++);
        const std::string kind = r.string_of(n, key);
        if (kind == to_string(line_kind::credit))
          loader_.fail(n, r.field(key), "credits are never spend (D7: deposits are not spend)");
        const std::optional<line_kind> counted = spend_line_kind_names.parse(kind);
        if (!counted)
          loader_.fail(n, r.field(key), fmt::format("\"{}\" is not a bill line kind ({})", kind,
                                                    spend_line_kind_names.list()));
        p.counts.push_back(*counted);
      }
    }
    auto bounded = [&](std::string_view key, std::int64_t fallback, std::int64_t low, std::int64_t high) {
      const std::int64_t v = r.optional_integer(key).value_or(fallback);
      if (v < low || v > high)
        loader_.fail(r.require(key), r.field(key), fmt::format("{} is not in {}..{}", v, low, high));
      return v;
    };
    p.credit_after_cycles = bounded("credit_after_cycles", p.credit_after_cycles, 0, 12);
    p.validity_months = bounded("validity_months", p.validity_months, 1, 1200);
    p.min_tenure_months = bounded("min_tenure_months", p.min_tenure_months, 0, 1200);
    const std::string order = r.optional_string("redeem", "oldest_first");
    if (order != "oldest_first" && order != "newest_first")
      loader_.fail(r.require("redeem"), r.field("redeem"), fmt::format("\"{}\" is not oldest_first or newest_first", order));
    p.oldest_first = order == "oldest_first";
    const std::string close = r.optional_string("on_close", "forfeit");
    if (close != "forfeit" && close != "keep")
      loader_.fail(r.require("on_close"), r.field("on_close"), fmt::format("\"{}\" is not forfeit or keep", close));
    p.forfeit_on_close = close == "forfeit";
    result_.points = std::move(p);
  }

  const service_rule& read_service(table_reader& r) {
    std::string name = r.required_string("service");
    auto svc = service_names.parse(name);
    if (!svc)
      loader_.fail(r.require("service"), r.field("service"),
                   fmt::format("\"{}\" is not a service ({})", name, service_names.list()));
    const service_rule* rule = result_.find_service(*svc);
    if (rule == nullptr)
      loader_.fail(r.require("service"), r.field("service"),
                   fmt::format("{} has no rating increment: add it to [services]", name));
    return *rule;
  }

  // A rate's own table; `fixed` is the service of an enclosing threshold, if any.
  rate read_rate(table_reader& r, const service_rule* fixed = nullptr) {
    rate out;
    const service_rule& svc = fixed ? *fixed : read_service(r);
    out.svc = svc.svc;
    out.capped = r.optional_bool("capped", true);
    out.band = read_band_name(r);
    out.where = read_area(r);
    out.price = r.money_of(r.require("price"), "price", result_.money_unit);
    if (out.price.is_negative())
      loader_.fail(r.require("price"), r.field("price"), "a price cannot be negative");
    out.per = r.quantity_of(r.require("per"), "per");
    if (out.per.dim() != dimension_of(out.svc) || out.per.is_zero())
      loader_.fail(r.require("per"), r.field("per"),
                   fmt::format("must be a positive quantity of {} for {}",
                               to_string(dimension_of(out.svc)), to_string(out.svc)));
    // One increment must cost a whole number of micro-units, so that charges stay exact:
    // rounding down and up agree only when price x increment / per is whole. (mul_div works
    // in 128 bits; only a per-increment price that does not fit in money throws.)
    money per_increment;
    bool exact = false;
    try {
      per_increment = mul_div(out.price, svc.increment.value(), out.per.value(), rounding::down);
      exact = per_increment ==
              mul_div(out.price, svc.increment.value(), out.per.value(), rounding::up);
    } catch (const money_error& e) {
      loader_.fail(r.require("per"), r.field("per"),
                   fmt::format("{} per {} is too large per rating increment of {} ({}): {}",
                               out.price, out.per, svc.increment, to_string(out.svc), e.what()));
    }
    if (!exact)
      loader_.fail(r.require("per"), r.field("per"),
                   fmt::format("{} per {} is not a whole number of micro-units per rating increment "
                               "of {} ({}); quote the price per increment",
                               out.price, out.per, svc.increment, to_string(out.svc)));
    out.price_per_increment = per_increment;
    out.defined_at = r.position();
    return out;
  }

  // Within one rate list, two rates that could both be the most specific match for some
  // record would make the charge depend on their order: refuse that at load time.
  void check_rates_unambiguous(const std::vector<rate>& rates, const std::string& field) {
    for (std::size_t i = 0; i < rates.size(); ++i)
      for (std::size_t j = i + 1; j < rates.size(); ++j) {
        const rate& a = rates[i];
        const rate& b = rates[j];
        if (a.svc != b.svc || a.band != b.band || a.where.specificity() != b.where.specificity())
          continue;
        bool overlap = a.where.scope == b.where.scope;
        if (overlap && a.where.scope == area::kind::countries) {
          std::vector<std::string> common;
          std::set_intersection(a.where.countries.begin(), a.where.countries.end(),
                                b.where.countries.begin(), b.where.countries.end(),
                                std::back_inserter(common));
          overlap = !common.empty();
        }
        if (overlap)
          loader_.fail(b.defined_at, field,
                       fmt::format("this {} rate (band {}, where {}) overlaps the one at line {}: "
                                   "a record would match both equally",
                                   to_string(b.svc), b.band.empty() ? "any" : b.band,
                                   b.where.describe(), a.defined_at.line));
      }
  }

  allowance read_allowance(table_reader& r) {
    allowance out;
    const service_rule& svc = read_service(r);
    out.svc = svc.svc;
    out.amount = r.quantity_of(r.require("quantity"), "quantity");
    if (out.amount.dim() != dimension_of(out.svc))
      loader_.fail(r.require("quantity"), r.field("quantity"),
                   fmt::format("must be a quantity of {} for {}", to_string(dimension_of(out.svc)),
                               to_string(out.svc)));
    // Counters count whole increments (D1), so an allowance must be a whole number of them.
    if (out.amount.value() % svc.increment.value() != 0)
      loader_.fail(r.require("quantity"), r.field("quantity"),
                   fmt::format("{} is not a whole number of the {} increment {}", out.amount,
                               to_string(out.svc), svc.increment));
    out.band = read_band_name(r);
    out.where = read_area(r);
    out.defined_at = r.position();
    return out;
  }

  void read_product(table_reader& r) {
    product p;
    p.defined_at = r.position();
    p.id = r.required_string("id");
    if (!is_identifier(p.id))
      loader_.fail(r.require("id"), r.field("id"), "use letters, digits, '-', '_' and '.' only");
    if (p.id == result_.id)
      loader_.fail(r.require("id"), r.field("id"),
                   "is the catalog's id, which names the base tariff on bills");
    if (result_.find_product(p.id) != nullptr)
      loader_.fail(r.require("id"), r.field("id"), fmt::format("\"{}\" is defined twice", p.id));
    p.name = r.optional_string("name", p.id);
    p.kind = r.required_enum("kind", product_kind_names);
    p.code = r.required_integer("code");
    p.priority = r.required_integer("priority");
    if (p.code < 0) loader_.fail(r.require("code"), r.field("code"), "must not be negative");
    if (const toml::table* fee = r.optional_table("fee")) {
      table_reader f(loader_, *fee, r.field("fee"), {"amount", "per"});
      p.fee = f.money_of(f.require("amount"), "amount", result_.money_unit);
      if (p.fee.is_negative()) loader_.fail(f.require("amount"), f.field("amount"), "must not be negative");
      p.fee_charged = f.required_enum("per", fee_per_names);
      if (p.fee_charged == fee_basis::per_use) {
        if (p.kind != product_kind::vas)
          loader_.fail(f.require("per"), f.field("per"), "only a vas product is charged per use");
        const service_rule* vas = result_.find_service(service::vas);
        if (vas == nullptr)
          loader_.fail(f.require("per"), f.field("per"),
                       "a per-use product needs an increment for vas in [services]");
      }
    } else {
      p.fee = money::zero(result_.money_unit);
    }
    p.lasts = r.optional_enum("validity", validity_names, validity::subscription);
    if (p.fee_charged == fee_basis::per_order && p.lasts != validity::rest_of_cycle) {
      // At the written validity if there is one, else at the product (nothing to point at).
      const toml::node* written = r.find("validity");
      loader_.fail(written ? loader_.at(*written) : r.position(), r.field("validity"),
                   "a one-off product (fee per order) needs validity = \"rest_of_cycle\"");
    }
    if (p.fee_charged == fee_basis::per_cycle && p.lasts != validity::subscription)
      loader_.fail(r.require("validity"), r.field("validity"),
                   "a recurring product (fee per cycle) lasts while subscribed");
    p.stackable = r.optional_bool("stackable", false);
    if (p.stackable && p.lasts != validity::rest_of_cycle)
      loader_.fail(r.require("stackable"), r.field("stackable"),
                   "only one-off products (validity rest_of_cycle) can stack");
    p.exclusive_group = r.optional_string("exclusive_group");
    p.on_conflict = r.optional_enum("on_group_conflict", group_conflict_names,
                                    group_conflict::replace_next_cycle);
    if (r.find("on_group_conflict") != nullptr && p.exclusive_group.empty())
      loader_.fail(r.require("on_group_conflict"), r.field("on_group_conflict"), "needs an exclusive_group");
    if (const toml::array* list = r.optional_array("allowances"))
      for_each_table(loader_, *list, r.field("allowances"), allowance_fields,
                     [&](table_reader& a) { p.allowances.push_back(read_allowance(a)); });
    if (const toml::array* list = r.optional_array("rates"))
      for_each_table(loader_, *list, r.field("rates"), rate_fields,
                     [&](table_reader& a) { p.rates.push_back(read_rate(a)); });
    check_rates_unambiguous(p.rates, r.field("rates"));
    if (p.fee_charged == fee_basis::per_use) {
      // A per-use service's fee is its price per use: the rate of the vas records naming it.
      if (!p.rates.empty())
        loader_.fail(r.require("rates"), r.field("rates"), "a per-use service is priced by its fee alone");
      const quantity& use = result_.find_service(service::vas)->increment;
      rate per_use;
      per_use.svc = service::vas;
      per_use.price = p.fee;
      per_use.per = use;
      per_use.price_per_increment = p.fee;
      per_use.defined_at = r.position();
      p.rates.push_back(per_use);
    }
    if (const toml::array* list = r.optional_array("thresholds"))
      for_each_table(loader_, *list, r.field("thresholds"), threshold_fields,
                     [&](table_reader& t) { p.thresholds.push_back(read_threshold(t, p)); });
    if (const toml::table* reactivation = r.optional_table("reactivation")) {
      table_reader a(loader_, *reactivation, r.field("reactivation"), {"lifts"});
      p.reactivation.allowed = true;
      if (const toml::array* lifts = a.optional_array("lifts")) {
        std::size_t i = 0;
        for (const toml::node& n : *lifts) {
          p.reactivation.lifts.push_back(
              a.enum_of(n, fmt::format("lifts[{}]", i++), reactivation_lift_names));
        }
      }
      if (std::none_of(p.thresholds.begin(), p.thresholds.end(),
                       [](const threshold& t) { return t.action == threshold_action::cut_off; }))
        loader_.fail(*reactivation, r.field("reactivation"),
                     "reactivate_data lifts a cut-off, but this product has no cut_off threshold");
    }
    p.addons = r.optional_enum("addons", addon_policy_names, addon_policy::any);
    p.lifts_throttle = r.optional_bool("lifts_throttle", false);
    if (const toml::array* list = r.optional_array("requires")) {
      std::size_t i = 0;
      for (const toml::node& n : *list) {
        const std::string key = fmt::format("requires[{}]", i++);
        std::string item = r.field(key);
        std::string id = r.string_of(n, key);
        if (id == p.id) loader_.fail(n, item, fmt::format("\"{}\" cannot require itself", id));
        // Products may be listed in any order: the id is looked up once all are read.
        required_references_.push_back({&n, std::move(item), id});
        p.required_products.push_back(std::move(id));
      }
      if (p.required_products.empty())
        loader_.fail(*list, r.field("requires"), "lists no product (leave the field out instead)");
    }
    read_lifecycle(r, p);
    result_.products.push_back(std::move(p));
  }

  // unsubscribe, proration, free_window, requires_confirm, deposit and credits.
  void read_lifecycle(table_reader& r, product& p) {
    p.ends = r.optional_enum("unsubscribe", unsubscribe_rule_names, unsubscribe_rule::immediately);
    if (const toml::table* t = r.optional_table("proration")) {
      table_reader pr(loader_, *t, r.field("proration"),
                      {"fee", "fee_rounding", "allowance", "allowance_rounding"});
      p.proration.fee = pr.optional_enum("fee", proration_strategy_names, proration_strategy::none);
      p.proration.allowance =
          pr.optional_enum("allowance", proration_strategy_names, proration_strategy::none);
      if (const toml::table* fr = pr.optional_table("fee_rounding")) {
        table_reader f(loader_, *fr, pr.field("fee_rounding"), {"places", "mode"});
        std::int64_t places = f.required_integer("places");
        if (places < 0 || places > money::decimals)
          loader_.fail(f.require("places"), f.field("places"), fmt::format("{} is not in 0..{}", places, money::decimals));
        p.proration.fee_places = static_cast<int>(places);
        p.proration.fee_rounding = read_rounding_mode(f, "mode");
      }
      if (pr.find("allowance_rounding") != nullptr)
        p.proration.allowance_rounding = read_rounding_mode(pr, "allowance_rounding");
      if (p.proration.fee != proration_strategy::none && p.fee_charged != fee_basis::per_cycle)
        loader_.fail(pr.require("fee"), pr.field("fee"), "only a fee per cycle is prorated");
    }
    if (const toml::node* window = r.find("free_window")) {
      p.free_window = r.quantity_of(*window, "free_window");
      if (p.free_window.dim() != dimension::seconds || p.free_window.is_zero())
        loader_.fail(*window, r.field("free_window"), "must be a positive duration (\"72 h\")");
      if (p.fee_charged != fee_basis::per_cycle)
        loader_.fail(*window, r.field("free_window"), "only a fee per cycle has a free window");
    }
    p.requires_confirm = r.optional_bool("requires_confirm", false);
    if (p.requires_confirm && p.fee_charged != fee_basis::per_cycle)
      loader_.fail(r.require("requires_confirm"), r.field("requires_confirm"),
                   "a trial needs a fee per cycle to hold back until `confirm`");
    read_offer(r, p);
    read_pass(r, p);
  }

  void read_pass(table_reader& r, product& p) {
    const toml::table* t = r.optional_table("pass");
    if (p.kind != product_kind::pass) {
      if (t != nullptr) loader_.fail(*t, r.field("pass"), "only a product of kind pass has a `pass`");
      return;
    }
    if (t == nullptr) r.require("pass");
    table_reader pr(loader_, *t, r.field("pass"),
                    {"service", "where", "days", "charge", "price", "prices", "validity_days", "not_sold_for"});
    pass_rule pass;
    pass.svc = read_service(pr).svc;
    pass.covers = read_area(pr);
    pass.days = pr.optional_enum("days", day_zone_names, day_zone::home);
    pass.charge = pr.required_enum("charge", pass_charge_names);
    if (const toml::node* price = pr.find("price")) {
      if (pr.find("prices") != nullptr)
        loader_.fail(*pr.find("prices"), pr.field("prices"), "give `price` or `prices`, not both");
      pass.prices.push_back({area{}, pr.money_of(*price, "price", result_.money_unit), loader_.at(*price)});
    } else if (const toml::array* prices = pr.optional_array("prices")) {
      for_each_table(loader_, *prices, pr.field("prices"), pass_price_fields, [&](table_reader& x) {
        pass.prices.push_back({read_area(x), x.money_of(x.require("price"), "price", result_.money_unit), x.position()});
      });
    } else {
      pr.require("price");
    }
    for (const pass_price& price : pass.prices)
      if (price.price.is_negative()) loader_.fail(price.defined_at, pr.field("price"), "a price cannot be negative");
    // Every country the pass covers must have a price: the last entry must cover the rest.
    const area& last = pass.prices.back().where;
    if (last.scope != area::kind::anywhere && !(last.scope == pass.covers.scope && last.countries == pass.covers.countries))
      for (const std::string& code : covered_codes(pass.covers))
        if (std::none_of(pass.prices.begin(), pass.prices.end(), [&](const pass_price& x) { return area_has(x.where, code); }))
          loader_.fail(pass.prices.back().defined_at, pr.field("prices"),
                       fmt::format("no price for {}, which the pass covers", code));
    if (const toml::node* v = pr.find("validity_days")) {
      pass.validity_days = pr.integer_of(*v, "validity_days");
      if (pass.validity_days < 1 || pass.validity_days > 366)
        loader_.fail(*v, pr.field("validity_days"), "must be 1..366 days");
    }
    if (const toml::array* list = pr.optional_array("not_sold_for"))
      pass.not_sold_for = read_country_list(*list, pr.field("not_sold_for"));
    if (p.fee_charged != fee_basis::none)
      loader_.fail(r.require("fee"), r.field("fee"), "a pass charges by its `pass` prices, not a fee");
    p.pass = std::move(pass);
  }

  // The country codes an area covers (listed countries and home).
  std::vector<std::string> covered_codes(const area& a) const {
    std::vector<std::string> all{result_.home_country};
    for (const country& c : result_.countries) all.push_back(c.code);
    std::vector<std::string> out;
    for (const std::string& code : all)
      if (area_has(a, code)) out.push_back(code);
    return out;
  }

  bool area_has(const area& a, const std::string& code) const {
    switch (a.scope) {
      case area::kind::anywhere: return true;
      case area::kind::home: return code == result_.home_country;
      case area::kind::roaming: return code != result_.home_country;
      case area::kind::countries: return std::binary_search(a.countries.begin(), a.countries.end(), code);
    }
    return false;
  }

  void read_offer(table_reader& r, product& p) {
    const toml::node* deposit = r.find("deposit");
    const toml::array* credits = r.optional_array("credits");
    if (p.kind != product_kind::offer) {
      if (deposit != nullptr) loader_.fail(*deposit, r.field("deposit"), "only an offer takes a deposit");
      if (credits != nullptr) loader_.fail(*credits, r.field("credits"), "only an offer has credits");
      return;
    }
    p.deposit = r.money_of(r.require("deposit"), "deposit", result_.money_unit);
    if (p.deposit->is_negative() || p.deposit->is_zero())
      loader_.fail(r.require("deposit"), r.field("deposit"), "must be a positive amount");
    if (credits == nullptr) r.require("credits");
    money returned = money::zero(result_.money_unit);
    for_each_table(loader_, *credits, r.field("credits"), credit_fields, [&](table_reader& c) {
      credit_rule rule;
      rule.defined_at = c.position();
      const toml::node& months = c.require("months");
      if (months.is_integer()) {
        rule.first_month = rule.last_month = c.integer_of(months, "months");
      } else if (const toml::array* range = months.as_array(); range && range->size() == 2 &&
                 range->get(0)->is_integer() && range->get(1)->is_integer()) {
        rule.first_month = *range->get(0)->value<std::int64_t>();
        rule.last_month = *range->get(1)->value<std::int64_t>();
      } else {
        loader_.fail(months, c.field("months"), "write a month (0: at the deposit) or a range [1, 6]");
      }
      if (rule.first_month < 0 || rule.last_month < rule.first_month || rule.last_month > 120)
        loader_.fail(months, c.field("months"), "months run from 0 (the deposit) to 120, first <= last");
      rule.deposit_part = money::zero(result_.money_unit);
      rule.bonus_part = money::zero(result_.money_unit);
      if (const toml::node* d = c.find("deposit")) rule.deposit_part = c.money_of(*d, "deposit", result_.money_unit);
      if (const toml::node* b = c.find("bonus")) rule.bonus_part = c.money_of(*b, "bonus", result_.money_unit);
      if (rule.deposit_part.is_negative() || rule.bonus_part.is_negative() ||
          (rule.deposit_part.is_zero() && rule.bonus_part.is_zero()))
        loader_.fail(c.position(), c.path(), "a credit returns a positive deposit part, bonus, or both");
      returned += rule.deposit_part * (rule.last_month - rule.first_month + 1);
      p.credits.push_back(rule);
    });
    // An offer returns exactly the deposit it took: anything else is a typo in the table.
    if (returned != *p.deposit)
      loader_.fail(r.require("credits"), r.field("credits"),
                   fmt::format("the credits return {} of deposit, but the offer takes {}", returned,
                               *p.deposit));
  }

  threshold read_threshold(table_reader& r, const product& p) {
    threshold t;
    t.defined_at = r.position();
    t.name = r.optional_string("name", fmt::format("{}.{}", p.id, r.path().substr(r.path().rfind('.') + 1)));
    t.counter = r.required_enum("counter", counter_kind_names);
    const service_rule* svc = nullptr;
    if (r.find("service") != nullptr) {
      svc = &read_service(r);
      t.svc = svc->svc;
    } else if (t.counter != counter_kind::usage_fee) {
      r.require("service");  // names the missing field
    }
    if (r.find("where") != nullptr && t.counter != counter_kind::volume)
      loader_.fail(r.require("where"), r.field("where"), "only a volume counter has a `where`");
    t.where = read_area(r);
    if (const toml::node* peer = r.find("peer")) {
      if (t.counter != counter_kind::volume)
        loader_.fail(*peer, r.field("peer"), "only a volume counter has a `peer` filter");
      t.peers = r.enum_of(*peer, "peer", peer_filter_names);
      if (t.peers != peer_filter::any && result_.on_net_prefixes.empty())
        loader_.fail(*peer, r.field("peer"), "on_net/off_net need [network] on_net_prefixes");
    }
    if (const toml::node* scope = r.find("scope")) {
      if (t.counter != counter_kind::usage_fee)
        loader_.fail(*scope, r.field("scope"), "only a usage_fee counter has a `scope`");
      std::string name = r.string_of(*scope, "scope");
      if (name == "product") t.all_fees = false;
      else if (name == "all") t.all_fees = true;
      else loader_.fail(*scope, r.field("scope"), fmt::format("\"{}\" is not product or all", name));
    }
    read_level(r, t, svc, p);
    t.compare = r.optional_enum("compare", comparison_names, comparison::reaches);
    read_action(r, t, svc);
    return t;
  }

  void read_level(table_reader& r, threshold& t, const service_rule* svc, const product& p) {
    const toml::node& at = r.require("at");
    switch (t.counter) {
      case counter_kind::volume: {
        quantity q = r.quantity_of(at, "at");
        if (q.dim() != svc->increment.dim() || q.is_zero() || q.value() % svc->increment.value() != 0)
          loader_.fail(at, r.field("at"),
                       fmt::format("must be a positive whole number of the {} increment {}",
                                   to_string(svc->svc), svc->increment));
        t.volume_level = q;
        return;
      }
      case counter_kind::usage_fee: {
        money m = r.money_of(at, "at", result_.money_unit);
        if (m.is_negative() || m.is_zero()) loader_.fail(at, r.field("at"), "must be a positive amount");
        t.fee_level = m;
        return;
      }
      case counter_kind::distinct_peers: {
        std::int64_t n = r.integer_of(at, "at");
        if (n <= 0) loader_.fail(at, r.field("at"), "must be a positive count");
        t.count_level = n;
        return;
      }
      case counter_kind::allowance_used: {
        std::string text = r.string_of(at, "at");
        std::int64_t percent = 0;
        bool ok = text.size() >= 2 && text.back() == '%' && text.size() <= 4;
        for (std::size_t i = 0; ok && i + 1 < text.size(); ++i) {
          ok = text[i] >= '0' && text[i] <= '9';
          percent = percent * 10 + (text[i] - '0');
        }
        if (!ok || percent < 1 || percent > 100)
          loader_.fail(at, r.field("at"), fmt::format("\"{}\" is not a percentage 1%..100%", text));
        if (std::none_of(p.allowances.begin(), p.allowances.end(),
                         [&](const allowance& a) { return a.svc == svc->svc; }))
          loader_.fail(at, r.field("at"),
                       fmt::format("{} has no {} allowance to count", p.id, to_string(svc->svc)));
        t.percent_level = percent;
        return;
      }
    }
  }

  void read_action(table_reader& r, threshold& t, const service_rule* svc) {
    const toml::node& node = r.require("action");
    t.action = r.enum_of(node, "action", threshold_action_names);
    t.message = r.optional_string("message");
    const bool needs_rate = t.action == threshold_action::cut_off || t.action == threshold_action::rate_change;
    if (t.action == threshold_action::cap && t.counter != counter_kind::usage_fee)
      loader_.fail(node, r.field("action"), "a cap stops a fee: it needs counter = \"usage_fee\"");
    // The fee stops at the cap, so it never exceeds it: a cap is reached, by definition.
    if (t.action == threshold_action::cap && t.compare == comparison::exceeds)
      loader_.fail(r.require("compare"), r.field("compare"), "a cap is reached (compare = \"reaches\"): the fee never exceeds it");
    if (t.action != threshold_action::notify && t.action != threshold_action::cap && svc == nullptr)
      loader_.fail(node, r.field("action"), fmt::format("{} acts on a service: give `service`", t.action));
    if (const toml::node* limit = r.find("limit_kbps")) {
      if (t.action != threshold_action::throttle)
        loader_.fail(*limit, r.field("limit_kbps"), "only a throttle has a speed limit");
      t.limit_kbps = r.integer_of(*limit, "limit_kbps");
      if (t.limit_kbps <= 0) loader_.fail(*limit, r.field("limit_kbps"), "must be a positive number of kbps");
    } else if (t.action == threshold_action::throttle) {
      r.require("limit_kbps");
    }
    if (const toml::table* rate_table = r.optional_table("rate")) {
      if (!needs_rate)
        loader_.fail(r.require("rate"), r.field("rate"), "only cut_off and rate_change name a rate");
      table_reader rr(loader_, *rate_table, r.field("rate"), threshold_rate_fields);
      t.then_rate = read_rate(rr, svc);
    } else if (needs_rate) {
      r.require("rate");
    }
  }

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

}  // namespace

catalog parse_catalog(std::string_view text, const std::string& source_name) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw input_error({source_name, static_cast<std::uint32_t>(e.source().begin.line),
                       static_cast<std::uint32_t>(e.source().begin.column)},
                      "", fmt::format("TOML syntax: {}", e.description()));
  }
  return catalog_builder(root, source_name).build();
}

catalog load_catalog(const std::filesystem::path& path) {
  return parse_catalog(detail::read_text_file(path), path.string());
}

}  // namespace ratel
