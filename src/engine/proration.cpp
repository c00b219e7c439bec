#include "ratel/proration.hpp"

#include <cassert>

#include <boost/multiprecision/cpp_int.hpp>

namespace ratel {

std::int64_t active_days(instant from, instant until, const zone& home) {
  if (until <= from) return 0;
  // The last active instant is one second before the end: an end at 00:00 leaves its day out.
  const date::local_days first = home.local_day(from);
  const date::local_days last = home.local_day(until - std::chrono::seconds(1));
  return (last - first).count() + 1;
}

day_share share_of_cycle(proration_strategy strategy, std::int64_t active,
                         std::int64_t days_in_cycle) noexcept {
  assert(days_in_cycle > 0 && active >= 0 && active <= days_in_cycle);
  if (active == days_in_cycle || strategy == proration_strategy::none) return {1, 1};
  switch (strategy) {
    case proration_strategy::actual_days:
      return {active, days_in_cycle};
    case proration_strategy::days_12_365:
      return {12 * active, 365};
    case proration_strategy::none:
      break;
  }
  return {1, 1};
}

money prorate(const money& amount, day_share share, int places, rounding mode) {
  assert(places >= 0 && places <= money::decimals);
  // One rounding, straight to `places`: count in units of the last kept decimal (`unit`
  // micro-units each), then scale back.
  std::int64_t unit = 1;
  for (int i = places; i < money::decimals; ++i) unit *= 10;
  const money in_places = mul_div(amount, share.numerator, share.denominator * unit, mode);
  return in_places * unit;  // checked
}

quantity prorate(const quantity& amount, const quantity& increment, day_share share,
                 rounding mode) {
  using boost::multiprecision::int128_t;
  assert(increment.value() > 0 && amount.value() % increment.value() == 0);
  const int128_t units = amount.value() / increment.value();
  const int128_t product = units * share.numerator;
  int128_t whole = product / share.denominator;  // toward zero; all values are >= 0
  const int128_t rest = product % share.denominator;
  if (rest != 0) {
    const int128_t twice = rest * 2;
    switch (mode) {
      case rounding::up:
      case rounding::ceiling:
        whole += 1;
        break;
      case rounding::down:
      case rounding::floor:
        break;
      case rounding::half_up:
        whole += twice >= share.denominator ? 1 : 0;
        break;
      case rounding::half_down:
        whole += twice > share.denominator ? 1 : 0;
        break;
      case rounding::half_even:
        whole +=
            (twice > share.denominator || (twice == share.denominator && whole % 2 == 1)) ? 1 : 0;
        break;
    }
  }
  return times(static_cast<std::int64_t>(whole), increment);
}

}  // namespace ratel
