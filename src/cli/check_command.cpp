// `ratel check`: validate catalogs and print what they compile to, in words.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/rules.hpp"
#include "standard_output.hpp"

namespace ratel::cli {
namespace {

std::string describe_rate(const rule_plan& plan, const compiled_rate& r) {
  const rate& src = *r.source;
  return fmt::format("{} {}, band {}: {} per {} ({} per increment)  [line {}]", to_string(r.svc),
                     src.where.describe(), r.band ? std::string(plan.band_name(*r.band)) : "any",
                     src.price, src.per, r.price_per_increment, src.defined_at.line);
}

std::string describe_threshold(const compiled_threshold& t) {
  const threshold& src = *t.source;
  std::string counter = fmt::format("{}", t.counter);
  if (t.svc) counter += fmt::format(" of {}", *t.svc);
  if (t.counter == counter_kind::volume && src.where.scope != area::kind::anywhere)
    counter.append(" ").append(
        src.where.describe());  // not " " + ...: GCC 12's -Wrestrict false positive at -O3
  if (t.peers != peer_filter::any) counter += fmt::format(" to {} numbers", t.peers);
  if (t.counter == counter_kind::usage_fee)
    counter += t.all_fees ? " (all usage charges)" : " (this product's rates)";
  std::string level;
  switch (t.counter) {
    case counter_kind::volume:
      level = src.volume_level->to_string();
      break;
    case counter_kind::usage_fee:
      level = src.fee_level->to_string();
      break;
    case counter_kind::distinct_peers:
      level = std::to_string(src.count_level);
      break;
    case counter_kind::allowance_used:
      level = fmt::format("{}% of the allowance", src.percent_level);
      break;
  }
  std::string action = fmt::format("{}", t.action);
  if (t.action == threshold_action::throttle) action += fmt::format(" to {} kbps", src.limit_kbps);
  if (t.then_rate)
    action += fmt::format(", then {} per {}{}", t.then_rate->source->price,
                          t.then_rate->source->per, t.then_rate->capped ? "" : " uncapped");
  return fmt::format("\"{}\": when {} {} {}: {}  [line {}]", src.name, counter, t.compare, level,
                     action, src.defined_at.line);
}

std::string describe(const rule_plan& plan) {
  const catalog& c = plan.source();
  std::string out = fmt::format("catalog {} ({}): home {}, zone {}, currency {}\n", c.id, c.name,
                                c.home_country, c.home_zone, c.money_unit.code());
  out += fmt::format("  cycle: calendar month in {}\n", c.home_zone);
  out += fmt::format("  bill lines rounded to {} decimals, {}; total = sum of lines\n",
                     c.line_places, to_string(c.line_rounding));
  for (const service_rule& s : c.services)
    out += fmt::format("  {}: each record rounded up to a whole number of {}\n", to_string(s.svc),
                       s.increment);
  if (!c.bands.empty() || !c.default_band.empty()) {
    out += fmt::format("  bands (home-zone time of day): default {}", c.default_band);
    for (const time_band& b : c.bands)
      out += fmt::format("; {} [{:02}:{:02}, {:02}:{:02})", b.name, b.from.count() / 60,
                         b.from.count() % 60, b.to.count() / 60, b.to.count() % 60);
    out += "\n";
  }
  if (!c.countries.empty()) {
    out += "  countries:";
    for (const country& k : c.countries) out += fmt::format(" {} ({})", k.code, k.zone);
    out += "\n";
  }
  if (!c.on_net_prefixes.empty())
    out += fmt::format("  on-net prefixes (calling code {}): {}\n", c.calling_code,
                       fmt::join(c.on_net_prefixes, ", "));
  for (const country_group& g : c.groups)
    out += fmt::format("  group {}: {}\n", g.name, fmt::join(g.countries, ", "));
  if (c.points) {
    const points_program& p = *c.points;
    out += fmt::format(
        "  points: {} per {} of {} (fraction {}), credited {} cycle(s) later, cohorts valid {} "
        "months, redeemable after {} months since join, {} first, {} at close\n",
        p.points_per_unit, p.unit, fmt::join(p.counts, ", "), p.fraction, p.credit_after_cycles,
        p.validity_months, p.min_tenure_months, p.oldest_first ? "oldest" : "newest",
        p.forfeit_on_close ? "forfeited" : "kept");
  }
  out += "  base rates (every subscriber), most specific first:\n";
  for (const compiled_rate& r : plan.base_rates()) out += "    " + describe_rate(plan, r) + "\n";
  for (std::size_t i = 0; i < plan.product_count(); ++i) {
    const compiled_product& cp = plan.product_at(i);
    const product& p = *cp.source;
    out += fmt::format("  {} {} \"{}\": code {}, priority {}", to_string(p.kind), p.id, p.name,
                       p.code, p.priority);
    if (p.fee_charged != fee_basis::none)
      out += fmt::format(", fee {} per {}", p.fee, to_string(p.fee_charged));
    if (p.fee_charged != fee_basis::per_use && p.kind != product_kind::offer)
      out += fmt::format(", lasts {}", to_string(p.lasts));
    if (p.stackable) out += ", stackable";
    if (!p.exclusive_group.empty()) out += fmt::format(", exclusive group {}", p.exclusive_group);
    out += fmt::format("  [line {}]\n", p.defined_at.line);
    for (const allowance& a : p.allowances)
      out += fmt::format("    allowance {} {} {}{}\n", a.amount, to_string(a.svc),
                         a.where.describe(), a.band.empty() ? "" : ", band " + a.band);
    for (const compiled_rate& r : cp.rates) out += "    rate " + describe_rate(plan, r) + "\n";
    for (const compiled_threshold& t : cp.thresholds)
      out += "    threshold " + describe_threshold(t) + "\n";
    if (p.reactivation.allowed)
      out += fmt::format("    reactivate_data lifts the cut-off; then no further {}\n",
                         fmt::join(p.reactivation.lifts, " or "));
    if (p.addons != addon_policy::any) out += fmt::format("    accepts add-ons: {}\n", p.addons);
    if (p.lifts_throttle)
      out += "    lifts the throttle: its allowances are drawn only while throttled\n";
    if (p.pass) {
      const pass_rule& pass = *p.pass;
      out += fmt::format("    pass: covers {} {}, days of the {} zone, charged {}", pass.svc,
                         pass.covers.describe(), pass.days, pass.charge);
      if (pass.validity_days > 0)
        out += fmt::format(", ends by itself after {} days", pass.validity_days);
      out += "; prices:";
      for (const pass_price& price : pass.prices)
        out += fmt::format(" {} {};", price.where.describe(), price.price);
      if (!pass.not_sold_for.empty())
        out += fmt::format(" not sold for {}", fmt::join(pass.not_sold_for, ", "));
      out += "\n";
    }
    if (!p.exclusive_group.empty() && p.on_conflict == group_conflict::refuse)
      out +=
          fmt::format("    refused while another product of group {} is held\n", p.exclusive_group);
    if (p.ends != unsubscribe_rule::immediately)
      out += fmt::format("    unsubscribe takes effect: {}\n", p.ends);
    if (p.proration.fee != proration_strategy::none)
      out += fmt::format("    fee prorated: {}, rounded to {} decimals {}\n", p.proration.fee,
                         p.proration.fee_places, p.proration.fee_rounding);
    if (p.proration.allowance != proration_strategy::none)
      out += fmt::format("    allowances prorated: {}, rounded {} to whole increments\n",
                         p.proration.allowance, p.proration.allowance_rounding);
    if (!p.free_window.is_zero()) {
      // Windows are stated in hours (R-VAS-03: "72 hours").
      const std::int64_t seconds = p.free_window.value();
      out += fmt::format(
          "    free window: {} after the first order in a cycle\n",
          seconds % 3600 == 0 ? fmt::format("{} h", seconds / 3600) : p.free_window.to_string());
    }
    if (p.requires_confirm) out += "    trial: charged only from the customer's confirm\n";
    if (p.deposit) {
      out += fmt::format("    deposit {}; credits:", *p.deposit);
      for (const credit_rule& c : p.credits) {
        const std::string when = c.first_month == 0 ? std::string("at the deposit")
                                 : c.first_month == c.last_month
                                     ? fmt::format("month {}", c.first_month)
                                     : fmt::format("months {}..{}", c.first_month, c.last_month);
        out += fmt::format(" {}: {} deposit + {} bonus;", when, c.deposit_part, c.bonus_part);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace

int run_check(const std::vector<std::string>& files) {
  int status = 0;
  for (const std::string& file : files) {
    try {
      rule_plan plan = rule_plan::compile(load_catalog(file));
      std::cerr << fmt::format("{}: ok\n", file);
      standard_output out("the rules of " + file);
      out.write(describe(plan));
      out.finish();
    } catch (const input_error& e) {
      std::cerr << e.what() << "\n";
      status = 1;
    } catch (const output_error& e) {
      std::cerr << "ratel check: " << e.what() << "\n";
      return 1;
    }
  }
  return status;
}

}  // namespace ratel::cli
