// A product's [[products.thresholds]] and its reactivation: rules on the cycle's counters.
//
// A threshold counts volume (in an area, to on- or off-net peers: D9), usage fees (this
// product's or all: D6's cap), the share of an allowance drawn (reminders), or distinct
// called numbers (D9); when the counter reaches or exceeds its level it notifies, caps the
// fee (D6), cuts the service off to a new rate (D6), changes the rate, throttles (D8) or
// bars the service (D9). A product with a cut-off may allow `reactivate_data` (D6), which
// lifts the actions it names for the rest of the cycle.
#include "io/catalog_toml/builder.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ratel::detail::catalog_toml {
namespace {

// A threshold's rate is for the threshold's own service, where its counter counts.
constexpr std::array<std::string_view, 3> threshold_rate_fields{"price", "per", "capped"};

// Rows of names, as a reader scans them (clang-format would align them in columns).
// clang-format off
constexpr std::array<std::string_view, 12> threshold_fields{
    "name", "counter", "service", "where", "peer", "scope", "at", "compare", "action", "message",
    "limit_kbps", "rate"};
// clang-format on

// What reactivate_data can lift: the actions that stop or restrict a service.
constexpr auto reactivation_lift_names =
    threshold_action_names.only({threshold_action::cut_off, threshold_action::cap,
                                 threshold_action::throttle, threshold_action::bar});

}  // namespace

// The product's `thresholds` list, then its `reactivation`, which needs a cut-off.
void catalog_builder::read_thresholds(table_reader& r, product& p) {
  if (const toml::array* list = r.optional_array("thresholds"))
    for_each_table(loader_, *list, r.field("thresholds"), threshold_fields,
                   [&](table_reader& t) { p.thresholds.push_back(read_threshold(t, p)); });
  read_reactivation(r, p);
}

threshold catalog_builder::read_threshold(table_reader& r, const product& p) {
  threshold t;
  t.defined_at = r.position();
  t.name = r.optional_string("name",
                             fmt::format("{}.{}", p.id, r.path().substr(r.path().rfind('.') + 1)));
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
    if (name == "product")
      t.all_fees = false;
    else if (name == "all")
      t.all_fees = true;
    else
      loader_.fail(*scope, r.field("scope"), fmt::format("\"{}\" is not product or all", name));
  }
  read_level(r, t, svc, p);
  t.compare = r.optional_enum("compare", comparison_names, comparison::reaches);
  read_action(r, t, svc);
  return t;
}

void catalog_builder::read_level(table_reader& r, threshold& t, const service_rule* svc,
                                 const product& p) {
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
      if (m.is_negative() || m.is_zero())
        loader_.fail(at, r.field("at"), "must be a positive amount");
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

void catalog_builder::read_action(table_reader& r, threshold& t, const service_rule* svc) {
  const toml::node& node = r.require("action");
  t.action = r.enum_of(node, "action", threshold_action_names);
  t.message = r.optional_string("message");
  const bool needs_rate =
      t.action == threshold_action::cut_off || t.action == threshold_action::rate_change;
  if (t.action == threshold_action::cap && t.counter != counter_kind::usage_fee)
    loader_.fail(node, r.field("action"), "a cap stops a fee: it needs counter = \"usage_fee\"");
  // The fee stops at the cap, so it never exceeds it: a cap is reached, by definition.
  if (t.action == threshold_action::cap && t.compare == comparison::exceeds)
    loader_.fail(r.require("compare"), r.field("compare"),
                 "a cap is reached (compare = \"reaches\"): the fee never exceeds it");
  if (t.action != threshold_action::notify && t.action != threshold_action::cap && svc == nullptr)
    loader_.fail(node, r.field("action"),
                 fmt::format("{} acts on a service: give `service`", t.action));
  if (const toml::node* limit = r.find("limit_kbps")) {
    if (t.action != threshold_action::throttle)
      loader_.fail(*limit, r.field("limit_kbps"), "only a throttle has a speed limit");
    t.limit_kbps = r.integer_of(*limit, "limit_kbps");
    if (t.limit_kbps <= 0)
      loader_.fail(*limit, r.field("limit_kbps"), "must be a positive number of kbps");
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

// D6: `reactivate_data` lifts a cut-off, and with it the actions `lifts` names.
void catalog_builder::read_reactivation(table_reader& r, product& p) {
  const toml::table* reactivation = r.optional_table("reactivation");
  if (reactivation == nullptr) return;
  table_reader a(loader_, *reactivation, r.field("reactivation"), {"lifts"});
  p.reactivation.allowed = true;
  if (const toml::array* lifts = a.optional_array("lifts")) {
    std::size_t i = 0;
    for (const toml::node& n : *lifts)
      p.reactivation.lifts.push_back(
          a.enum_of(n, fmt::format("lifts[{}]", i++), reactivation_lift_names));
  }
  if (std::none_of(p.thresholds.begin(), p.thresholds.end(),
                   [](const threshold& t) { return t.action == threshold_action::cut_off; }))
    loader_.fail(*reactivation, r.field("reactivation"),
                 "reactivate_data lifts a cut-off, but this product has no cut_off threshold");
}

}  // namespace ratel::detail::catalog_toml
