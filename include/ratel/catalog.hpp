// ratel/catalog.hpp: the tariff model, as plain data.
//
// Concept: everything an operator's tariff says, as it is written in a catalog file
// (tariffs/*.toml, loaded by catalog_toml.hpp): the home country, zone and currency; the
// rating increment of each service; the time bands of the day; the countries and their
// zones; the base rates every subscriber pays; and the products a subscriber can hold
// (plans and packs) with their fees, allowances and rates. No rule lives in engine code:
// another operator's catalog can choose differently on every point.
//
// Invariants (established by the loader, relied on by rules.hpp): every name refers to
// something that exists (a band, a country, a group, a service with an increment); every
// rate is exact in micro-units per rating increment; ids are unique; within one product
// (or the base tariff) no two rates could both be the most specific match for a record.
//
// Every element keeps the position it was defined at, so `ratel check` and later errors
// can point back at the file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"
#include "ratel/error.hpp"
#include "ratel/line_kind.hpp"
#include "ratel/money.hpp"
#include "ratel/quantity.hpp"
#include "ratel/service.hpp"

namespace ratel {

/// Where a rate or an allowance applies, by the country a record was used in.
struct area {
  enum class kind : std::uint8_t {
    anywhere,   ///< home and every listed country
    home,       ///< the catalog's home country only
    roaming,    ///< every listed country except home
    countries,  ///< an explicit list (written as a list or as a country group)
  };
  kind scope = kind::anywhere;
  std::string group;                   ///< the group's name, when written as one
  std::vector<std::string> countries;  ///< for kind::countries: sorted, unique

  /// Higher is more specific: an explicit list (2) beats home/roaming (1) beats anywhere (0).
  int specificity() const noexcept;
  /// "anywhere", "home", "roaming", the group's name or "[HK, MO]".
  std::string describe() const;
};

/// The most named bands a catalog may define; the loader refuses more. With the default
/// band that makes 256 bands, so the compiled plan numbers a band in one byte (band_id in
/// rules.hpp, which checks that it fits).
inline constexpr std::size_t max_named_bands = 255;

/// A named part of the day in the home zone, [from, to); wraps midnight when from > to
/// (23:00-07:00). A record belongs to the band of its start time (D17).
struct time_band {
  std::string name;
  std::chrono::minutes from{0};
  std::chrono::minutes to{0};
  source_position defined_at;
};

/// A price per quantity of a service: `price` for every `per` (0.01 per 1 KB).
struct rate {
  service svc = service::data;
  std::string band;  ///< empty: any band
  area where;
  money price;
  quantity per;
  /// false: what this rate charges is never stopped by a cap (D6: beyond 15 GB, uncapped).
  bool capped = true;
  /// price x increment / per: what one rating increment costs. Exact (the loader rejects a
  /// rate that is not a whole number of micro-units per increment).
  money price_per_increment;
  source_position defined_at;
};

/// An included quantity of a service, drawn before any rate applies.
struct allowance {
  service svc = service::data;
  quantity amount;
  std::string band;  ///< empty: any band
  area where;
  source_position defined_at;
};

/// What a threshold counts over the subscriber's cycle (counters reset at each cycle start).
enum class counter_kind : std::uint8_t {
  volume,          ///< rated quantity of a service (in an area, to on-/off-net peers)
  usage_fee,       ///< usage charges: of this product's rates, or all (scope), of a service or all
  allowance_used,  ///< how much of this product's allowance of a service is drawn
  distinct_peers,  ///< distinct called numbers of a service
};
/// The names a threshold writes (`counter = "usage_fee"`).
inline constexpr auto counter_kind_names = detail::enum_names_of<counter_kind>({
    {counter_kind::volume, "volume"},
    {counter_kind::usage_fee, "usage_fee"},
    {counter_kind::allowance_used, "allowance_used"},
    {counter_kind::distinct_peers, "distinct_peers"},
});
constexpr std::string_view to_string(counter_kind k) noexcept {
  return counter_kind_names.name(k);
}

/// Which called numbers a volume counter counts (on-net: [network] on_net_prefixes).
enum class peer_filter : std::uint8_t { any, on_net, off_net };
/// The names a threshold writes (`peer = "on_net"`).
inline constexpr auto peer_filter_names = detail::enum_names_of<peer_filter>({
    {peer_filter::any, "any"},
    {peer_filter::on_net, "on_net"},
    {peer_filter::off_net, "off_net"},
});
constexpr std::string_view to_string(peer_filter p) noexcept {
  return peer_filter_names.name(p);
}

/// When a threshold is crossed: when the counter reaches the level (>=) or exceeds it (>).
enum class comparison : std::uint8_t { reaches, exceeds };
/// The names a threshold writes (`compare = "exceeds"`).
inline constexpr auto comparison_names = detail::enum_names_of<comparison>({
    {comparison::reaches, "reaches"},
    {comparison::exceeds, "exceeds"},
});
constexpr std::string_view to_string(comparison c) noexcept {
  return comparison_names.name(c);
}

/// What happens at a threshold.
enum class threshold_action : std::uint8_t {
  notify,       ///< an event, nothing else
  cap,          ///< the counted fee stops growing: further charges it counts are 0
  cut_off,      ///< the service is suspended; what is recorded after it is rated at `rate`
  rate_change,  ///< from here on the service is rated at `rate`
  throttle,     ///< a speed limit (`limit_kbps`), an event for the network
  bar,          ///< later records of the service are rejected (`barred`)
};
/// The names a threshold writes (`action = "cut_off"`) and a reactivation lifts.
inline constexpr auto threshold_action_names = detail::enum_names_of<threshold_action>({
    {threshold_action::notify, "notify"},
    {threshold_action::cap, "cap"},
    {threshold_action::cut_off, "cut_off"},
    {threshold_action::rate_change, "rate_change"},
    {threshold_action::throttle, "throttle"},
    {threshold_action::bar, "bar"},
});
constexpr std::string_view to_string(threshold_action a) noexcept {
  return threshold_action_names.name(a);
}

/// A rule on a cumulative counter of the cycle, with an action when it is crossed. A record
/// that crosses it is split there, so each part is rated under the right state.
struct threshold {
  std::string name;  ///< names it in events (default: "<product>.thresholds[i]")
  counter_kind counter = counter_kind::volume;
  std::optional<service> svc;            ///< required except for usage_fee (absent: all services)
  area where;                            ///< volume only
  peer_filter peers = peer_filter::any;  ///< volume only
  /// usage_fee only: false counts (and caps) what this product's rates charge; true, every
  /// usage charge of the subscriber, whichever rate made it.
  bool all_fees = false;
  /// The level, by counter: volume: a quantity; usage_fee: money; distinct_peers: a count;
  /// allowance_used: a percentage of the product's allowance of the service (1..100).
  std::optional<quantity> volume_level;
  std::optional<money> fee_level;
  std::int64_t count_level = 0;
  std::int64_t percent_level = 0;
  comparison compare = comparison::reaches;
  threshold_action action = threshold_action::notify;
  std::string message;            ///< notify: the reminder's text
  std::int64_t limit_kbps = 0;    ///< throttle
  std::optional<rate> then_rate;  ///< cut_off and rate_change: the rate from here on
  source_position defined_at;
};

/// What `reactivate_data` in the account log does for a product that cut data off.
struct reactivation_rule {
  bool allowed = false;
  /// Actions of this product's thresholds that stop applying for the rest of the cycle
  /// once the customer reactivates (D6: cut_off and cap).
  std::vector<threshold_action> lifts;
};

/// Which packs a plan accepts beside it (D8).
enum class addon_policy : std::uint8_t {
  any,                  ///< every pack
  lifts_throttle_only,  ///< domestic data packs only if they lift the throttle
};
/// The names a plan writes (`addons = "lifts_throttle_only"`).
inline constexpr auto addon_policy_names = detail::enum_names_of<addon_policy>({
    {addon_policy::any, "any"},
    {addon_policy::lifts_throttle_only, "lifts_throttle_only"},
});
constexpr std::string_view to_string(addon_policy p) noexcept {
  return addon_policy_names.name(p);
}

enum class product_kind : std::uint8_t {
  plan,   ///< a tariff plan
  pack,   ///< a data (or other) pack beside a plan
  vas,    ///< a value-added service: per use, or monthly (D15)
  offer,  ///< a deposit-and-bonus offer (D16)
  pass,   ///< a roaming pass (D10, D11, D12)
};
/// The names a product writes (`kind = "pack"`).
inline constexpr auto product_kind_names = detail::enum_names_of<product_kind>({
    {product_kind::plan, "plan"},
    {product_kind::pack, "pack"},
    {product_kind::vas, "vas"},
    {product_kind::offer, "offer"},
    {product_kind::pass, "pass"},
});
constexpr std::string_view to_string(product_kind k) noexcept {
  return product_kind_names.name(k);
}

/// When a product's fee is charged.
enum class fee_basis : std::uint8_t {
  none,       ///< no fee
  per_cycle,  ///< recurring: once in every cycle the product is active in (maybe prorated)
  per_order,  ///< one-off: once for every `subscribe`
  per_use,    ///< per use: every `vas` usage record naming the product, per use (D15)
};
/// The names a fee writes (`per = "cycle"`); `none` is a product without `fee`.
inline constexpr auto fee_basis_names = detail::enum_names_of<fee_basis>({
    {fee_basis::none, "none"},
    {fee_basis::per_cycle, "cycle", "recurring"},
    {fee_basis::per_order, "order", "one-off"},
    {fee_basis::per_use, "use"},
});
constexpr std::string_view to_string(fee_basis b) noexcept {
  return fee_basis_names.name(b);
}

/// How long a one-off product's allowances last after the order.
enum class validity : std::uint8_t {
  subscription,   ///< while subscribed (recurring products)
  rest_of_cycle,  ///< from the order to the end of the cycle it was ordered in
};
/// The names a product writes (`validity = "rest_of_cycle"`).
inline constexpr auto validity_names = detail::enum_names_of<validity>({
    {validity::subscription, "subscription"},
    {validity::rest_of_cycle, "rest_of_cycle"},
});
constexpr std::string_view to_string(validity v) noexcept {
  return validity_names.name(v);
}

/// When `unsubscribe` ends a product (D5: plans and packs at the next cycle start).
enum class unsubscribe_rule : std::uint8_t {
  immediately,  ///< at the instant of the request
  next_day,     ///< at the next 00:00 in the home zone after the request
  next_cycle,   ///< at the next cycle start (the current cycle is billed in full)
};
/// The names a product writes (`unsubscribe = "next_cycle"`).
inline constexpr auto unsubscribe_rule_names = detail::enum_names_of<unsubscribe_rule>({
    {unsubscribe_rule::immediately, "immediately"},
    {unsubscribe_rule::next_day, "next_day"},
    {unsubscribe_rule::next_cycle, "next_cycle"},
});
constexpr std::string_view to_string(unsubscribe_rule u) noexcept {
  return unsubscribe_rule_names.name(u);
}

/// A day-count convention for a part of a cycle, like a bond's: what share of a cycle's
/// fee or allowance a product active on some of its days gets. The share is an exact ratio
/// of whole days; a product active on every day of the cycle always gets all of it.
enum class proration_strategy : std::uint8_t {
  none,         ///< always the whole amount
  actual_days,  ///< active days / days in the cycle (D4 fee)
  days_12_365,  ///< 12 / 365 x active days (D4 allowance, R-PRO-04)
};
/// The names a product's `proration` writes (`fee = "actual_days"`).
inline constexpr auto proration_strategy_names = detail::enum_names_of<proration_strategy>({
    {proration_strategy::none, "none"},
    {proration_strategy::actual_days, "actual_days"},
    {proration_strategy::days_12_365, "days_12_365"},
});
constexpr std::string_view to_string(proration_strategy p) noexcept {
  return proration_strategy_names.name(p);
}

/// How a product's recurring fee and allowances are prorated in a part cycle (D4). Active
/// days count the local days (home zone) from the first active one to the last, both
/// included; an end at 00:00 does not make its day active.
struct proration_rule {
  proration_strategy fee = proration_strategy::none;
  int fee_places = 2;  ///< the prorated fee is rounded to this many decimals
  rounding fee_rounding = rounding::half_up;
  proration_strategy allowance = proration_strategy::none;
  rounding allowance_rounding = rounding::down;  ///< to whole increments of the service
};

/// One credit of a deposit-and-bonus offer's schedule (D16).
struct credit_rule {
  /// 0: at the deposit; n >= 1: at the start of the n-th cycle after the deposit's.
  std::int64_t first_month = 0;
  std::int64_t last_month = 0;  ///< the same credit in every month first..last
  money deposit_part;           ///< returned deposit per credit
  money bonus_part;             ///< bonus per credit
  source_position defined_at;
};

/// Whose calendar a pass's days follow (D10: Beijing days; D11: the visited country's).
enum class day_zone : std::uint8_t { home, visited };
/// The names a pass writes (`days = "visited"`).
inline constexpr auto day_zone_names = detail::enum_names_of<day_zone>({
    {day_zone::home, "home"},
    {day_zone::visited, "visited"},
});
constexpr std::string_view to_string(day_zone z) noexcept {
  return day_zone_names.name(z);
}

/// What a pass charges its price for (D10, D11, D12).
enum class pass_charge : std::uint8_t {
  per_day,          ///< each day (in its day zone) with covered use
  per_country_day,  ///< each (country, local day) with covered use
  per_country,      ///< once per country with covered use in the validity
};
/// The names a pass writes (`charge = "per_country"`).
inline constexpr auto pass_charge_names = detail::enum_names_of<pass_charge>({
    {pass_charge::per_day, "per_day"},
    {pass_charge::per_country_day, "per_country_day"},
    {pass_charge::per_country, "per_country"},
});
constexpr std::string_view to_string(pass_charge c) noexcept {
  return pass_charge_names.name(c);
}

/// A price of a pass for the countries of `where` (the first that covers a country applies).
struct pass_price {
  area where;
  money price;
  source_position defined_at;
};

/// A roaming pass: records of `svc` in its countries are covered (free beyond the pass's
/// own charge) from the start of the day (in its day zone) the pass was ordered on, until
/// it ends.
struct pass_rule {
  service svc = service::data;
  area covers;
  day_zone days = day_zone::home;
  pass_charge charge = pass_charge::per_day;
  std::vector<pass_price> prices;
  /// 0: until unsubscribed; n: the pass ends by itself after n days (home-zone calendar
  /// days, starting with the day of the order, D12).
  std::int64_t validity_days = 0;
  std::vector<std::string> not_sold_for;  ///< an order for one of these is refused (D12)
};

/// What happens when a product is ordered while another of its exclusive group is held.
enum class group_conflict : std::uint8_t {
  replace_next_cycle,  ///< D5: the held one ends at cycle end, the new one starts then
  refuse,              ///< D12, R-ROAM-11: the order is refused
};
/// The names a product writes (`on_group_conflict = "refuse"`).
inline constexpr auto group_conflict_names = detail::enum_names_of<group_conflict>({
    {group_conflict::replace_next_cycle, "replace_next_cycle"},
    {group_conflict::refuse, "refuse"},
});
constexpr std::string_view to_string(group_conflict g) noexcept {
  return group_conflict_names.name(g);
}

/// Something a subscriber can hold: a plan, a pack, a value-added service, an offer or a
/// pass.
struct product {
  std::string id;
  std::string name;
  product_kind kind = product_kind::plan;
  /// Product code: the tie-break of draw order (D13, smaller first).
  std::int64_t code = 0;
  /// Draw priority (D13): higher is drawn first.
  std::int64_t priority = 0;
  fee_basis fee_charged = fee_basis::none;
  money fee;
  validity lasts = validity::subscription;
  /// Each subscribe adds another instance (top-up packs); otherwise a second subscribe
  /// while active is refused.
  bool stackable = false;
  /// Products of one group exclude each other (D5: a new one replaces the old at the next
  /// cycle start). Empty: none.
  std::string exclusive_group;
  group_conflict on_conflict = group_conflict::replace_next_cycle;
  std::optional<pass_rule> pass;
  std::vector<allowance> allowances;
  std::vector<rate> rates;
  std::vector<threshold> thresholds;
  reactivation_rule reactivation;
  addon_policy addons = addon_policy::any;
  /// An accelerator pack (D8): its allowances are drawn only while the service is throttled
  /// and give full speed; plans with addons = lifts_throttle_only accept it.
  bool lifts_throttle = false;
  /// Ids of products of which one must be held when this one starts (a top-up pack sold
  /// only on top of a plan); empty: no prerequisite. Checked at load: each names a product.
  std::vector<std::string> required_products;
  unsubscribe_rule ends = unsubscribe_rule::immediately;
  proration_rule proration;
  /// D15: on the first order of the product in a cycle, nothing is charged for this long
  /// after the order; unsubscribed inside it, the order costs nothing. Zero: no window.
  quantity free_window{0, dimension::seconds};
  /// D15, R-VAS-02: a trial that charges nothing until the customer's `confirm`.
  bool requires_confirm = false;
  /// Offers (D16): the deposit an order takes, and the credits it returns.
  std::optional<money> deposit;
  std::vector<credit_rule> credits;
  source_position defined_at;
};

/// A country the catalog rates usage in, with the zone of its local days.
struct country {
  std::string code;  ///< ISO 3166-1 alpha-2
  std::string zone;  ///< IANA zone name
  source_position defined_at;
};

struct country_group {
  std::string name;
  std::vector<std::string> countries;  ///< sorted, unique
  source_position defined_at;
};

/// The rating increment of a service: records are rounded up to whole increments (D1).
struct service_rule {
  service svc = service::data;
  quantity increment;
  source_position defined_at;
};

/// A loyalty points program (D7). Every parameter is the catalog's: the documents settle
/// almost none of them (docs/decisions.md, D7).
struct points_program {
  std::int64_t points_per_unit = 1;    ///< points for every whole `unit` of spend
  money unit;                          ///< the currency amount one unit of spend is
  rounding fraction = rounding::down;  ///< how spend / unit becomes whole units (D7: dropped)
  /// The bill line kinds that count as spend (credits never do: deposits are not spend). The
  /// default is the bill before credits (D7), here and in the loader alike.
  std::vector<line_kind> counts{line_kind::fee, line_kind::pack, line_kind::usage, line_kind::pass};
  /// Points of cycle M are credited at the start of cycle M + credit_after_cycles.
  std::int64_t credit_after_cycles = 1;
  /// A cohort credited in month M expires at the end of month M + validity_months - 1.
  std::int64_t validity_months = 36;
  /// Redemption needs this many complete months since `join` (by calendar date). The
  /// default is D7's 6, here and in the loader alike (a catalog without the field gets 6;
  /// one that wants no minimum writes 0).
  std::int64_t min_tenure_months = 6;
  bool oldest_first = true;  ///< redemption order of cohorts
  bool forfeit_on_close = true;
  source_position defined_at;
};

/// A whole tariff catalog.
struct catalog {
  std::string id;  ///< also the `product` of bill lines charged by the base rates
  std::string name;
  std::string source_file;
  std::string home_country;
  std::string home_zone;
  currency money_unit;
  /// Rounding of each bill line (D2); the total is the sum of rounded lines.
  int line_places = 2;
  rounding line_rounding = rounding::half_up;
  std::vector<service_rule> services;
  std::string default_band;  ///< the band of every minute no named band covers
  std::vector<time_band> bands;
  std::vector<country> countries;
  std::vector<country_group> groups;
  /// The base tariff: rates for every subscriber, used when no held product has a rate.
  std::vector<rate> rates;
  std::optional<points_program> points;
  /// Called-number prefixes of the home network (on-net), for peer filters. A peer written
  /// with the international prefix ("+86..." or "0086...") is compared without it.
  std::vector<std::string> on_net_prefixes;
  std::string calling_code;  ///< the home country's calling code ("86"), no "+"
  std::vector<product> products;

  const product* find_product(std::string_view id) const noexcept;
  const service_rule* find_service(service s) const noexcept;
};

}  // namespace ratel
