#include "ratel/catalog.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ratel {

int area::specificity() const noexcept {
  switch (scope) {
    case kind::anywhere: return 0;
    case kind::home:
    case kind::roaming: return 1;
    case kind::countries: return 2;
  }
  return 0;
}

std::string area::describe() const {
  switch (scope) {
    case kind::anywhere: return "anywhere";
    case kind::home: return "home";
    case kind::roaming: return "roaming";
    case kind::countries:
      return group.empty() ? fmt::format("[{}]", fmt::join(countries, ", ")) : group;
  }
  return "?";
}

std::string_view to_string(product_kind k) noexcept {
  switch (k) {
    case product_kind::plan: return "plan";
    case product_kind::pack: return "pack";
    case product_kind::vas: return "vas";
    case product_kind::offer: return "offer";
    case product_kind::pass: return "pass";
  }
  return "?";
}

std::string_view to_string(day_zone z) noexcept { return z == day_zone::home ? "home" : "visited"; }

std::string_view to_string(pass_charge c) noexcept {
  switch (c) {
    case pass_charge::per_day: return "per_day";
    case pass_charge::per_country_day: return "per_country_day";
    case pass_charge::per_country: return "per_country";
  }
  return "?";
}

std::string_view to_string(group_conflict g) noexcept {
  return g == group_conflict::refuse ? "refuse" : "replace_next_cycle";
}

std::string_view to_string(unsubscribe_rule u) noexcept {
  switch (u) {
    case unsubscribe_rule::immediately: return "immediately";
    case unsubscribe_rule::next_day: return "next_day";
    case unsubscribe_rule::next_cycle: return "next_cycle";
  }
  return "?";
}

std::string_view to_string(proration_strategy p) noexcept {
  switch (p) {
    case proration_strategy::none: return "none";
    case proration_strategy::actual_days: return "actual_days";
    case proration_strategy::days_12_365: return "days_12_365";
  }
  return "?";
}

std::string_view to_string(fee_basis b) noexcept {
  switch (b) {
    case fee_basis::none: return "none";
    case fee_basis::per_cycle: return "cycle";
    case fee_basis::per_order: return "order";
    case fee_basis::per_use: return "use";
  }
  return "?";
}

std::string_view to_string(validity v) noexcept {
  return v == validity::subscription ? "subscription" : "rest_of_cycle";
}

std::string_view to_string(counter_kind k) noexcept {
  switch (k) {
    case counter_kind::volume: return "volume";
    case counter_kind::usage_fee: return "usage_fee";
    case counter_kind::allowance_used: return "allowance_used";
    case counter_kind::distinct_peers: return "distinct_peers";
  }
  return "?";
}

std::string_view to_string(peer_filter p) noexcept {
  switch (p) {
    case peer_filter::any: return "any";
    case peer_filter::on_net: return "on_net";
    case peer_filter::off_net: return "off_net";
  }
  return "?";
}

std::string_view to_string(comparison c) noexcept {
  return c == comparison::reaches ? "reaches" : "exceeds";
}

std::string_view to_string(threshold_action a) noexcept {
  switch (a) {
    case threshold_action::notify: return "notify";
    case threshold_action::cap: return "cap";
    case threshold_action::cut_off: return "cut_off";
    case threshold_action::rate_change: return "rate_change";
    case threshold_action::throttle: return "throttle";
    case threshold_action::bar: return "bar";
  }
  return "?";
}

std::string_view to_string(addon_policy p) noexcept {
  return p == addon_policy::any ? "any" : "lifts_throttle_only";
}

const product* catalog::find_product(std::string_view wanted) const noexcept {
  auto it = std::find_if(products.begin(), products.end(),
                         [&](const product& p) { return p.id == wanted; });
  return it == products.end() ? nullptr : &*it;
}

const service_rule* catalog::find_service(service s) const noexcept {
  auto it = std::find_if(services.begin(), services.end(),
                         [&](const service_rule& r) { return r.svc == s; });
  return it == services.end() ? nullptr : &*it;
}

}  // namespace ratel
