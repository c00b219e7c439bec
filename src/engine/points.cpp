#include "ratel/points.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace ratel {

std::int64_t points_for(const points_program& program, const money& spend) {
  if (spend.is_negative() || spend.is_zero()) return 0;
  // Whole units of spend: spend / unit, rounded once as the program says (D7: dropped).
  // mul_div counts in micro-units, so dividing by the unit's micro-units counts units.
  const money units = mul_div(spend, 1, program.unit.micros(), program.fraction);
  return units.micros() * program.points_per_unit;
}

points_ledger::points_ledger(const points_program& program, const account_history& history,
                             const zone& home, const points_carry* from)
    : program_(program), history_(history), home_(home) {
  if (from != nullptr) {
    cohorts_ = from->cohorts;
    pending_ = from->pending;
    closed_ = from->closed;
  }
}

std::int64_t points_ledger::balance() const {
  std::int64_t total = 0;
  for (const points_cohort& c : cohorts_) total += c.remaining;
  return total;
}

points_statement points_ledger::step(const billing_cycle& cycle, std::int64_t earned,
                                     std::vector<event>& events) {
  points_statement s;
  // Credits due at this cycle's start.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->first != cycle.month) {
      ++it;
      continue;
    }
    if (!closed_ && it->second > 0) {
      cohorts_.push_back({cycle.month, it->second, it->second,
                          cycle.month + date::months(program_.validity_months - 1)});
      s.credited += it->second;
    }
    it = pending_.erase(it);
  }
  // Cohorts whose last month is over.
  for (points_cohort& c : cohorts_)
    if (c.last_month < cycle.month) {
      s.expired += c.remaining;
      c.remaining = 0;
    }
  // Redemptions and the close, in time order (the log's order at equal times).
  // The history's redemptions are in time order: only the cycle's are looked at, since
  // the ledger steps through every cycle of a run.
  const auto& redemptions = history_.redemptions;
  const auto first =
      std::partition_point(redemptions.begin(), redemptions.end(),
                           [&](const account_request& r) { return r.time < cycle.start; });
  for (auto r = first; r != redemptions.end() && r->time < cycle.end; ++r)
    redeem(*r, r->points, s, events);  // one at or after a close is refused there
  if (history_.closed && cycle.contains(*history_.closed) && !closed_) {
    closed_ = true;
    if (program_.forfeit_on_close) {
      s.forfeited = balance();
      for (points_cohort& c : cohorts_) c.remaining = 0;
      pending_.clear();
    }
  }
  std::erase_if(cohorts_, [](const points_cohort& c) { return c.remaining == 0; });
  if (!closed_ && earned > 0) {
    s.earned = earned;
    pending_.emplace_back(cycle.month + date::months(program_.credit_after_cycles), earned);
  }
  if (closed_) s.earned = 0;
  s.balance = balance();
  s.cohorts = cohorts_;
  return s;
}

void points_ledger::redeem(const account_request& request, std::int64_t points, points_statement& s,
                           std::vector<event>& events) {
  auto refuse = [&](std::string reason) {
    event e;
    e.time = request.time;
    e.kind = event_kind::refused;
    e.reason = std::move(reason);
    e.from = request.from;
    events.push_back(std::move(e));
  };
  // A redemption at the close's instant comes before it (D21).
  if (history_.closed && *history_.closed < request.time)
    return refuse("redeem_points: the account is closed");
  if (!history_.joined) return refuse("redeem_points: the account has no join date, so no tenure");
  // Complete months since joining, by calendar date in the home zone (a 31st joins a
  // shorter month on its last day).
  const date::year_month_day joined{home_.local_day(*history_.joined)};
  date::year_month_day due = joined + date::months(program_.min_tenure_months);
  if (!due.ok()) due = due.year() / due.month() / date::last;
  if (home_.local_day(request.time) < date::local_days(due))
    return refuse(
        fmt::format("redeem_points: {} months since joining are needed; they are complete on {}",
                    program_.min_tenure_months, to_string(date::local_days(due))));
  if (points > balance())
    return refuse(fmt::format("redeem_points: {} points asked, {} available", points, balance()));
  std::int64_t left = points;
  auto take = [&](points_cohort& c) {
    const std::int64_t n = std::min(left, c.remaining);
    c.remaining -= n;
    left -= n;
  };
  if (program_.oldest_first)
    for (auto& c : cohorts_) take(c);
  else
    for (auto it = cohorts_.rbegin(); it != cohorts_.rend(); ++it) take(*it);
  s.redeemed += points;
}

}  // namespace ratel
