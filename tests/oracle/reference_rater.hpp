// tests/oracle/reference_rater.hpp: a reference rater written for clarity, not speed.
//
// What: an independent second implementation of the rating rules for a subset of the
// catalog, used as a test oracle for the engine (rater.cpp, bill.cpp). It reads the loaded
// `ratel::catalog` (the tariff as written, never the compiled rule_plan) and works every
// amount and ratio in boost::multiprecision::cpp_rational, so nothing is rounded except
// where DESIGN.md section 3 and RULES.md D1/D2/D4 say: each record up to the service's
// increment, a prorated fee once by the product's fee rounding, a prorated allowance once
// to whole increments, each bill line once by the catalog's line rounding; the total is
// the sum of the rounded lines.
//
// Why: the engine is written for speed (flat compiled rules, int64 micro-units, segments
// cut by precomputed distances). A slow, literal reading of the rules catches the cases
// where speed bent a rule: a wrong split, a rounding in the wrong place, a cap applied to
// the wrong charges.
//
// The subset (anything else in an ordered product throws std::invalid_argument):
//  - products of kind plan or pack with a fee per cycle (prorated by the product's
//    `proration`: none / actual_days / days_12_365 with their roundings) or per order
//    (one-off, `validity = "rest_of_cycle"`, stackable), allowances by service, band and
//    `where`, rates by service, band and `where`;
//  - the base rates of the catalog;
//  - thresholds: `cap` (usage_fee, scope product or all, of one service or all); one
//    `cut_off` or `rate_change` on a volume, allowance_used or usage_fee counter, reached
//    or exceeded, the record split there (after a cut-off later usage is charged at its
//    rate with nothing drawn from allowances; after a rate change allowances are still
//    drawn first); `notify` of any counter (no effect on amounts, ignored here: the engine
//    splits records at them, which must not change an amount);
//  - `subscribe`, `subscribe_next_cycle` and `unsubscribe` (immediately, next_day,
//    next_cycle) of those products, repeated orders (refused while held unless the product
//    stacks), exclusive groups (D5: replaced at the next cycle start, or refused), and
//    `reactivate_data` after a data cut-off (D6: the product's `reactivation.lifts` stop
//    applying; what is recorded after the cut-off is still charged at its rate);
//  - usage records at home or in a listed country.
// Not covered: passes, VAS, offers and credits, free windows, trials, throttles, bars,
// distinct-peer and on-/off-net counters, points, closed accounts, rejects (every record
// of a scenario must be rateable).
//
//   reference_bill b = rate_reference(cat, date::year(2012) / 7, orders, records);
//   b.total  // exact rational, already the sum of the lines rounded to 0.01 half-up
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <date/date.h>
#include <boost/multiprecision/cpp_int.hpp>

#include "ratel/catalog.hpp"
#include "ratel/time.hpp"

namespace ratel::oracle {

using rational = boost::multiprecision::cpp_rational;

/// One subscription request of the account log: `subscribe` of `product` at `at`, and an
/// `unsubscribe` request at `unsubscribe_at` if there is one (its effect follows the
/// product's `unsubscribe` rule). The log they stand for holds every order's subscribe
/// line, then every unsubscribe line; lines at one instant apply in that order.
struct order {
  std::string product;
  instant at;
  std::optional<instant> unsubscribe_at;
  /// `subscribe_next_cycle` instead of `subscribe`: the product starts at the start of the
  /// cycle after the one holding `at`, with the full fee and allowance (D5).
  bool next_cycle = false;
};

/// One usage record, already parsed: the reference does not read CSV.
struct usage {
  std::string id;
  instant time;
  service svc = service::data;
  std::int64_t quantity = 0;  ///< bytes, seconds, messages
  std::string country;        ///< empty: the home country
};

/// A bill line as the reference computes it.
struct reference_line {
  std::string kind;       ///< "fee", "pack", "allowance", "usage"
  std::string product;    ///< product id, or the catalog id for the base rates
  std::string detail;     ///< usage: "service|country|band|rate"; allowance: "service|#index"
  std::int64_t used = 0;  ///< usage: quantity charged; allowance: quantity drawn (base units)
  std::int64_t size = 0;  ///< allowance: the prorated size (base units)
  rational exact;         ///< before the line rounding
  rational amount;        ///< rounded by the catalog's line rounding
};

/// How often the rules a property test is after came into play in one bill, so a test
/// can tell that its random cases reach them at all.
struct coverage {
  std::int64_t prorated_fees = 0;        ///< fees of a part cycle, shared out (D4)
  std::int64_t prorated_allowances = 0;  ///< allowances of a part cycle, shared out (D4)
  std::int64_t allowance_splits = 0;     ///< records split where an allowance ran out
  std::int64_t capped_charges = 0;       ///< charges a cap reduced (D6)
  std::int64_t switches = 0;             ///< cut-offs and rate changes that took effect
  std::int64_t switch_splits = 0;        ///< records split at a cut-off or rate change
  std::int64_t reactivations = 0;        ///< reactivate_data requests that lifted a cut-off
  std::int64_t group_rounded_lines = 0;  ///< usage lines D18 rounds otherwise than D2 alone
  std::int64_t group_rounding_ties = 0;  ///< fen given between equal remainders (D18)
  std::int64_t same_instant_lines = 0;   ///< account lines sharing an instant, not identical (D21)
  std::int64_t identical_lines = 0;      ///< account lines folded into the one before (D21)
  std::int64_t reinstatements = 0;       ///< cancellations withdrawn by ordering again (D26)
  coverage& operator+=(const coverage& o);
};

struct reference_bill {
  std::vector<reference_line> lines;
  rational total;  ///< sum of the rounded line amounts
  coverage seen;
};

/// Rounds x to a multiple of 10^-places by `mode` (the modes of ratel::rounding).
rational round_decimal(const rational& x, int places, rounding mode);

/// Money of the catalog as an exact rational of currency units.
rational to_rational(const money& m);

/// Rates one subscriber's cycle `month` (the calendar month in the catalog's zone).
/// `orders` are in log order (time order); `records` may be in any order and must lie
/// in the cycle; `reactivations` are the instants of the subscriber's `reactivate_data`
/// requests.
reference_bill rate_reference(const catalog& cat, date::year_month month,
                              std::span<const order> orders, std::span<const usage> records,
                              std::span<const instant> reactivations = {});

}  // namespace ratel::oracle
