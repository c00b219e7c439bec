// [[rates]], and a product's rates and allowances: prices and included quantities.
//
// A rate is a price per quantity of a service, for a band (D17) and a `where`; it must
// come to a whole number of micro-units per rating increment (D1), so charges stay exact.
// `capped = false` keeps a rate's charges out of caps (D6: 0.0005/KB beyond 15 GB, no
// cap). Within one list no two rates may tie as the most specific match for a record (the
// rate choice of tariffs/README.md). An allowance must be a whole number of increments
// (D1), because counters count increments.
#include "io/catalog_toml/builder.hpp"

#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace ratel::detail::catalog_toml {
namespace {

constexpr std::array<std::string_view, 6> rate_fields{"service", "band", "where",
                                                      "price",   "per",  "capped"};

constexpr std::array<std::string_view, 4> allowance_fields{"service", "quantity", "band", "where"};

}  // namespace

const service_rule& catalog_builder::read_service(table_reader& r) {
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

std::string catalog_builder::read_band_name(table_reader& r) {
  const toml::node* n = r.find("band");
  if (n == nullptr) return {};
  std::string name = r.string_of(*n, "band");
  if (name == result_.default_band && !name.empty()) return name;
  for (const time_band& b : result_.bands)
    if (b.name == name) return name;
  loader_.fail(*n, r.field("band"),
               fmt::format("\"{}\" is not a band of [bands] (nor its default)", name));
}

// The `rates` list of a table (the catalog's base rates or a product's), checked for ties.
std::vector<rate> catalog_builder::read_rates(table_reader& r) {
  std::vector<rate> rates;
  if (const toml::array* list = r.optional_array("rates"))
    for_each_table(loader_, *list, r.field("rates"), rate_fields,
                   [&](table_reader& a) { rates.push_back(read_rate(a)); });
  check_rates_unambiguous(rates, r.field("rates"));
  return rates;
}

// A rate's own table; `fixed` is the service of an enclosing threshold, if any.
rate catalog_builder::read_rate(table_reader& r, const service_rule* fixed) {
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
    exact =
        per_increment == mul_div(out.price, svc.increment.value(), out.per.value(), rounding::up);
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
void catalog_builder::check_rates_unambiguous(const std::vector<rate>& rates,
                                              const std::string& field) {
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

// A product's `allowances` list.
std::vector<allowance> catalog_builder::read_allowances(table_reader& r) {
  std::vector<allowance> allowances;
  if (const toml::array* list = r.optional_array("allowances"))
    for_each_table(loader_, *list, r.field("allowances"), allowance_fields,
                   [&](table_reader& a) { allowances.push_back(read_allowance(a)); });
  return allowances;
}

allowance catalog_builder::read_allowance(table_reader& r) {
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

}  // namespace ratel::detail::catalog_toml
