// [[products]]: what a subscriber can hold, and when it is charged and ends.
//
// A product's kind (plan, pack, vas, offer, pass), its draw order (D13: higher priority
// first, then the smaller code), its fee (per cycle, per order or per use: D15's per-use
// services) and validity, whether it stacks, its exclusive group (D5: replaced at the next
// cycle start; D12: or refused), the packs a plan accepts (D8), the products it requires,
// and its lifecycle: when `unsubscribe` takes effect (D5), proration of a part cycle (D4),
// D15's free window and trial confirmation, and an offer's deposit and credits (D16). The
// rates and allowances (rates.cpp), thresholds (thresholds.cpp) and pass (passes.cpp) of a
// product are read from here.
#include "io/catalog_toml/builder.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ratel::detail::catalog_toml {
namespace {

// Rows of names, as a reader scans them (clang-format would put one per line).
// clang-format off
constexpr std::array<std::string_view, 24> product_fields{
    "id", "name", "kind", "code", "priority", "fee", "validity", "stackable", "exclusive_group",
    "allowances", "rates", "thresholds", "reactivation", "addons", "lifts_throttle",
    "unsubscribe", "proration", "free_window", "requires_confirm", "deposit", "credits",
    "on_group_conflict", "pass", "requires"};
// clang-format on

constexpr std::array<std::string_view, 3> credit_fields{"months", "deposit", "bonus"};

// A fee is charged per cycle, order or use; a product without one has fee_basis::none.
constexpr auto fee_per_names =
    fee_basis_names.only({fee_basis::per_cycle, fee_basis::per_order, fee_basis::per_use});

}  // namespace

void catalog_builder::read_products(table_reader& top) {
  if (const toml::array* products = top.optional_array("products"))
    for_each_table(loader_, *products, "products", product_fields,
                   [&](table_reader& r) { read_product(r); });
  check_required_products();
}

void catalog_builder::read_product(table_reader& r) {
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
    if (p.fee.is_negative())
      loader_.fail(f.require("amount"), f.field("amount"), "must not be negative");
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
    loader_.fail(r.require("on_group_conflict"), r.field("on_group_conflict"),
                 "needs an exclusive_group");
  p.allowances = read_allowances(r);
  p.rates = read_rates(r);
  if (p.fee_charged == fee_basis::per_use) {
    // A per-use service's fee is its price per use: the rate of the vas records naming it.
    if (!p.rates.empty())
      loader_.fail(r.require("rates"), r.field("rates"),
                   "a per-use service is priced by its fee alone");
    const quantity& use = result_.find_service(service::vas)->increment;
    rate per_use;
    per_use.svc = service::vas;
    per_use.price = p.fee;
    per_use.per = use;
    per_use.price_per_increment = p.fee;
    per_use.defined_at = r.position();
    p.rates.push_back(per_use);
  }
  read_thresholds(r, p);
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
void catalog_builder::read_lifecycle(table_reader& r, product& p) {
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
        loader_.fail(f.require("places"), f.field("places"),
                     fmt::format("{} is not in 0..{}", places, money::decimals));
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

void catalog_builder::read_offer(table_reader& r, product& p) {
  const toml::node* deposit = r.find("deposit");
  const toml::array* credits = r.optional_array("credits");
  if (p.kind != product_kind::offer) {
    if (deposit != nullptr)
      loader_.fail(*deposit, r.field("deposit"), "only an offer takes a deposit");
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
                                                             range->get(0)->is_integer() &&
                                                             range->get(1)->is_integer()) {
      rule.first_month = *range->get(0)->value<std::int64_t>();
      rule.last_month = *range->get(1)->value<std::int64_t>();
    } else {
      loader_.fail(months, c.field("months"),
                   "write a month (0: at the deposit) or a range [1, 6]");
    }
    if (rule.first_month < 0 || rule.last_month < rule.first_month || rule.last_month > 120)
      loader_.fail(months, c.field("months"),
                   "months run from 0 (the deposit) to 120, first <= last");
    rule.deposit_part = money::zero(result_.money_unit);
    rule.bonus_part = money::zero(result_.money_unit);
    if (const toml::node* d = c.find("deposit"))
      rule.deposit_part = c.money_of(*d, "deposit", result_.money_unit);
    if (const toml::node* b = c.find("bonus"))
      rule.bonus_part = c.money_of(*b, "bonus", result_.money_unit);
    if (rule.deposit_part.is_negative() || rule.bonus_part.is_negative() ||
        (rule.deposit_part.is_zero() && rule.bonus_part.is_zero()))
      loader_.fail(c.position(), c.path(),
                   "a credit returns a positive deposit part, bonus, or both");
    returned += rule.deposit_part * (rule.last_month - rule.first_month + 1);
    p.credits.push_back(rule);
  });
  // An offer returns exactly the deposit it took: anything else is a typo in the table.
  if (returned != *p.deposit)
    loader_.fail(r.require("credits"), r.field("credits"),
                 fmt::format("the credits return {} of deposit, but the offer takes {}", returned,
                             *p.deposit));
}

// Every product named by a `requires` exists in this catalog.
void catalog_builder::check_required_products() {
  for (const required_reference& ref : required_references_)
    if (result_.find_product(ref.id) == nullptr) {
      std::vector<std::string_view> known;
      for (const product& p : result_.products) known.push_back(p.id);
      loader_.fail(*ref.node, ref.field,
                   fmt::format("\"{}\" is not a product of this catalog (its products: {})", ref.id,
                               fmt::join(known, ", ")));
    }
}

}  // namespace ratel::detail::catalog_toml
