// The reference rater (see reference_rater.hpp): the rules of tariffs/README.md, DESIGN.md
// section 3 and RULES.md D1, D2, D4, D5, D6, D13 and D17 read literally, over exact
// rationals. Each function below cites the rule it implements. Speed does not matter:
// a record is rated as a sequence of parts, each part ending where a rule says the state
// changes (an allowance runs out, a cut-off or rate change is crossed), and caps are
// applied as a minimum over exact rationals, so a cap never needs a split of its own.
#include "reference_rater.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <tuple>

#include <date/tz.h>
#include <fmt/format.h>

namespace ratel::oracle {
namespace {

using boost::multiprecision::cpp_int;
using std::chrono::seconds;

// ---------------------------------------------------------------------------------------
// Exact arithmetic

cpp_int floor_of(const rational& x) {
  const cpp_int n = boost::multiprecision::numerator(x);
  const cpp_int d = boost::multiprecision::denominator(x);  // > 0
  cpp_int q = n / d;                                        // toward zero
  if (n % d != 0 && n < 0) q -= 1;
  return q;
}

// x rounded to a whole number by `mode` (the definitions of money.hpp's `rounding`).
cpp_int round_whole(const rational& x, rounding mode) {
  const cpp_int below = floor_of(x);
  const rational frac = x - rational(below);  // in [0, 1)
  if (frac == 0) return below;
  const cpp_int above = below + 1;
  const rational half(1, 2);
  const cpp_int toward_zero = x > 0 ? below : above;
  const cpp_int away_from_zero = x > 0 ? above : below;
  switch (mode) {
    case rounding::down:
      return toward_zero;
    case rounding::up:
      return away_from_zero;
    case rounding::floor:
      return below;
    case rounding::ceiling:
      return above;
    case rounding::half_up:
      if (frac == half) return away_from_zero;
      return frac > half ? above : below;
    case rounding::half_down:
      if (frac == half) return toward_zero;
      return frac > half ? above : below;
    case rounding::half_even:
      if (frac == half) return below % 2 == 0 ? below : above;
      return frac > half ? above : below;
  }
  throw std::logic_error("unknown rounding mode");
}

std::int64_t to_int64(const cpp_int& v) {
  return v.convert_to<std::int64_t>();
}

// ---------------------------------------------------------------------------------------
// Time (DESIGN 3, D3): instants are UTC; days, cycles and bands are local to the home zone.

class home_clock {
 public:
  explicit home_clock(const std::string& zone_name) : tz_(date::locate_zone(zone_name)) {}

  date::local_seconds local(instant t) const { return tz_->to_local(t); }
  date::local_days day_of(instant t) const { return date::floor<date::days>(local(t)); }
  // A local midnight that a DST gap skips starts at the first instant after the gap.
  instant start_of(date::local_days d) const { return tz_->to_sys(d, date::choose::earliest); }
  seconds time_of_day(instant t) const { return local(t) - date::local_seconds(day_of(t)); }

 private:
  const date::time_zone* tz_;
};

struct cycle_bounds {
  instant start;
  instant end;            // exclusive
  std::int64_t days = 0;  // calendar days of the month
};

// D3: the calendar month in the home zone, [1st 00:00, next 1st 00:00).
cycle_bounds cycle_of(const home_clock& clock, date::year_month month) {
  const date::local_days first{month / 1};
  const date::local_days next{(month + date::months(1)) / 1};
  return {clock.start_of(first), clock.start_of(next), (next - first).count()};
}

// D4 / tariffs README `proration`: the local days from the first active instant's day to
// the last active instant's day, both counted; an end at 00:00 leaves its own day out
// (the last active instant is one second earlier).
std::int64_t active_days(const home_clock& clock, instant from, instant until) {
  if (until <= from) return 0;
  return (clock.day_of(until - seconds(1)) - clock.day_of(from)).count() + 1;
}

// tariffs README `proration`: the share of a strategy; every day of the cycle is the whole.
rational share_of(proration_strategy s, std::int64_t active, std::int64_t cycle_days) {
  if (active == cycle_days) return 1;
  switch (s) {
    case proration_strategy::none:
      return 1;
    case proration_strategy::actual_days:
      return rational(active, cycle_days);
    case proration_strategy::days_12_365:
      return rational(12 * active, 365);
  }
  throw std::logic_error("unknown proration strategy");
}

// ---------------------------------------------------------------------------------------
// The catalog, read as written

// tariffs README `where`: which countries an area covers. Records are at home or in a
// listed country (the scenario never has another), so `anywhere` covers every record.
bool covers(const area& a, const std::string& country, const std::string& home) {
  switch (a.scope) {
    case area::kind::anywhere:
      return true;
    case area::kind::home:
      return country == home;
    case area::kind::roaming:
      return country != home;
    case area::kind::countries:
      return std::find(a.countries.begin(), a.countries.end(), country) != a.countries.end();
  }
  return false;
}

// D17, tariffs README `[bands]`: the band of the record's start time in the home zone;
// [from, to), wrapping midnight when from > to; the default band elsewhere.
std::string band_at(const catalog& cat, const home_clock& clock, instant t) {
  const seconds tod = clock.time_of_day(t);
  for (const time_band& b : cat.bands) {
    const seconds from = b.from, to = b.to;
    const bool inside = from < to ? (from <= tod && tod < to) : (tod >= from || tod < to);
    if (inside) return b.name;
  }
  return cat.default_band;
}

// tariffs README `[[rates]]`: within one list the most specific match wins: an explicit
// country list beats home/roaming beats anywhere; then a named band beats any band.
const rate* best_rate(const std::vector<rate>& list, service svc, const std::string& band,
                      const std::string& country, const std::string& home) {
  const rate* best = nullptr;
  auto rank = [](const rate& r) {
    return std::pair(r.where.specificity(), r.band.empty() ? 0 : 1);
  };
  for (const rate& r : list) {
    if (r.svc != svc || (!r.band.empty() && r.band != band) || !covers(r.where, country, home))
      continue;
    if (best == nullptr || rank(r) > rank(*best))
      best = &r;
    else if (rank(r) == rank(*best))
      throw std::logic_error("two rates are equally specific: the loader should have refused this");
  }
  return best;
}

// D1: what one rating increment costs at a rate: price x increment / per, exact.
rational price_per_increment(const rate& r, const quantity& increment) {
  return to_rational(r.price) * rational(increment.value(), r.per.value());
}

std::string rate_text(const rate& r) {
  return fmt::format("{} per {}", r.price, r.per);
}

void check_in_subset(const product& p) {
  auto no = [&](const std::string& what) {
    throw std::invalid_argument(
        fmt::format("reference rater: product {}: {} is outside the subset", p.id, what));
  };
  if (p.kind != product_kind::plan && p.kind != product_kind::pack) no("its kind");
  if (p.fee_charged == fee_basis::per_use) no("a per-use fee");
  if (p.fee_charged == fee_basis::per_order && p.lasts != validity::rest_of_cycle)
    no("a per-order fee without rest_of_cycle");
  if (p.pass || p.deposit || !p.credits.empty()) no("a pass or offer");
  if (!p.free_window.is_zero() || p.requires_confirm) no("a free window or trial");
  if (p.lifts_throttle) no("an accelerator");
  for (const threshold& t : p.thresholds) {
    if (t.action == threshold_action::notify) continue;  // events only: no amount changes
    if (t.action == threshold_action::cap && t.counter == counter_kind::usage_fee) continue;
    const bool switches =
        t.action == threshold_action::cut_off || t.action == threshold_action::rate_change;
    if (switches && t.counter != counter_kind::distinct_peers && t.peers == peer_filter::any)
      continue;
    no(fmt::format("threshold {}", t.name));
  }
}

// ---------------------------------------------------------------------------------------
// Product instances from the orders (tariffs README "Account log actions", D5)

struct instance {
  const product* p = nullptr;
  std::size_t log_index = 0;
  instant start;
  std::optional<instant> end;  // exclusive
  // D26: set while an unsubscribe's later effect is pending: the end it had before.
  std::optional<std::optional<instant>> end_before_cancel;
  bool active_at(instant t) const { return start <= t && (!end || t < *end); }
};

// tariffs README `unsubscribe`: when an unsubscribe request takes effect.
instant unsubscribe_effect(const product& p, const home_clock& clock, instant request) {
  switch (p.ends) {
    case unsubscribe_rule::immediately:
      return request;
    case unsubscribe_rule::next_day:
      return clock.start_of(clock.day_of(request) + date::days(1));
    case unsubscribe_rule::next_cycle: {
      const date::year_month_day d{clock.day_of(request)};
      return clock.start_of(date::local_days{(d.year() / d.month() + date::months(1)) / 1});
    }
  }
  return request;
}

instant end_of_cycle_containing(const home_clock& clock, instant t) {
  const date::year_month_day d{clock.day_of(t)};
  return cycle_of(clock, d.year() / d.month()).end;
}

// ---------------------------------------------------------------------------------------
// Rating

struct bucket {
  const instance* owner = nullptr;
  std::size_t index = 0;  // the allowance's index in its product
  const allowance* a = nullptr;
  instant from, until;    // valid [from, until)
  std::int64_t size = 0;  // increments
  std::int64_t remaining = 0;
};

// A threshold that changes how its service is rated once crossed: a cut-off or a rate
// change, on a volume, allowance_used or usage_fee counter.
struct switch_state {
  const threshold* t = nullptr;
  const product* p = nullptr;
  rational counted;  // increments (volume, allowance_used) or exact fees (usage_fee)
  rational level;    // in the same unit
  bool in_force = false;
  bool reactivated = false;  // the customer lifted the suspension (its rate stays, D6)
  bool counts_fees() const { return t->counter == counter_kind::usage_fee; }
  bool is_cut_off() const { return t->action == threshold_action::cut_off; }
};

// Where the next part of a record comes from: an allowance, or a rate and its owner.
struct source {
  bucket* from_bucket = nullptr;
  const rate* at_rate = nullptr;
  const product* owner = nullptr;  // nullptr: the base rates
};

struct cap_state {
  const threshold* t = nullptr;
  const product* p = nullptr;
  rational counted;  // exact usage fees counted
  rational level;
  bool lifted = false;  // by a reactivation: no longer applies nor counts (D6)
};

class reference {
 public:
  reference(const catalog& cat, date::year_month month, std::span<const order> orders,
            std::span<const instant> reactivations)
      : cat_(cat), clock_(cat.home_zone), cycle_(cycle_of(clock_, month)) {
    for (instant t : reactivations)
      if (cycle_.start <= t && t < cycle_.end) reactivations_.push_back(t);
    std::sort(reactivations_.begin(), reactivations_.end());
    make_instances(orders);
    make_fees_and_buckets();
    make_thresholds();
  }

  void rate_record(const usage& u) {
    const service_rule* rule = cat_.find_service(u.svc);
    if (rule == nullptr)
      throw std::invalid_argument("reference rater: a record of a service without an increment");
    const quantity& inc = rule->increment;
    const std::string country = u.country.empty() ? cat_.home_country : u.country;
    const std::string band = band_at(cat_, clock_, u.time);
    // Requests of the account log take effect at their instant, before a record there.
    while (next_reactivation_ < reactivations_.size() &&
           reactivations_[next_reactivation_] <= u.time)
      reactivate(reactivations_[next_reactivation_++]);
    // D1: the record is rounded up to whole increments before anything else.
    std::int64_t left = u.quantity / inc.value() + (u.quantity % inc.value() != 0 ? 1 : 0);
    while (left > 0) {
      const source from = choose(u, band, country);
      // tariffs README `compare = "exceeds"`: the unit past `at` is the first under the
      // new state, so a cut-off or rate change on a unit counter sitting exactly at its
      // level takes effect before the next unit it counts; then the source is chosen again.
      bool changed = false;
      for (switch_state& w : switches_)
        if (!w.in_force && w.t->compare == comparison::exceeds && !w.counts_fees() &&
            w.counted == w.level && counts(w, u, country, from))
          changed = w.in_force = true;
      if (changed) continue;

      std::int64_t take = left;
      if (from.from_bucket != nullptr) {
        take = std::min(take, from.from_bucket->remaining);  // split at the allowance's end
        if (take < left) ++seen_.allowance_splits;
      }
      // DESIGN 3: split where a cut-off or rate change is crossed; the rest is rated under
      // the new state. A fee counter crosses inside an increment: that increment is the
      // last under the old state.
      for (const switch_state& w : switches_) {
        if (w.in_force || !counts(w, u, country, from)) continue;
        std::int64_t before = 0;
        if (w.counts_fees()) {
          const rational need = w.level - w.counted;
          // A cap that leaves less room than that keeps the fee from crossing in this part.
          if (const auto room = cap_room(u, *from.at_rate, from.owner))
            if (w.t->compare == comparison::reaches ? *room < need : *room <= need) continue;
          const rational units = need / price_per_increment(*from.at_rate, inc);
          before = w.t->compare == comparison::reaches ? to_int64(-floor_of(-units))
                                                       : to_int64(floor_of(units)) + 1;
        } else {
          before = to_int64(floor_of(w.level - w.counted));
        }
        if (before < take) {
          take = before;
          ++seen_.switch_splits;
        }
      }
      if (take <= 0) throw std::logic_error("reference rater: an empty part");

      rational charged = 0;
      if (from.from_bucket != nullptr)
        from.from_bucket->remaining -= take;
      else
        charged = charge(u, country, band, *from.at_rate, from.owner, take, inc);
      for (switch_state& w : switches_)
        if (!w.in_force && counts(w, u, country, from)) {
          w.counted += w.counts_fees() ? charged : rational(take);
          w.in_force =
              w.t->compare == comparison::reaches ? w.counted >= w.level : w.counted > w.level;
        }
      left -= take;
    }
  }

  reference_bill finish() const {
    reference_bill b;
    b.seen = seen_;
    for (const switch_state& w : switches_) b.seen.switches += w.in_force ? 1 : 0;
    auto add = [&](std::string kind, std::string product, std::string detail, std::int64_t used,
                   std::int64_t size, const rational& exact) {
      // D2: each line rounded once by the catalog's line rounding.
      const rational amount = round_decimal(exact, cat_.line_places, cat_.line_rounding);
      b.total += amount;  // D2: the total is the sum of the rounded lines
      b.lines.push_back(
          {std::move(kind), std::move(product), std::move(detail), used, size, exact, amount});
    };
    for (const auto& [kind, product, amount] : fees_) add(kind, product, "", 0, 0, amount);
    std::map<std::pair<std::string, std::size_t>, std::pair<std::int64_t, std::int64_t>> drawn;
    for (const bucket& k : buckets_) {
      const std::int64_t inc = cat_.find_service(k.a->svc)->increment.value();
      auto& [used, size] = drawn[{k.owner->p->id, k.index}];
      used += (k.size - k.remaining) * inc;
      size += k.size * inc;
    }
    for (const auto& [key, sizes] : drawn) {
      const product& p = *cat_.find_product(key.first);
      add("allowance", key.first, std::string(to_string(p.allowances[key.second].svc)), sizes.first,
          sizes.second, 0);
    }
    // D18: a product's usage lines are rounded together. Each line is rounded down to the
    // fen; the fen still missing to the product's exact sum, rounded by the line rounding,
    // go one each to the lines with the largest remainders, ties to the first in bill order
    // (usage_lines_ is ordered as the bill's lines are, DESIGN 4.3).
    std::map<std::string, std::vector<const usage_line*>> by_product;
    for (const auto& [key, line] : usage_lines_) by_product[key.owner].push_back(&line);
    std::map<const usage_line*, rational> rounded;
    for (const auto& [owner, lines] : by_product) {
      rational sum = 0, floors = 0;
      for (const usage_line* l : lines) {
        sum += l->exact;
        rounded[l] = round_decimal(l->exact, cat_.line_places, rounding::floor);
        floors += rounded[l];
      }
      cpp_int scale = 1;
      for (int i = 0; i < cat_.line_places; ++i) scale *= 10;
      const rational fen(1, scale);
      auto missing = to_int64(
          floor_of((round_decimal(sum, cat_.line_places, cat_.line_rounding) - floors) / fen));
      std::vector<const usage_line*> by_remainder = lines;
      std::stable_sort(by_remainder.begin(), by_remainder.end(),
                       [&](const usage_line* a, const usage_line* b) {
                         return a->exact - rounded[a] > b->exact - rounded[b];
                       });
      for (std::size_t i = 0; missing > 0; ++i, --missing) {
        const usage_line* l = by_remainder.at(i);
        rounded[l] += fen;
        if (missing == 1 && i + 1 < by_remainder.size() &&
            l->exact - (rounded[l] - fen) ==
                by_remainder[i + 1]->exact - rounded[by_remainder[i + 1]])
          ++b.seen.group_rounding_ties;  // the last fen went to the first of equal remainders
      }
      for (const usage_line* l : lines)
        if (rounded[l] != round_decimal(l->exact, cat_.line_places, cat_.line_rounding))
          ++b.seen.group_rounded_lines;
    }
    for (const auto& [key, line] : usage_lines_) {
      b.lines.push_back(
          {"usage", key.owner, line.detail, line.used, 0, line.exact, rounded[&line]});
      b.total += rounded[&line];
    }
    return b;
  }

 private:
  // The account log's fold for the subset (tariffs README "Account log actions", D5):
  // the subscribe, subscribe_next_cycle and unsubscribe lines in time order; at one instant
  // in D21's order (subscribe, subscribe_next_cycle, unsubscribe; then by product id), and
  // identical lines (same instant, action and product) as one.
  void make_instances(std::span<const order> orders) {
    struct request {
      instant at;
      const order* o = nullptr;
      bool unsubscribe = false;
    };
    std::vector<request> log;
    for (const order& o : orders) {
      if (cat_.find_product(o.product) == nullptr)
        throw std::invalid_argument("reference rater: unknown product " + o.product);
      check_in_subset(*cat_.find_product(o.product));
      log.push_back({o.at, &o, false});
    }
    for (const order& o : orders)
      if (o.unsubscribe_at) log.push_back({*o.unsubscribe_at, &o, true});
    // D21's rank of each action at one instant.
    auto key = [](const request& q) {
      const int rank = q.unsubscribe ? 7 : q.o->next_cycle ? 2 : 1;
      return std::tuple(q.at, rank, q.o->product);
    };
    std::stable_sort(log.begin(), log.end(),
                     [&](const request& a, const request& b) { return key(a) < key(b); });
    for (std::size_t i = 0; i < log.size(); ++i) {
      const request& q = log[i];
      if (i > 0 && key(log[i - 1]) == key(q)) {  // D21: identical lines are one
        ++seen_.identical_lines;
        continue;
      }
      if (i > 0 && log[i - 1].at == q.at) ++seen_.same_instant_lines;
      const product& p = *cat_.find_product(q.o->product);
      if (q.unsubscribe)
        unsubscribe(p, q.at);
      else
        subscribe(p, q.at, q.o->next_cycle ? end_of_cycle_containing(clock_, q.at) : q.at);
    }
    // D13: higher priority first, then smaller product code, then earlier start.
    order_ = {};
    for (const instance& s : instances_) order_.push_back(&s);
    std::stable_sort(order_.begin(), order_.end(), [](const instance* a, const instance* b) {
      return std::tuple(-a->p->priority, a->p->code, a->start, a->log_index) <
             std::tuple(-b->p->priority, b->p->code, b->start, b->log_index);
    });
  }

  // Still held from t on: not ended by then (one ordered for a later start included).
  static bool held_after(const instance& s, instant t) { return !s.end || *s.end > t; }

  // Ends an instance at t; one that has not started by then is cancelled (empty).
  static void end_at(instance& s, instant t) {
    if (s.start >= t)
      s.end = s.start;
    else if (!s.end || *s.end > t)
      s.end = t;
  }

  void subscribe(const product& p, instant ordered, instant start) {
    // D26: ordering again a product whose cancellation is still pending withdraws it.
    bool withdrawn = false;
    for (instance& s : instances_) {
      if (s.p != &p || !s.end_before_cancel) continue;
      if (held_after(s, ordered)) {
        s.end = *s.end_before_cancel;
        withdrawn = true;
      }
      s.end_before_cancel.reset();
    }
    if (withdrawn) {
      ++seen_.reinstatements;
      return;
    }
    // A product that does not stack cannot be subscribed again while held: refused.
    if (!p.stackable)
      for (const instance& s : instances_)
        if (s.p == &p && held_after(s, ordered)) return;
    // D5: a product of the same exclusive group held now ends at the end of this cycle and
    // the new one starts at the next cycle start; or the order is refused (D12's rule).
    if (!p.exclusive_group.empty()) {
      const instant next_cycle = end_of_cycle_containing(clock_, ordered);
      for (instance& s : instances_) {
        if (s.p == &p || s.p->exclusive_group != p.exclusive_group || !held_after(s, ordered))
          continue;
        if (p.on_conflict == group_conflict::refuse) return;
        end_at(s, next_cycle);
        s.end_before_cancel.reset();  // replaced: no cancellation to withdraw any more
        start = std::max(start, next_cycle);
      }
    }
    instance s{&p, instances_.size(), start, std::nullopt};
    // A one-off product lasts from its start to the end of that cycle.
    if (p.lasts == validity::rest_of_cycle) s.end = end_of_cycle_containing(clock_, start);
    instances_.push_back(s);
  }

  // `unsubscribe` ends every held instance as the product says; one ordered for a later
  // start is cancelled at once. Nothing held: refused.
  void unsubscribe(const product& p, instant request) {
    const instant effect = unsubscribe_effect(p, clock_, request);
    const bool any_held = std::any_of(instances_.begin(), instances_.end(), [&](const instance& s) {
      return s.p == &p && held_after(s, request);
    });
    if (!any_held) return;
    for (instance& s : instances_) {
      if (s.p != &p) continue;
      s.end_before_cancel.reset();
      if (!held_after(s, request)) continue;
      // D26: a started instance this ends later than the request may be ordered back.
      if (effect > request && s.start <= request && (!s.end || *s.end > effect))
        s.end_before_cancel = s.end;
      end_at(s, s.start > request ? request : effect);
    }
  }

  bool in_cycle(const instance& s) const {
    const bool non_empty = !s.end || *s.end > s.start;
    return non_empty && s.start < cycle_.end && (!s.end || *s.end > cycle_.start);
  }

  // Fees (D4, D5, tariffs README `fee`) and the cycle's allowances (D4).
  void make_fees_and_buckets() {
    for (const instance* s : order_) {
      if (!in_cycle(*s)) continue;
      const product& p = *s->p;
      const instant from = std::max(s->start, cycle_.start);
      const instant until = s->end ? std::min(*s->end, cycle_.end) : cycle_.end;
      const std::int64_t days = active_days(clock_, from, until);
      if (p.fee_charged == fee_basis::per_order && s->start >= cycle_.start)
        fees_.emplace_back("pack", p.id, to_rational(p.fee));
      if (p.fee_charged == fee_basis::per_cycle && days > 0) {
        const rational share = share_of(p.proration.fee, days, cycle_.days);
        const rational fee = share == 1
                                 ? to_rational(p.fee)
                                 : round_decimal(to_rational(p.fee) * share, p.proration.fee_places,
                                                 p.proration.fee_rounding);
        fees_.emplace_back("fee", p.id, fee);
        if (share != 1) ++seen_.prorated_fees;
      }
      const rational share = share_of(p.proration.allowance, days, cycle_.days);
      for (std::size_t i = 0; i < p.allowances.size(); ++i) {
        const allowance& a = p.allowances[i];
        const std::int64_t whole = a.amount.value() / cat_.find_service(a.svc)->increment.value();
        // D4: a prorated allowance is rounded once, to whole increments; a one-off
        // product's allowance is per order, never prorated.
        const std::int64_t size =
            p.lasts == validity::rest_of_cycle || share == 1
                ? whole
                : to_int64(round_whole(rational(whole) * share, p.proration.allowance_rounding));
        buckets_.push_back({s, i, &a, from, until, size, size});
        if (size != whole) ++seen_.prorated_allowances;
      }
    }
  }

  void make_thresholds() {
    std::vector<const product*> held;
    for (const instance* s : order_)
      if (in_cycle(*s) && std::find(held.begin(), held.end(), s->p) == held.end())
        held.push_back(s->p);
    for (const product* p : held)
      for (const threshold& t : p->thresholds) {
        if (t.action == threshold_action::cap)
          caps_.push_back({&t, p, 0, to_rational(*t.fee_level)});
        if (t.action == threshold_action::cut_off || t.action == threshold_action::rate_change)
          switches_.push_back({&t, p, 0, switch_level(t, *p), false, false});
      }
    if (switches_.size() > 1)
      throw std::invalid_argument(
          "reference rater: more than one cut-off or rate change is outside the subset");
  }

  // The level of a switching threshold in its counter's unit. allowance_used: a share of
  // what the product includes in this cycle (its prorated allowances of the service, all
  // instances), rounded up to a whole increment (tariffs README `at`).
  rational switch_level(const threshold& t, const product& p) const {
    switch (t.counter) {
      case counter_kind::volume:
        return t.volume_level->value() / cat_.find_service(*t.svc)->increment.value();
      case counter_kind::usage_fee:
        return to_rational(*t.fee_level);
      case counter_kind::allowance_used: {
        std::int64_t included = 0;
        for (const bucket& k : buckets_)
          if (k.owner->p == &p && k.a->svc == *t.svc) included += k.size;
        return rational(round_whole(rational(included * t.percent_level, 100), rounding::ceiling));
      }
      case counter_kind::distinct_peers:
        break;
    }
    throw std::logic_error("not a switching counter");
  }

  // D6, tariffs README `reactivation`: `reactivate_data` while data is cut off by a product
  // that allows it: that product's thresholds with the listed actions stop applying for
  // the rest of the cycle. Only the suspension ends: what is recorded beyond the cut-off
  // is still charged at the cut-off's rate, and there is no second suspension (the
  // cut-off has already fired). Otherwise the request is refused and changes nothing.
  void reactivate(instant) {
    for (switch_state& c : switches_) {
      if (!c.is_cut_off() || !c.in_force || c.reactivated || *c.t->svc != service::data) continue;
      if (!c.p->reactivation.allowed) return;
      c.reactivated = true;
      ++seen_.reactivations;
      const auto& lifts = c.p->reactivation.lifts;
      if (std::find(lifts.begin(), lifts.end(), threshold_action::cap) != lifts.end())
        for (cap_state& k : caps_)
          if (k.p == c.p) k.lifted = true;
      return;
    }
  }

  // A threshold is evaluated while its product is held (tariffs README `thresholds`).
  bool held_at(const product* p, instant t) const {
    return std::any_of(instances_.begin(), instances_.end(),
                       [&](const instance& s) { return s.p == p && s.active_at(t); });
  }

  // tariffs README `counter`: whether the next part of record u, from `from`, adds to a
  // switching threshold's counter. volume: the rated quantity of the service in the area,
  // whatever its source; allowance_used: what is drawn from this product's allowances of
  // the service; usage_fee: what this product's rates (scope all: any rate) charge for the
  // service, uncapped rates not counted.
  bool counts(const switch_state& w, const usage& u, const std::string& country,
              const source& from) const {
    if (!held_at(w.p, u.time)) return false;
    switch (w.t->counter) {
      case counter_kind::volume:
        return *w.t->svc == u.svc && covers(w.t->where, country, cat_.home_country);
      case counter_kind::allowance_used:
        return from.from_bucket != nullptr && from.from_bucket->owner->p == w.p &&
               from.from_bucket->a->svc == *w.t->svc;
      case counter_kind::usage_fee:
        return from.at_rate != nullptr && from.at_rate->capped &&
               (w.t->all_fees || from.owner == w.p) && *w.t->svc == u.svc &&
               from.at_rate->price.micros() > 0;
      case counter_kind::distinct_peers:
        break;
    }
    return false;
  }

  // The cut-off or rate change in force for a record of `svc` in `country`: its rate
  // applies where its counter counts (a volume counter's area; anywhere for the others).
  const switch_state* switch_for(service svc, const std::string& country) const {
    for (const switch_state& w : switches_) {
      if (!w.in_force || *w.t->svc != svc) continue;
      if (w.t->counter != counter_kind::volume || covers(w.t->where, country, cat_.home_country))
        return &w;
    }
    return nullptr;
  }

  // The source of the next part. After a cut-off nothing is drawn from allowances and the
  // cut-off's rate applies; after a rate change allowances are still drawn first and its
  // rate replaces the ordinary ones (tariffs README `action`).
  source choose(const usage& u, const std::string& band, const std::string& country) {
    const switch_state* w = switch_for(u.svc, country);
    if (w != nullptr && w->is_cut_off()) return {nullptr, &*w->t->then_rate, w->p};
    if (bucket* k = first_drawable(u, band, country)) return {k, nullptr, nullptr};
    if (w != nullptr) return {nullptr, &*w->t->then_rate, w->p};
    const auto [r, owner] = rate_for(u, band, country);
    if (r == nullptr)
      throw std::invalid_argument(fmt::format("reference rater: no rate for record {}", u.id));
    return {nullptr, r, owner};
  }

  // D13 / tariffs README `allowances`: the first allowance in draw order that covers the
  // record's service, band and country, is valid at its start and has an increment left.
  bucket* first_drawable(const usage& u, const std::string& band, const std::string& country) {
    for (bucket& k : buckets_) {  // buckets_ is in D13 order, then allowance order
      if (k.a->svc != u.svc || (!k.a->band.empty() && k.a->band != band)) continue;
      if (!covers(k.a->where, country, cat_.home_country)) continue;
      if (u.time < k.from || u.time >= k.until || k.remaining == 0) continue;
      return &k;
    }
    return nullptr;
  }

  // tariffs README "Which rate applies": products active at the record's time in draw
  // order, the first with a matching rate; otherwise the base rates.
  std::pair<const rate*, const product*> rate_for(const usage& u, const std::string& band,
                                                  const std::string& country) const {
    for (const instance* s : order_)
      if (s->active_at(u.time))
        if (const rate* r = best_rate(s->p->rates, u.svc, band, country, cat_.home_country))
          return {r, s->p};
    return {best_rate(cat_.rates, u.svc, band, country, cat_.home_country), nullptr};
  }

  // The caps in force that count (and so stop) a charge of record u at rate r.
  std::vector<cap_state*> caps_counting(const usage& u, const rate& r,
                                        const product* owner_product) {
    std::vector<cap_state*> counting;
    if (r.capped)
      for (cap_state& c : caps_) {
        if (!c.t->all_fees && c.p != owner_product) continue;
        if (c.t->svc && *c.t->svc != u.svc) continue;
        if (!held_at(c.p, u.time) || c.lifted) continue;
        counting.push_back(&c);
      }
    return counting;
  }

  // The least room left under those caps; nullopt when no cap counts the charge.
  std::optional<rational> cap_room(const usage& u, const rate& r, const product* owner_product) {
    std::optional<rational> room;
    for (const cap_state* c : caps_counting(u, r, owner_product))
      if (!room || c->level - c->counted < *room) room = c->level - c->counted;
    return room;
  }

  // `units` increments at rate r. D6 / tariffs README `cap`: a cap in force stops the
  // charges it counts at its level: the charge is the exact price, but never more than
  // the room left under any cap that counts it; uncapped rates are neither counted nor
  // stopped. Every cap that counts the charge counts what was actually charged.
  // DESIGN 3: a part that crosses a cap is split there: the increments up to the one that
  // reaches it are charged (that one only up to the cap) on the rate's line; the rest are
  // waived, on a line of their own (bill.hpp, rater.hpp `charge_part`).
  rational charge(const usage& u, const std::string& country, const std::string& band,
                  const rate& r, const product* owner_product, std::int64_t units,
                  const quantity& inc) {
    const rational price = price_per_increment(r, inc);
    rational amount = price * units;
    std::int64_t waived = 0;
    if (const auto room = cap_room(u, r, owner_product); room && *room < amount) {
      amount = *room;
      waived = units - to_int64(-floor_of(-(*room / price)));  // after the one reaching it
      ++seen_.capped_charges;
    }
    for (cap_state* c : caps_counting(u, r, owner_product)) c->counted += amount;
    add_usage(u, country, band, r, owner_product, units - waived, amount, inc, false);
    if (waived > 0) add_usage(u, country, band, r, owner_product, waived, 0, inc, true);
    return amount;
  }

  // D2: usage is summed per line, a line per (product, service, country, band, rate), the
  // rate being the catalog's entry (two entries of one price are two lines), and waived
  // parts apart.
  void add_usage(const usage& u, const std::string& country, const std::string& band, const rate& r,
                 const product* owner_product, std::int64_t units, const rational& amount,
                 const quantity& inc, bool waived) {
    if (units == 0) return;
    const std::string owner = owner_product != nullptr ? owner_product->id : cat_.id;
    const std::string detail = fmt::format("{}|{}|{}|{}{}", to_string(u.svc), country, band,
                                           rate_text(r), waived ? "|waived" : "");
    usage_line& line = usage_lines_[{u.svc, country != cat_.home_country, country, band_index(band),
                                     owner, r.defined_at.line, r.defined_at.column, waived}];
    line.detail = detail;
    line.used += units * inc.value();
    line.exact += amount;
  }

  // The band's place in the bill's line order: the default band, then the catalog's bands
  // in the order they are written.
  std::size_t band_index(const std::string& band) const {
    for (std::size_t i = 0; i < cat_.bands.size(); ++i)
      if (cat_.bands[i].name == band) return i + 1;
    return 0;
  }

  const catalog& cat_;
  home_clock clock_;
  cycle_bounds cycle_;
  std::vector<instance> instances_;                                   // in log order
  std::vector<const instance*> order_;                                // D13 draw order
  std::vector<std::tuple<std::string, std::string, rational>> fees_;  // kind, product, amount
  std::vector<bucket> buckets_;
  std::vector<switch_state> switches_;
  std::vector<cap_state> caps_;
  // A usage line, keyed in the bill's order of lines (DESIGN 4.3): service, roaming or not,
  // country, band, the rate's owner, the rate's place in the catalog, waived by a cap.
  struct usage_key {
    service svc;
    bool roaming;
    std::string country;
    std::size_t band;
    std::string owner;
    std::uint32_t line, column;
    bool waived;
    auto operator<=>(const usage_key&) const = default;
  };
  struct usage_line {
    std::string detail;  // "service|country|band|rate[|waived]"
    std::int64_t used = 0;
    rational exact = 0;
  };
  std::map<usage_key, usage_line> usage_lines_;
  std::vector<instant> reactivations_;  // of this cycle, in time order
  std::size_t next_reactivation_ = 0;
  coverage seen_;
};

}  // namespace

coverage& coverage::operator+=(const coverage& o) {
  prorated_fees += o.prorated_fees;
  prorated_allowances += o.prorated_allowances;
  allowance_splits += o.allowance_splits;
  capped_charges += o.capped_charges;
  switches += o.switches;
  switch_splits += o.switch_splits;
  reactivations += o.reactivations;
  group_rounded_lines += o.group_rounded_lines;
  group_rounding_ties += o.group_rounding_ties;
  same_instant_lines += o.same_instant_lines;
  identical_lines += o.identical_lines;
  reinstatements += o.reinstatements;
  return *this;
}

rational to_rational(const money& m) {
  return rational(m.micros(), money::micros_per_unit);
}

rational round_decimal(const rational& x, int places, rounding mode) {
  cpp_int scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  return rational(round_whole(x * rational(scale), mode), scale);
}

reference_bill rate_reference(const catalog& cat, date::year_month month,
                              std::span<const order> orders, std::span<const usage> records,
                              std::span<const instant> reactivations) {
  reference r(cat, month, orders, reactivations);
  // DESIGN 3: a subscriber's records are rated in (time, id) order, whatever the input order.
  std::vector<const usage*> sorted;
  for (const usage& u : records) sorted.push_back(&u);
  std::sort(sorted.begin(), sorted.end(), [](const usage* a, const usage* b) {
    return std::tie(a->time, a->id) < std::tie(b->time, b->id);
  });
  for (const usage* u : sorted) r.rate_record(*u);
  return r.finish();
}

}  // namespace ratel::oracle
