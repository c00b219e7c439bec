// Building bills from rated cycles, and writing them as JSON, text and CSV.
#include "ratel/bill.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <tuple>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "engine/small_sort.hpp"

namespace ratel {

namespace {

std::string rate_text(const rate& r) {
  std::string text = r.price.to_string();  // "{} per {}" without a format string
  text += " per ";
  text += r.per.to_string();
  return text;
}

// Usage lines are grouped by what a customer sees as one tariff position.
struct usage_key {
  service svc;
  bool roaming;  // home before roaming
  std::string country;
  band_id band;
  std::string product;
  const compiled_rate* rate;
  bool capped;  // parts a cap waived get a line of their own, saying what it waived
  // Ordered by where the rate is written in the catalog, never by its address, so that
  // lines come out in the same order on every run.
  auto tie() const {
    return std::tie(svc, roaming, country, band, product, rate->source->defined_at.line,
                    rate->source->defined_at.column, capped);
  }
  bool operator<(const usage_key& o) const { return tie() < o.tie(); }
};

}  // namespace

bill make_bill(const rule_plan& plan, const rated_cycle& rated) {
  const catalog& cat = plan.source();
  const currency unit = cat.money_unit;
  auto round_line = [&](const money& m) { return round_to(m, cat.line_places, cat.line_rounding); };
  bill b;
  b.subscriber = rated.subscriber;
  b.cycle = rated.cycle.month;
  b.money_unit = unit;

  // Fees and packs, in product id order, then the order they were subscribed in.
  std::vector<const fee_due*> fees;
  for (const fee_due& f : rated.fees) fees.push_back(&f);
  detail::stable_sort_small(fees.begin(), fees.end(), [&](const fee_due* a, const fee_due* b) {
    const bool a_later = a->basis != fee_basis::per_cycle;
    const bool b_later = b->basis != fee_basis::per_cycle;
    if (a_later != b_later) return b_later;
    return plan.product_at(a->product).source->id < plan.product_at(b->product).source->id;
  });
  for (const fee_due* f : fees) {
    const product& p = *plan.product_at(f->product).source;
    bill_line line;
    line.product = p.id;
    line.kind = f->basis == fee_basis::per_cycle ? line_kind::fee : line_kind::pack;
    if (f->basis != fee_basis::per_cycle)
      line.description = fmt::format(FMT_COMPILE("{}: one-off order"), p.name);
    else if (f->active_days == f->cycle_days)
      line.description = fmt::format(FMT_COMPILE("{}: fee for the cycle"), p.name);
    else if (f->share.whole())  // a part cycle the product does not prorate (`none`)
      line.description = fmt::format("{}: fee for the cycle, not prorated (held {} of {} days)",
                                     p.name, f->active_days, f->cycle_days);
    else
      line.description = fmt::format("{}: fee for {} of {} days ({} x {}/{}, {})", p.name,
                                     f->active_days, f->cycle_days, p.fee, f->share.numerator,
                                     f->share.denominator, p.proration.fee);
    line.amount = round_line(f->amount);
    b.lines.push_back(std::move(line));
  }

  // Allowances: per product and allowance, the total size and what was drawn.
  std::map<std::tuple<std::string, std::size_t>, std::pair<quantity, quantity>> allowances;
  for (const bucket& k : rated.buckets) {
    auto key = std::tuple(plan.product_at(k.product).source->id, k.allowance);
    auto [it, fresh] = allowances.try_emplace(key, k.initial, k.initial - k.remaining);
    if (!fresh) {
      it->second.first = it->second.first + k.initial;
      it->second.second = it->second.second + (k.initial - k.remaining);
    }
  }
  for (const auto& [key, sizes] : allowances) {
    const auto& [product_id, index] = key;
    const product& p = *cat.find_product(product_id);
    const allowance& a = p.allowances[index];
    bill_line line;
    line.product = product_id;
    line.kind = line_kind::allowance;
    line.svc = a.svc;
    line.size = sizes.first;
    line.used = sizes.second;
    // Compiled formats: a bill or two per subscriber, and parsing the format at run time
    // cost more than the formatting.
    line.description = fmt::format(FMT_COMPILE("{}: {} of {} {} allowance used ({})"), p.name,
                                   sizes.second, sizes.first, to_string(a.svc), a.where.describe());
    line.amount = money::zero(unit);
    b.lines.push_back(std::move(line));
  }

  // Usage charged at a rate.
  struct usage_total {
    quantity used;
    money charged;
    money uncapped;
  };
  std::map<usage_key, usage_total> usage;
  // The key is a function of these ids, and a bill has few distinct ones (a product's
  // rates by band and country): a part whose ids were met before goes to their total
  // without building and looking up its key (two strings and a map search a record, when
  // bands alternate record by record). Past `ids_remembered` distinct ids, new ones take
  // the map's way.
  struct key_ids {
    service svc;
    country_id country;
    band_id band;
    std::optional<std::size_t> owner;
    const compiled_rate* rate;
    bool waived;
    bool operator==(const key_ids&) const = default;
  };
  constexpr std::size_t ids_remembered = 32;
  std::vector<std::pair<key_ids, usage_total*>> totals_by_ids;  // map nodes: they stay put
  for (const rated_record& r : rated.records)
    for (const charge_part& part : rated.parts_of(r)) {
      if (part.from != charge_part::source::rate) continue;
      const key_ids ids{r.record->svc,   r.country, r.band,
                        part.rate_owner, part.rate, part.waived()};
      if (const auto met = std::find_if(totals_by_ids.begin(), totals_by_ids.end(),
                                        [&](const auto& known) { return known.first == ids; });
          met != totals_by_ids.end()) {
        usage_total& total = *met->second;
        total.used = total.used + part.amount;
        total.charged += part.charge;
        total.uncapped += part.uncapped;
        continue;
      }
      std::string owner = part.rate_owner ? plan.product_at(*part.rate_owner).source->id : cat.id;
      usage_key key{r.record->svc,
                    r.country != plan.home_country(),
                    plan.country_code(r.country),
                    r.band,
                    owner,
                    part.rate,
                    part.waived()};
      auto [it, fresh] =
          usage.try_emplace(key, usage_total{part.amount, part.charge, part.uncapped});
      if (!fresh) {
        it->second.used = it->second.used + part.amount;
        it->second.charged += part.charge;
        it->second.uncapped += part.uncapped;
      }
      if (totals_by_ids.size() < ids_remembered) totals_by_ids.emplace_back(ids, &it->second);
    }
  // D18: a product's usage lines are rounded together, in bill order. Most bills have one
  // usage line per product, rounded alone; only products with several are grouped.
  struct usage_amount {
    std::string_view product;
    std::size_t line;
    money exact;
  };
  std::vector<usage_amount> usage_amounts;
  usage_amounts.reserve(usage.size());
  for (const auto& [key, total] : usage) {
    usage_amounts.push_back({key.product, b.lines.size(), total.charged});
    bill_line line;
    line.product = key.product;
    line.kind = line_kind::usage;
    line.svc = key.svc;
    line.country = key.country;
    line.band = std::string(plan.band_name(key.band));
    line.used = total.used;
    line.rate = rate_text(*key.rate->source);
    // "{} in {}: {} at {}", or with bands "{} in {}, {} band: {} at {}", appended.
    line.description = to_string(key.svc);
    line.description += " in ";
    line.description += key.country;
    if (!cat.bands.empty()) {
      line.description += ", ";
      line.description += line.band;
      line.description += " band";
    }
    line.description += ": ";
    line.description += total.used.to_string();
    line.description += " at ";
    line.description += line.rate;
    if (key.capped)
      line.description +=
          fmt::format(", capped: {} of {} waived", round_line(total.uncapped - total.charged),
                      round_line(total.uncapped));
    b.lines.push_back(std::move(line));
  }
  detail::stable_sort_small(
      usage_amounts.begin(), usage_amounts.end(),
      [](const usage_amount& x, const usage_amount& y) { return x.product < y.product; });
  for (std::size_t first = 0, last = 0; first < usage_amounts.size(); first = last) {
    while (last < usage_amounts.size() &&
           usage_amounts[last].product == usage_amounts[first].product)
      ++last;
    if (last - first == 1) {
      b.lines[usage_amounts[first].line].amount = round_line(usage_amounts[first].exact);
      continue;
    }
    std::vector<money> exact;
    for (std::size_t i = first; i < last; ++i) exact.push_back(usage_amounts[i].exact);
    const std::vector<money> rounded = round_as_group(exact, cat.line_places, cat.line_rounding);
    for (std::size_t i = first; i < last; ++i)
      b.lines[usage_amounts[i].line].amount = rounded[i - first];
  }

  // Usage a pass covers: nothing beyond the pass charges, shown so the use is visible.
  std::map<std::tuple<service, bool, std::string, std::string>, quantity> covered;
  for (const rated_record& r : rated.records)
    for (const charge_part& part : rated.parts_of(r)) {
      if (part.from != charge_part::source::pass) continue;
      auto key =
          std::tuple(r.record->svc, r.country != plan.home_country(), plan.country_code(r.country),
                     plan.product_at(*part.rate_owner).source->id);
      auto [it, fresh] = covered.try_emplace(key, part.amount);
      if (!fresh) it->second = it->second + part.amount;
    }
  for (const auto& [key, used] : covered) {
    const auto& [svc, roaming, country, product_id] = key;
    bill_line line;
    line.product = product_id;
    line.kind = line_kind::usage;
    line.svc = svc;
    line.country = country;
    line.used = used;
    line.description = fmt::format("{} in {} covered by {}: {}", svc, country,
                                   cat.find_product(product_id)->name, used);
    line.amount = money::zero(unit);
    b.lines.push_back(std::move(line));
  }

  // Pass charges (D10-D12), in the order of their day or validity.
  std::vector<const pass_charge_due*> passes;
  for (const pass_charge_due& p : rated.passes) passes.push_back(&p);
  detail::stable_sort_small(
      passes.begin(), passes.end(),
      [](const pass_charge_due* a, const pass_charge_due* b) { return a->starts < b->starts; });
  for (const pass_charge_due* c : passes) {
    const product& p = *plan.product_at(c->product).source;
    const std::string country = plan.country_code(c->country);
    const std::string day = to_string(c->day);
    bill_line line;
    line.product = p.id;
    line.kind = line_kind::pass;
    line.country = p.pass->charge == pass_charge::per_day ? std::string() : country;
    switch (p.pass->charge) {
      case pass_charge::per_day:
        line.description = fmt::format("{}: {} ({} day) with use", p.name, day,
                                       c->visited_day ? "local" : cat.home_zone);
        break;
      case pass_charge::per_country_day:
        line.description = fmt::format("{}: {} {} (local day) with use", p.name, country, day);
        break;
      case pass_charge::per_country:
        line.description = fmt::format("{}: {} with use in the {} days from {}", p.name, country,
                                       p.pass->validity_days, day);
        break;
    }
    line.amount = round_line(c->price);
    line.records = c->records;
    b.lines.push_back(std::move(line));
  }

  // Credits of offers (D16): the returned deposit and the bonus as separate lines.
  for (const credit_due& c : rated.credits) {
    const product& p = *plan.product_at(c.product).source;
    for (const auto& [part, what] :
         {std::pair{c.deposit_part, "deposit returned"}, std::pair{c.bonus_part, "bonus"}}) {
      if (part.is_zero()) continue;
      bill_line line;
      line.product = p.id;
      line.kind = line_kind::credit;
      line.description =
          fmt::format("{}: {}, credit {} of {} ({})", p.name, what, c.number, c.count,
                      format_rfc3339(c.time, plan.home_zone().offset_at(c.time)).substr(0, 10));
      line.amount = -round_line(part);
      b.lines.push_back(std::move(line));
    }
  }

  b.total = money::zero(unit);
  for (const bill_line& line : b.lines) b.total += line.amount;
  for (const event& e : rated.events)
    b.events.push_back({format_rfc3339(e.time, plan.home_zone().offset_at(e.time)), e});
  return b;
}

bill finish_bill(const rule_plan& plan, const rated_cycle& rated, points_ledger* ledger,
                 std::span<const adjustment> adjustments) {
  bill b = make_bill(plan, rated);
  std::vector<adjustment> in_order(adjustments.begin(), adjustments.end());
  std::sort(in_order.begin(), in_order.end(), [](const adjustment& x, const adjustment& y) {
    return std::tie(x.corrects, x.product, x.adjusts) < std::tie(y.corrects, y.product, y.adjusts);
  });
  for (const adjustment& a : in_order) {
    bill_line line;
    line.product = a.product;
    line.kind = line_kind::adjustment;
    line.description = fmt::format("{} of cycle {} re-rated with its late records",
                                   to_string(a.adjusts), to_string(a.corrects));
    line.amount = a.amount;  // a difference of rounded lines: rounded already
    line.corrects = a.corrects;
    line.adjusts = a.adjusts;
    b.total += line.amount;
    b.lines.push_back(std::move(line));
  }
  if (ledger == nullptr) return b;
  const points_program& program = *plan.source().points;
  std::vector<event> refused;
  b.points = ledger->step(rated.cycle, points_for(program, spend_of(program, b)), refused);
  for (event& e : refused)
    b.events.push_back({format_rfc3339(e.time, plan.home_zone().offset_at(e.time)), std::move(e)});
  detail::stable_sort_small(
      b.events.begin(), b.events.end(),
      [](const bill_event& x, const bill_event& y) { return x.what.time < y.what.time; });
  return b;
}

money spend_of(const points_program& program, const bill& b) {
  money spend = money::zero(b.money_unit);
  auto counted = [&](line_kind k) {
    return std::find(program.counts.begin(), program.counts.end(), k) != program.counts.end();
  };
  for (const bill_line& line : b.lines)
    if (counted(line.kind == line_kind::adjustment ? *line.adjusts : line.kind))
      spend += line.amount;
  return spend;
}

}  // namespace ratel
