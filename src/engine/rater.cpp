// Rating one subscriber's cycle: the record loop (rater.hpp describes the algorithm).
// Records in (time, id) order; each rounded up to whole increments (D1), in the band of its
// start time (D17), rejected with a reason or cut into parts, each part under the state in
// force for it. The rule families the loop asks are in their own files (cycle_rater.hpp
// lists them).
#include "ratel/rater.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

#include <fmt/format.h>

#include "engine/cycle_rater.hpp"
#include "engine/small_sort.hpp"

namespace ratel {
namespace detail {

cycle_rater::cycle_rater(const rule_plan& plan, const account_history* history,
                         const billing_cycle& cycle)
    : plan_(plan), history_(history) {
  out_.cycle = cycle;
  if (history_ == nullptr) return;
  out_.subscriber = history_->subscriber;
  collect_fees_and_buckets();
  collect_credits();
  order_draws();
  collect_passes();
  collect_thresholds();
  // The history's events are in time order: only the cycle's are looked at.
  const auto& events = history_->events;
  const auto first = std::partition_point(events.begin(), events.end(),
                                          [&](const event& e) { return e.time < cycle.start; });
  for (auto e = first; e != events.end() && e->time < cycle.end; ++e) out_.events.push_back(*e);
  // Likewise the reactivate_data lines: the first of the cycle is the first to apply.
  next_request_ = static_cast<std::size_t>(
      std::partition_point(history_->reactivations.begin(), history_->reactivations.end(),
                           [&](const account_request& q) { return q.time < cycle.start; }) -
      history_->reactivations.begin());
}

void cycle_rater::rate(const usage_record& r) {
  if (history_ == nullptr)
    return reject_record(r, reject_reason::unknown_subscriber,
                         "no line of the account log names this subscriber");
  if (request_due_by(r.time)) apply_requests_until(r.time);
  if (history_->closed && r.time >= *history_->closed)
    return reject_record(
        r, reject_reason::account_closed,
        fmt::format("the account was closed at {}", format_time(*history_->closed)));
  auto country = plan_.country_of(r.country);
  if (!country)
    return reject_record(
        r, reject_reason::unknown_country,
        fmt::format("country \"{}\" is not in catalog {}", r.country, plan_.source().id));
  const std::optional<quantity>& increment = plan_.increment(r.svc);
  if (!increment)
    return reject_record(r, reject_reason::no_rate,
                         fmt::format("catalog {} does not rate {} (no increment in [services])",
                                     plan_.source().id, to_string(r.svc)));
  if (r.svc == service::vas && !r.product.empty()) {
    const auto index = plan_.product_index(r.product);
    if (!index || plan_.product_at(*index).source->fee_charged != fee_basis::per_use)
      return reject_record(r, reject_reason::unknown_product,
                           fmt::format("\"{}\" is not a per-use service of catalog {}", r.product,
                                       plan_.source().id));
  }
  service_state& state = services_[static_cast<std::size_t>(r.svc)];
  if (state.barred_by != nullptr)
    return reject_record(r, reject_reason::barred,
                         fmt::format("{} is barred for the rest of the cycle by threshold {}",
                                     to_string(r.svc), state.barred_by->source->name));
  const std::int64_t units = units_of(quantity(r.quantity, dimension_of(r.svc)), *increment);
  // Rounded up to whole increments, the largest quantities no longer fit: a record that
  // cannot be counted exactly is refused here, before it changes anything.
  if (units > std::numeric_limits<std::int64_t>::max() / increment->value())
    return reject_record(
        r, reject_reason::bad_quantity,
        fmt::format("quantity: {} rounded up to whole increments of {} is too large "
                    "to count (the largest is {})",
                    r.quantity, *increment, std::numeric_limits<std::int64_t>::max()));
  const band_id band = band_at(r.time);

  // Without a rate now, the record must fit in the allowances it can draw now: nothing
  // later in the record can take allowance away, and a cut-off or rate change brings
  // its own rate. So a record that cannot be rated is known before anything changes.
  if (!covering_pass(r, *country) && rate_for(r, band, *country).rate == nullptr &&
      drawable_units(r, band, *country) < units)
    return reject_record(r, reject_reason::no_rate,
                         fmt::format("{} of {} in band {} in {} is not covered by an allowance "
                                     "and no rate applies",
                                     times(units, *increment), to_string(r.svc),
                                     plan_.band_name(band), plan_.country_code(*country)));

  const auto first_part = static_cast<std::uint32_t>(out_.parts.size());
  rated_record rated{&r, times(units, *increment), band, *country, first_part, 0};
  record_first_part_ = first_part;
  set_active_slots(r.time);
  if (units > 0 && counts_peers_) count_peer(r, *increment);
  std::int64_t left = units;
  while (left > 0) {
    source from = choose_source(r, band, *country);
    // A threshold that fires when its counter exceeds a level it already sits at fires
    // before the next counted unit, so that unit is rated under the new state.
    if (fire_exceeded_before(r, from, *country, *increment)) continue;
    std::int64_t take = left;
    if (from.bucket)
      take = std::min(take, out_.buckets[*from.bucket].remaining.value() / increment->value());
    take = before_crossing(r, from, *country, take);
    assert(take > 0);
    emit_part(r, from, take, *increment);
    left -= take;
    count_last_part(r, *increment);
    track_boost(r, from, band, *country);
  }
  rated.part_count = static_cast<std::uint32_t>(out_.parts.size() - rated.first_part);
  out_.records.push_back(rated);
}

rated_cycle cycle_rater::finish() && {
  if (history_ != nullptr) apply_requests_until(out_.cycle.end - std::chrono::seconds(1));
  detail::stable_sort_small(out_.events.begin(), out_.events.end(),
                            [](const event& a, const event& b) { return a.time < b.time; });
  return std::move(out_);
}

std::string cycle_rater::format_time(instant t) const {
  return format_rfc3339(t, plan_.home_zone().offset_at(t));
}

void cycle_rater::reject_record(const usage_record& r, reject_reason reason, std::string detail) {
  out_.rejects.push_back(
      {r.line, reason, std::string(r.subscriber), std::string(r.id), std::move(detail)});
}

// Inline: once for every segment, and only rate() calls it.
inline void cycle_rater::emit_part(const usage_record& r, const source& from, std::int64_t units,
                                   const quantity& increment) {
  const quantity amount = times(units, increment);
  const money zero = money::zero(plan_.source().money_unit);
  if (from.pass) {
    out_.parts.push_back(
        {charge_part::source::pass, 0, nullptr, from.owner, amount, units, zero, zero, false});
    return;
  }
  if (from.bucket) {
    bucket& k = out_.buckets[*from.bucket];
    k.remaining = k.remaining - amount;
    out_.parts.push_back({charge_part::source::allowance, *from.bucket, nullptr, std::nullopt,
                          amount, units, zero, zero, false});
    return;
  }
  const money full = from.rate->price_per_increment * units;
  money charge = full;
  if (const std::optional<std::int64_t> room = cap_room(r, from))
    charge = std::min(charge, money::from_micros(*room, full.unit()));
  out_.parts.push_back({charge_part::source::rate, 0, from.rate, from.owner, amount, units, charge,
                        full, charge < full});
}

}  // namespace detail

cycle_rating::cycle_rating(const rule_plan& plan, const account_history* history,
                           const billing_cycle& cycle)
    : rater_(std::make_unique<detail::cycle_rater>(plan, history, cycle)) {}
cycle_rating::cycle_rating(const cycle_rating& other)
    : rater_(std::make_unique<detail::cycle_rater>(*other.rater_)) {}
cycle_rating& cycle_rating::operator=(const cycle_rating& other) {
  if (this != &other) rater_ = std::make_unique<detail::cycle_rater>(*other.rater_);
  return *this;
}
cycle_rating::cycle_rating(cycle_rating&&) noexcept = default;
cycle_rating& cycle_rating::operator=(cycle_rating&&) noexcept = default;
cycle_rating::~cycle_rating() = default;

void cycle_rating::rate(const usage_record& r) {
  rater_->rate(r);
  rater_->forget_rated();
}
std::span<const event> cycle_rating::events() const noexcept {
  return rater_->so_far().events;
}
std::span<const reject> cycle_rating::rejects() const noexcept {
  return rater_->so_far().rejects;
}

rated_cycle rate_cycle(const rule_plan& plan, const account_history* history,
                       const billing_cycle& cycle, std::span<const usage_record* const> records,
                       std::span<const charged_pass> charged_before) {
  auto by_time_and_id = [](const usage_record* a, const usage_record* b) {
    if (a->time != b->time) return a->time < b->time;
    return a->id < b->id;
  };
  // A buffer per thread, reused cycle after cycle (each cycle allocated its own: a million
  // of them in a month of a million subscribers). Rating a cycle never rates another.
  thread_local std::vector<const usage_record*> ordered;
  ordered.assign(records.begin(), records.end());
  std::sort(ordered.begin(), ordered.end(), by_time_and_id);
  // Sorting read the first cache line of every record; rating reads the second too
  // (country, region, peer, product). Asking for them all now overlaps the misses, which
  // the rating loop, one record at a time, would otherwise take one after another.
  for (const usage_record* r : ordered) __builtin_prefetch(reinterpret_cast<const char*>(r) + 64);
  detail::cycle_rater rater(plan, history, cycle);
  rater.expect_records(ordered.size());
  for (const usage_record* r : ordered) {
    assert(cycle.contains(r->time));
    rater.rate(*r);
  }
  if (rater.holds_passes()) rater.charge_passes(ordered, charged_before);
  rated_cycle out = std::move(rater).finish();
  if (out.subscriber.empty() && !ordered.empty())
    out.subscriber = std::string(ordered.front()->subscriber);
  // Not kept at the size of one very long cycle for the rest of the run.
  if (ordered.capacity() > (std::size_t{1} << 16)) std::vector<const usage_record*>().swap(ordered);
  return out;
}

}  // namespace ratel
