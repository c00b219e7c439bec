// ratel/rater.hpp: applying the rules to one subscriber's records for one cycle.
//
// Concept: rate_cycle() takes the compiled plan, the subscriber's history, the cycle and
// the subscriber's records of that cycle, and returns everything the bill and `explain`
// need: the fees due, the allowance buckets and what was drawn from them, each rated
// record split into parts, the records it could not rate (rejects, with reasons) and the
// events.
//
// The algorithm, in the order it happens:
//  1. Records are put in (time, id) order, whatever order they came in; account requests
//     the rater decides (reactivate_data) are applied at their instant between them.
//  2. Each record's quantity is rounded up to whole increments of its service (D1).
//  3. Its band is the home-zone band of its start time (D17); its country is its
//     `country` column (empty: home).
//  4. The record is consumed in segments. A segment ends where the allowance it draws
//     from ends or where a threshold of a held product is crossed, so each part is rated
//     under the state in force for it:
//     - allowances covering the record's service, band and country and valid at its time
//       are drawn in D13 order: higher priority first, then smaller product code, then
//       earlier start (an accelerator pack's allowance only while the service is
//       throttled, and then first);
//     - a record a pass covers (its service, in its countries, from the start of the day
//       it was ordered on until it ends) is covered whole: nothing beyond the pass charge;
//     - the rest is charged at the rate chosen as rules.hpp describes, unless a cut-off or
//       rate change in force names another rate (after a cut-off, no allowance is drawn);
//     - a part a cap covers is charged 0; the part that reaches the cap is charged up to it.
//  5. When a threshold is crossed its event carries the record id, the instant (the
//     record's start), the threshold and the counter value; its action takes effect for the
//     rest of the record and every later one, until the cycle ends.
//  6. A barred service's later records are rejected (`barred`). A record that no rate can
//     finish is rejected whole (`no_rate`) and changes nothing.
// Charges are exact (price per increment x increments) and are not rounded here: the bill
// rounds each line (D2).
//
//   rated_cycle r = rate_cycle(plan, book.find("sub-1"), july, records_of_sub_1);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ratel/account.hpp"
#include "ratel/proration.hpp"
#include "ratel/rules.hpp"
#include "ratel/state.hpp"
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
  money amount;                  ///< after proration, rounded as the product says
  std::int64_t active_days = 0;  ///< charged days in the cycle (per_cycle)
  std::int64_t cycle_days = 0;
  day_share share;  ///< of the full fee; whole when not prorated
};

/// A credit of a deposit-and-bonus offer due in the cycle (D16): a credit line.
struct credit_due {
  std::size_t product = 0;
  instant time;
  money deposit_part;  ///< returned deposit
  money bonus_part;
  std::int64_t number = 0;  ///< this credit's place in the schedule, from 1
  std::int64_t count = 0;   ///< credits in the schedule
};

/// A pass charge due in the cycle (D10, D11, D12): one day, (country, day) or validity
/// with covered use, with the records that made it chargeable.
struct pass_charge_due {
  std::size_t product = 0;
  std::size_t subscription = 0;
  date::local_days day;      ///< the day charged, or the first day of the validity
  bool visited_day = false;  ///< `day` is the visited country's local day, not the home one
  country_id country = 0;    ///< the country of the first covered record
  instant starts;            ///< the home-zone start of `day`'s date: it picks the cycle
  money price;
  std::vector<std::string> records;  ///< ids of the covered records, in (time, id) order
};

/// One piece of a rated record: drawn from a bucket, charged at a rate, or covered by a pass.
struct charge_part {
  enum class source : std::uint8_t { allowance, rate, pass };
  source from = source::rate;
  std::size_t bucket = 0;                 ///< for source::allowance
  const compiled_rate* rate = nullptr;    ///< for source::rate
  std::optional<std::size_t> rate_owner;  ///< product index; nullopt: the base tariff
  quantity amount;                        ///< rated quantity of this part
  std::int64_t units = 0;                 ///< increments in this part
  money charge;                           ///< exact, unrounded
  money uncapped;                         ///< what it would have cost without a cap
  bool capped = false;                    ///< a cap reduced it (charge < uncapped)

  /// A cap took all of it. A part that reaches a cap keeps a charge and is billed on its
  /// rate's ordinary line: two lines each rounding half a cent up would bill one fen more
  /// than the cap (D6 with D2).
  bool waived() const noexcept { return capped && charge.is_zero(); }
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
  std::vector<credit_due> credits;
  std::vector<pass_charge_due> passes;
  std::vector<bucket> buckets;
  std::vector<rated_record> records;  ///< in (time, id) order
  std::vector<charge_part> parts;
  std::vector<reject> rejects;
  std::vector<event> events;  ///< in time order
  /// The pass charges of earlier cycles and of this one whose pass can still be used after
  /// this cycle: what the next cycle must not charge again (D23, carried_state).
  std::vector<charged_pass> carried_passes;

  std::span<const charge_part> parts_of(const rated_record& r) const {
    return std::span<const charge_part>(parts).subspan(r.first_part, r.part_count);
  }
};

/// Rates one subscriber's cycle. `records` are that subscriber's records whose time lies in
/// the cycle, in any order; `history` may be null for a subscriber the account log does
/// not know (every record is then rejected as unknown_subscriber).
///
/// D23: a pass charge is on the bill of the cycle holding the first record that makes it
/// due (the first use on a day, the first use in a country over a validity), so a cycle's
/// own records decide its bill. `charged_before` (sorted) are the charges earlier cycles
/// made whose pass can still be used: their days and countries are not charged again. The
/// result's carried_passes is what the next cycle needs.
rated_cycle rate_cycle(const rule_plan& plan, const account_history* history,
                       const billing_cycle& cycle, std::span<const usage_record* const> records,
                       std::span<const charged_pass> charged_before = {});

namespace detail {
class cycle_rater;
}

/// One subscriber's cycle rated a record at a time, for live rating (run/live.hpp): the
/// same record loop as rate_cycle, so the events it fires are those rate_cycle fires for the
/// same records. Records must come in (time, id) order and outlive it. A copy is a saved
/// point: rating on from it is rating on from where it was taken. It keeps the state the
/// records left (allowances, thresholds, events, rejects), not their parts: pass charges
/// (decided over the whole cycle) and the finished cycle are rate_cycle's, and live rating
/// closes a cycle by rating its records together (D28).
class cycle_rating {
 public:
  cycle_rating(const rule_plan& plan, const account_history* history, const billing_cycle& cycle);
  cycle_rating(const cycle_rating& other);
  cycle_rating& operator=(const cycle_rating& other);
  cycle_rating(cycle_rating&&) noexcept;
  cycle_rating& operator=(cycle_rating&&) noexcept;
  ~cycle_rating();

  /// Rates r, which comes after every record rated so far in (time, id) order.
  void rate(const usage_record& r);
  /// Events so far: the account log's of the cycle first, then each threshold's as it fired.
  std::span<const event> events() const noexcept;
  /// Records rejected so far, in the order rated.
  std::span<const reject> rejects() const noexcept;

 private:
  std::unique_ptr<detail::cycle_rater> rater_;
};

}  // namespace ratel
