// Rating one subscriber's cycle (the algorithm is described in rater.hpp).
#include "ratel/rater.hpp"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

namespace ratel {
namespace {

// D13 draw order between two product instances: higher priority, then smaller product
// code, then earlier start; the log order settles the rest deterministically.
bool drawn_before(const rule_plan& plan, const subscription& a, std::size_t a_index,
                  const subscription& b, std::size_t b_index) {
  const product& pa = *plan.product_at(a.product).source;
  const product& pb = *plan.product_at(b.product).source;
  if (pa.priority != pb.priority) return pa.priority > pb.priority;
  if (pa.code != pb.code) return pa.code < pb.code;
  if (a.start != b.start) return a.start < b.start;
  return a_index < b_index;
}

bool non_empty(const subscription& s) { return !s.end || *s.end > s.start; }

class cycle_rater {
 public:
  cycle_rater(const rule_plan& plan, const account_history* history, const billing_cycle& cycle)
      : plan_(plan), history_(history) {
    out_.cycle = cycle;
    if (history_ != nullptr) {
      out_.subscriber = history_->subscriber;
      collect_fees_and_buckets();
      for (const event& e : history_->events)
        if (cycle.contains(e.time)) out_.events.push_back(e);
    }
  }

  void rate(const usage_record& r) {
    if (history_ == nullptr)
      return reject_record(r, reject_reason::unknown_subscriber,
                           "no line of the account log names this subscriber");
    if (history_->closed && r.time >= *history_->closed)
      return reject_record(r, reject_reason::account_closed,
                           fmt::format("the account was closed at {}", format_time(*history_->closed)));
    auto country = plan_.country_of(r.country);
    if (!country)
      return reject_record(r, reject_reason::unknown_country,
                           fmt::format("country \"{}\" is not in catalog {}", r.country,
                                       plan_.source().id));
    const std::optional<quantity>& increment = plan_.increment(r.svc);
    if (!increment)
      return reject_record(r, reject_reason::no_rate,
                           fmt::format("catalog {} does not rate {} (no increment in [services])",
                                       plan_.source().id, to_string(r.svc)));
    const std::int64_t units = units_of(quantity(r.quantity, dimension_of(r.svc)), *increment);
    const band_id band = plan_.band_at(r.time);

    // Plan the draws first, so that a record that cannot be rated draws nothing.
    draws_.clear();
    std::int64_t left = units;
    for (std::size_t b : bucket_order_) {
      if (left == 0) break;
      const bucket& k = out_.buckets[b];
      const compiled_allowance& a = plan_.product_at(k.product).allowances[k.allowance];
      if (a.source->svc != r.svc || !a.covers.test(*country)) continue;
      if (a.band && *a.band != band) continue;
      if (r.time < k.valid_from || r.time >= k.valid_until) continue;
      const std::int64_t available = k.remaining.value() / increment->value();
      if (available == 0) continue;
      const std::int64_t take = std::min(available, left);
      draws_.push_back({b, take});
      left -= take;
    }
    const compiled_rate* rate = nullptr;
    std::optional<std::size_t> owner;
    if (left > 0) {
      std::tie(rate, owner) = choose_rate(r, band, *country);
      if (rate == nullptr)
        return reject_record(
            r, reject_reason::no_rate,
            fmt::format("{} of {} in band {} in {} is not covered by an allowance and no rate applies",
                        times(left, *increment), to_string(r.svc), plan_.band_name(band),
                        plan_.country_code(*country)));
    }

    rated_record rated{&r, times(units, *increment), band, *country,
                       static_cast<std::uint32_t>(out_.parts.size()), 0};
    for (const auto& [b, take] : draws_) {
      bucket& k = out_.buckets[b];
      quantity drawn = times(take, *increment);
      k.remaining = k.remaining - drawn;
      out_.parts.push_back({charge_part::source::allowance, b, nullptr, std::nullopt, drawn, take,
                            money::zero(plan_.source().money_unit)});
    }
    if (left > 0)
      out_.parts.push_back({charge_part::source::rate, 0, rate, owner, times(left, *increment), left,
                            rate->price_per_increment * left});
    rated.part_count = static_cast<std::uint32_t>(out_.parts.size() - rated.first_part);
    out_.records.push_back(rated);
  }

  rated_cycle finish() && { return std::move(out_); }

 private:
  std::string format_time(instant t) const {
    return format_rfc3339(t, plan_.home_zone().offset_at(t));
  }

  void reject_record(const usage_record& r, reject_reason reason, std::string detail) {
    out_.rejects.push_back({r.line, reason, std::string(r.subscriber), std::string(r.id),
                            std::move(detail)});
  }

  void collect_fees_and_buckets() {
    const billing_cycle& cycle = out_.cycle;
    const auto& subs = history_->subscriptions;
    for (std::size_t i = 0; i < subs.size(); ++i) {
      const subscription& s = subs[i];
      if (!non_empty(s) || !s.overlaps(cycle.start, cycle.end)) continue;
      const product& p = *plan_.product_at(s.product).source;
      if (p.fee_charged == fee_basis::per_cycle ||
          (p.fee_charged == fee_basis::per_order && cycle.contains(s.start)))
        out_.fees.push_back({s.product, i, p.fee_charged, p.fee});
      for (std::size_t a = 0; a < p.allowances.size(); ++a) {
        instant from = std::max(s.start, cycle.start);
        instant until = s.end ? std::min(*s.end, cycle.end) : cycle.end;
        out_.buckets.push_back({s.product, a, i, from, until, p.allowances[a].amount,
                                p.allowances[a].amount});
      }
      by_draw_order_.push_back(i);
    }
    std::sort(by_draw_order_.begin(), by_draw_order_.end(), [&](std::size_t a, std::size_t b) {
      return drawn_before(plan_, subs[a], a, subs[b], b);
    });
    bucket_order_.resize(out_.buckets.size());
    for (std::size_t b = 0; b < bucket_order_.size(); ++b) bucket_order_[b] = b;
    std::stable_sort(bucket_order_.begin(), bucket_order_.end(), [&](std::size_t a, std::size_t b) {
      const bucket& x = out_.buckets[a];
      const bucket& y = out_.buckets[b];
      if (x.subscription != y.subscription)
        return drawn_before(plan_, subs[x.subscription], x.subscription, subs[y.subscription],
                            y.subscription);
      return x.allowance < y.allowance;
    });
  }

  // The first held product, in draw order, with a matching rate; else the base tariff.
  std::pair<const compiled_rate*, std::optional<std::size_t>> choose_rate(const usage_record& r,
                                                                          band_id band,
                                                                          country_id country) const {
    for (std::size_t i : by_draw_order_) {
      const subscription& s = history_->subscriptions[i];
      if (!s.active_at(r.time)) continue;
      if (const compiled_rate* rate =
              rule_plan::match(plan_.product_at(s.product).rates, r.svc, band, country))
        return {rate, s.product};
    }
    return {rule_plan::match(plan_.base_rates(), r.svc, band, country), std::nullopt};
  }

  struct draw {
    std::size_t bucket;
    std::int64_t units;
  };

  const rule_plan& plan_;
  const account_history* history_;
  rated_cycle out_;
  std::vector<std::size_t> bucket_order_;   // bucket indices in D13 order
  std::vector<std::size_t> by_draw_order_;  // subscription indices in D13 order
  std::vector<draw> draws_;                 // scratch, reused per record
};

}  // namespace

rated_cycle rate_cycle(const rule_plan& plan, const account_history* history,
                       const billing_cycle& cycle, std::span<const usage_record* const> records) {
  std::vector<const usage_record*> ordered(records.begin(), records.end());
  std::sort(ordered.begin(), ordered.end(), [](const usage_record* a, const usage_record* b) {
    if (a->time != b->time) return a->time < b->time;
    return a->id < b->id;
  });
  cycle_rater rater(plan, history, cycle);
  for (const usage_record* r : ordered) {
    assert(cycle.contains(r->time));
    rater.rate(*r);
  }
  rated_cycle out = std::move(rater).finish();
  if (out.subscriber.empty() && !ordered.empty()) out.subscriber = std::string(ordered.front()->subscriber);
  return out;
}

}  // namespace ratel
