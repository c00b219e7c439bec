// ratel/rater.hpp: applying the rules to one subscriber's records for one cycle.
//
// Concept: rate_cycle() takes the compiled plan, the subscriber's history, the cycle and
// the subscriber's records of that cycle, and returns everything the bill and `explain`
// need: the fees due, the allowance buckets and what was drawn from them, each rated
// record split into parts (one part per bucket drawn and one for the charged remainder),
// the records it could not rate (rejects, with reasons) and the events.
//
// The algorithm, in the order it happens:
//  1. Records are put in (time, id) order, whatever order they came in.
//  2. Each record's quantity is rounded up to whole increments of its service (D1).
//  3. Its band is the home-zone band of its start time (D17); its country is its
//     `country` column (empty: home).
//  4. Allowance buckets that cover the record's service, band and country and are valid at
//     its time are drawn in D13 order: higher priority first, then smaller product code,
//     then earlier start. A record that crosses the end of a bucket is split there.
//  5. The remainder is charged at the rate chosen as rules.hpp describes. If no rate
//     applies and allowances do not cover the whole record, the record is rejected whole
//     (`no_rate`) and draws nothing.
// Charges are exact (price per increment x increments) and are not rounded here: the bill
// rounds each line (D2).
//
//   rated_cycle r = rate_cycle(plan, *book.find("sub-1"), july, records_of_sub_1);
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ratel/account.hpp"
#include "ratel/rules.hpp"
#include "ratel/usage.hpp"

namespace ratel {

/// An allowance of one product instance for one cycle.
struct bucket {
  std::size_t product = 0;       ///< index in the plan
  std::size_t allowance = 0;     ///< index in the product's allowances
  std::size_t subscription = 0;  ///< index in the history's subscriptions
  instant valid_from;
  instant valid_until;  ///< exclusive
  quantity initial;
  quantity remaining;
};

/// A fee due in the cycle for one product instance.
struct fee_due {
  std::size_t product = 0;
  std::size_t subscription = 0;
  fee_basis basis = fee_basis::per_cycle;
  money amount;
};

/// One piece of a rated record: drawn from a bucket, or charged at a rate.
struct charge_part {
  enum class source : std::uint8_t { allowance, rate };
  source from = source::rate;
  std::size_t bucket = 0;                 ///< for source::allowance
  const compiled_rate* rate = nullptr;    ///< for source::rate
  std::optional<std::size_t> rate_owner;  ///< product index; nullopt: the base tariff
  quantity amount;                        ///< rated quantity of this part
  std::int64_t units = 0;                 ///< increments in this part
  money charge;                           ///< exact, unrounded
};

/// A record and how it was rated. Parts are rated_cycle::parts[first_part, +part_count).
struct rated_record {
  const usage_record* record = nullptr;
  quantity rated;  ///< the record's quantity rounded up to whole increments
  band_id band = 0;
  country_id country = 0;
  std::uint32_t first_part = 0;
  std::uint32_t part_count = 0;
};

struct rated_cycle {
  std::string subscriber;
  billing_cycle cycle;
  std::vector<fee_due> fees;
  std::vector<bucket> buckets;
  std::vector<rated_record> records;  ///< in (time, id) order
  std::vector<charge_part> parts;
  std::vector<reject> rejects;
  std::vector<event> events;  ///< in time order

  std::span<const charge_part> parts_of(const rated_record& r) const {
    return std::span<const charge_part>(parts).subspan(r.first_part, r.part_count);
  }
};

/// Rates one subscriber's cycle. `records` are that subscriber's records whose time lies in
/// the cycle, in any order; `history` may be null for a subscriber the account log does
/// not know (every record is then rejected as unknown_subscriber).
rated_cycle rate_cycle(const rule_plan& plan, const account_history* history,
                       const billing_cycle& cycle, std::span<const usage_record* const> records);

}  // namespace ratel
