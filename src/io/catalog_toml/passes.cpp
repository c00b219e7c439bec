// A product's [products.pass]: roaming passes (D10, D11, D12).
//
// A pass covers the records of one service in its countries from the start of the day of
// its order. Its days are the home zone's (D10: Beijing days) or the visited country's
// (D11); it charges per day with use (D10, D11), per (country, day), or once per country
// with use (D12); its price may differ by country group (D11), and every covered country
// must have one. A multi-day pass ends by itself after `validity_days` (D12) and may be
// refused for some countries (D12: not sold for JP, PH, ID).
#include "io/catalog_toml/builder.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace ratel::detail::catalog_toml {
namespace {

constexpr std::array<std::string_view, 2> pass_price_fields{"where", "price"};

}  // namespace

void catalog_builder::read_pass(table_reader& r, product& p) {
  const toml::table* t = r.optional_table("pass");
  if (p.kind != product_kind::pass) {
    if (t != nullptr) loader_.fail(*t, r.field("pass"), "only a product of kind pass has a `pass`");
    return;
  }
  if (t == nullptr) r.require("pass");
  table_reader pr(
      loader_, *t, r.field("pass"),
      {"service", "where", "days", "charge", "price", "prices", "validity_days", "not_sold_for"});
  pass_rule pass;
  pass.svc = read_service(pr).svc;
  pass.covers = read_area(pr);
  pass.days = pr.optional_enum("days", day_zone_names, day_zone::home);
  pass.charge = pr.required_enum("charge", pass_charge_names);
  if (const toml::node* price = pr.find("price")) {
    if (pr.find("prices") != nullptr)
      loader_.fail(*pr.find("prices"), pr.field("prices"), "give `price` or `prices`, not both");
    pass.prices.push_back(
        {area{}, pr.money_of(*price, "price", result_.money_unit), loader_.at(*price)});
  } else if (const toml::array* prices = pr.optional_array("prices")) {
    for_each_table(loader_, *prices, pr.field("prices"), pass_price_fields, [&](table_reader& x) {
      pass.prices.push_back({read_area(x),
                             x.money_of(x.require("price"), "price", result_.money_unit),
                             x.position()});
    });
    if (pass.prices.empty()) loader_.fail(*prices, pr.field("prices"), "lists no price");
  } else {
    pr.require("price");
  }
  for (const pass_price& price : pass.prices)
    if (price.price.is_negative())
      loader_.fail(price.defined_at, pr.field("price"), "a price cannot be negative");
  // Every country the pass covers must have a price: the last entry must cover the rest.
  const area& last = pass.prices.back().where;
  if (last.scope != area::kind::anywhere &&
      !(last.scope == pass.covers.scope && last.countries == pass.covers.countries))
    for (const std::string& code : covered_codes(pass.covers))
      if (std::none_of(pass.prices.begin(), pass.prices.end(),
                       [&](const pass_price& x) { return area_has(x.where, code); }))
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
    loader_.fail(r.require("fee"), r.field("fee"),
                 "a pass charges by its `pass` prices, not a fee");
  p.pass = std::move(pass);
}

}  // namespace ratel::detail::catalog_toml
