#include "ratel/rules.hpp"

#include <algorithm>
#include <cassert>

namespace ratel {

rule_plan rule_plan::compile(catalog c) {
  rule_plan plan;
  plan.catalog_ = std::make_unique<const catalog>(std::move(c));
  const catalog& cat = *plan.catalog_;
  plan.home_zone_ = zone::locate(cat.home_zone);
  plan.home_country_ = *country_index(cat.home_country);
  plan.listed_.set(plan.home_country_);
  plan.zones_.push_back(plan.home_zone_);
  for (const country& k : cat.countries) {
    const country_id id = *country_index(k.code);
    plan.listed_.set(id);
    if (id == plan.home_country_) continue;  // the home country's days are the home zone's
    plan.zone_index_[id] = static_cast<std::uint16_t>(plan.zones_.size());
    plan.zones_.push_back(zone::locate(k.zone));
  }

  plan.band_names_.push_back(cat.default_band);
  for (const time_band& b : cat.bands) {
    auto id = static_cast<band_id>(plan.band_names_.size());
    plan.band_names_.push_back(b.name);
    // [from, to), wrapping midnight; the loader has refused overlaps.
    for (auto m = b.from.count(); m != b.to.count(); m = (m + 1) % (24 * 60)) {
      plan.band_by_minute_[static_cast<std::size_t>(m)] = id;
      if (m == 24 * 60 - 1 && b.to.count() == 24 * 60) break;
    }
  }
  for (const service_rule& s : cat.services)
    plan.increments_[static_cast<std::size_t>(s.svc)] = s.increment;

  auto sort_rates = [](std::vector<compiled_rate>& rates) {
    std::stable_sort(rates.begin(), rates.end(),
                     [](const compiled_rate& a, const compiled_rate& b) {
                       return a.specificity > b.specificity;
                     });
  };
  for (const rate& r : cat.rates) plan.base_rates_.push_back(plan.compile_rate(r));
  sort_rates(plan.base_rates_);
  for (const product& p : cat.products) {
    compiled_product cp;
    cp.source = &p;
    for (const allowance& a : p.allowances)
      cp.allowances.push_back({&a, plan.band_by_name(a.band), plan.compile_area(a.where)});
    for (const rate& r : p.rates) cp.rates.push_back(plan.compile_rate(r));
    sort_rates(cp.rates);
    if (p.pass) {
      compiled_pass pass;
      pass.source = &*p.pass;
      pass.covers = plan.compile_area(p.pass->covers);
      for (const pass_price& price : p.pass->prices)
        pass.prices.emplace_back(plan.compile_area(price.where), price.price);
      cp.pass = std::move(pass);
    }
    for (const threshold& t : p.thresholds)
      cp.thresholds.push_back(plan.compile_threshold(t, plan.products_.size()));
    const country_set home = plan.compile_area(area{area::kind::home, {}, {}});
    cp.has_domestic_data =
        std::any_of(cp.allowances.begin(), cp.allowances.end(), [&](const compiled_allowance& a) {
          return a.source->svc == service::data && (a.covers & home).any();
        });
    plan.products_.push_back(std::move(cp));
  }
  return plan;
}

std::optional<band_id> rule_plan::band_by_name(std::string_view name) const {
  if (name.empty()) return std::nullopt;
  for (std::size_t i = 0; i < band_names_.size(); ++i)
    if (band_names_[i] == name) return static_cast<band_id>(i);
  assert(false && "the loader checks band names");
  return std::nullopt;
}

country_set rule_plan::compile_area(const area& a) const {
  country_set set;
  switch (a.scope) {
    case area::kind::anywhere:
      return listed_;
    case area::kind::home:
      set.set(home_country_);
      return set;
    case area::kind::roaming:
      set = listed_;
      set.reset(home_country_);
      return set;
    case area::kind::countries:
      for (const std::string& code : a.countries) set.set(*country_index(code));
      return set;
  }
  return set;
}

compiled_threshold rule_plan::compile_threshold(const threshold& t, std::size_t product) const {
  compiled_threshold out;
  out.source = &t;
  out.product = product;
  out.counter = t.counter;
  out.svc = t.svc;
  out.covers = t.counter == counter_kind::volume ? compile_area(t.where) : listed_;
  out.peers = t.peers;
  out.all_fees = t.all_fees;
  out.compare = t.compare;
  out.action = t.action;
  switch (t.counter) {
    case counter_kind::volume:  // in increments of the service (the loader checked divisibility)
      out.level = t.volume_level->value() / increments_[static_cast<std::size_t>(*t.svc)]->value();
      break;
    case counter_kind::usage_fee:
      out.level = t.fee_level->micros();
      break;
    case counter_kind::distinct_peers:
      out.level = t.count_level;
      break;
    case counter_kind::allowance_used:
      out.level = t.percent_level;
      break;
  }
  if (t.then_rate) out.then_rate = compile_rate(*t.then_rate);
  return out;
}

rule_plan::called_number rule_plan::normalise_number(std::string_view peer) const noexcept {
  bool international = false;
  if (peer.starts_with('+')) {
    peer.remove_prefix(1);
    international = true;
  } else if (peer.starts_with("00")) {
    peer.remove_prefix(2);
    international = true;
  }
  if (!international) return {false, peer};
  const std::string& code = catalog_->calling_code;
  if (!code.empty() && peer.starts_with(code)) return {false, peer.substr(code.size())};
  // Another country's number, or no home calling code to tell: the digits as dialled
  // after the international prefix, kept apart from national numbers.
  return {!code.empty(), peer};
}

bool rule_plan::is_on_net(std::string_view peer) const noexcept {
  const called_number n = normalise_number(peer);
  if (n.foreign || n.digits.empty()) return false;
  return std::any_of(catalog_->on_net_prefixes.begin(), catalog_->on_net_prefixes.end(),
                     [&](const std::string& prefix) { return n.digits.starts_with(prefix); });
}

compiled_rate rule_plan::compile_rate(const rate& r) const {
  compiled_rate out;
  out.source = &r;
  out.svc = r.svc;
  out.band = band_by_name(r.band);
  out.covers = compile_area(r.where);
  out.specificity = r.where.specificity() * 2 + (out.band ? 1 : 0);
  out.price_per_increment = r.price_per_increment;
  out.capped = r.capped;
  return out;
}

band_id rule_plan::band_at(instant t) const {
  return band_at(t, home_zone_.offset_at(t));
}

band_id rule_plan::band_at(instant t, std::chrono::seconds home_offset) const {
  const date::local_seconds local{(t + home_offset).time_since_epoch()};
  const auto minute =
      std::chrono::duration_cast<std::chrono::minutes>(local - date::floor<date::days>(local));
  return band_by_minute_[static_cast<std::size_t>(minute.count())];
}

std::string_view rule_plan::band_name(band_id b) const {
  return band_names_.at(b);
}

const zone& rule_plan::zone_of(country_id c) const {
  assert(listed_.test(c));
  return zones_[zone_index_[c]];
}

const money& compiled_pass::price_for(country_id c) const {
  for (const auto& [countries, price] : prices)
    if (countries.test(c)) return price;
  assert(false && "the loader checks that every covered country has a price");
  return prices.back().second;
}

std::optional<country_id> rule_plan::country_of(std::string_view code) const noexcept {
  if (code.empty()) return home_country_;
  auto id = country_index(code);
  if (!id || !listed_.test(*id)) return std::nullopt;
  return id;
}

std::string rule_plan::country_code(country_id c) const {
  return {static_cast<char>('A' + c / 26), static_cast<char>('A' + c % 26)};
}

std::optional<std::size_t> rule_plan::product_index(std::string_view id) const noexcept {
  for (std::size_t i = 0; i < products_.size(); ++i)
    if (products_[i].source->id == id) return i;
  return std::nullopt;
}

const compiled_rate* rule_plan::match(std::span<const compiled_rate> rates, service s, band_id band,
                                      country_id country) noexcept {
  for (const compiled_rate& r : rates) {
    if (r.svc != s || !r.covers.test(country)) continue;
    if (r.band && *r.band != band) continue;
    return &r;  // sorted most specific first
  }
  return nullptr;
}

}  // namespace ratel
