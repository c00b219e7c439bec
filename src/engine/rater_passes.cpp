// Roaming passes: D10 (a day pass charged per Beijing-time day with use), D11 (per visited
// country's local day, priced by country group), D12 (multi-day passes: calendar days in
// Beijing time, charged once per country with use). A record a pass covers is covered
// whole; what is charged is the pass, once per day or validity with use, on the bill of the
// cycle holding the first record that makes it due (D23, charge_passes).
#include <algorithm>
#include <map>
#include <tuple>

#include "engine/cycle_rater.hpp"

namespace ratel::detail {

void cycle_rater::collect_passes() {
  const auto& subs = history_->subscriptions;
  // Passes are looked up for records of any cycle (see charge_passes), so all of them.
  for (std::size_t i = 0; i < subs.size(); ++i)
    if (plan_.product_at(subs[i].product).pass && non_empty(subs[i])) pass_order_.push_back(i);
  std::sort(pass_order_.begin(), pass_order_.end(), [&](std::size_t a, std::size_t b) {
    return drawn_before(plan_, subs[a], a, subs[b], b);
  });
}

// The subscription of the pass that covers record r, if one does: its service, in its
// countries, from the start of the day (in its day zone) it was ordered on until it ends.
std::optional<std::size_t> cycle_rater::first_covering_pass(const usage_record& r,
                                                            country_id country) const {
  for (std::size_t i : pass_order_) {
    const subscription& s = history_->subscriptions[i];
    const compiled_pass& pass = *plan_.product_at(s.product).pass;
    if (pass.source->svc != r.svc || !pass.covers.test(country)) continue;
    if (s.end && r.time >= *s.end) continue;
    const zone& days = day_zone_of(pass, country);
    if (r.time >= days.start_of_day(days.local_day(s.start))) return i;
  }
  return std::nullopt;
}

const zone& cycle_rater::day_zone_of(const compiled_pass& pass, country_id country) const {
  return pass.source->days == day_zone::home ? plan_.home_zone() : plan_.zone_of(country);
}

void cycle_rater::charge_passes(std::span<const usage_record* const> records,
                                std::span<const charged_pass> before) {
  const auto& subs = history_->subscriptions;
  std::vector<charged_pass> known(before.begin(), before.end());
  // (subscription, day, country or 0) -> index in out_.passes
  std::map<std::tuple<std::size_t, std::int64_t, country_id>, std::size_t> charged;
  for (const usage_record* r : records) {
    if (r->quantity == 0) continue;  // nothing used
    if (history_->closed && r->time >= *history_->closed) continue;
    const auto country = plan_.country_of(r->country);
    if (!country) continue;
    const auto i = covering_pass(*r, *country);
    if (!i) continue;
    const subscription& s = history_->subscriptions[*i];
    const compiled_pass& pass = *plan_.product_at(s.product).pass;
    const zone& days = day_zone_of(pass, *country);
    date::local_days day = days.local_day(r->time);
    if (pass.source->charge == pass_charge::per_country) day = days.local_day(s.start);
    const country_id per_country =
        pass.source->charge == pass_charge::per_day ? country_id{0} : *country;
    const charged_pass id{plan_.product_at(s.product).source->id, s.ordered, day,
                          per_country == 0 ? std::string() : plan_.country_code(per_country)};
    // Charged on an earlier cycle's bill, by a record of that cycle (D23): covered, free.
    if (std::binary_search(before.begin(), before.end(), id)) continue;
    const auto key =
        std::tuple(*i, static_cast<std::int64_t>(day.time_since_epoch().count()), per_country);
    auto [it, fresh] = charged.try_emplace(key, out_.passes.size());
    if (fresh) {
      const bool visited_day = pass.source->days == day_zone::visited;
      // `starts` orders the bill's pass lines: the home-zone start of the day's date.
      const instant starts = plan_.home_zone().start_of_day(day);
      out_.passes.push_back(
          {s.product, *i, day, visited_day, *country, starts, pass.price_for(*country), {}});
      known.push_back(id);
    }
    out_.passes[it->second].records.emplace_back(r->id);
  }
  // What the next cycle must know: the charges whose pass can still be used after this
  // cycle. A day's charge matters until that day is over wherever it is counted (a visited
  // country's day ends within a day of the home day's end); a validity's until it ends.
  const zone& home = plan_.home_zone();
  std::erase_if(known, [&](const charged_pass& c) {
    const auto s = std::find_if(subs.begin(), subs.end(), [&](const subscription& x) {
      return x.ordered == c.ordered && plan_.product_at(x.product).source->id == c.product;
    });
    if (s == subs.end() || (s->end && *s->end <= out_.cycle.end)) return true;
    const bool per_validity =
        plan_.product_at(s->product).pass->source->charge == pass_charge::per_country;
    return !per_validity && home.start_of_day(c.day + date::days(2)) <= out_.cycle.end;
  });
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  out_.carried_passes = std::move(known);
}

}  // namespace ratel::detail
