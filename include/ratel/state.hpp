// ratel/state.hpp: what one cycle of an account hands the next (D24).
//
// Concept: rating a cycle needs, besides the cycle's own records and the account log, a
// little of what earlier cycles did: the points ledger (cohorts not yet used or expired,
// points earned but not yet credited) and the pass charges already made whose pass can
// still be used (so a 7-day pass used in two months is charged once per country, D23).
// That is the carried state: plain data, handed from one cycle to the next by the biller
// (biller.hpp), and kept between runs by whoever closes cycles (a store, a backend's own
// database, through the JSON of io/carried_state_json.hpp). Rating cycles one at a time,
// each from the state the last one left, gives the same bills as one run over them all.
//
// What is not here, because the account log says it again in every run: products held,
// free windows used, deposits and their credit schedules, the join date.
//
//   account_biller biller(plan, history, &state_after_july);   // biller.hpp
//   biller.bill(august, august_records);
//   carried_state after_august = biller.carried();
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

#include "ratel/points.hpp"
#include "ratel/time.hpp"

namespace ratel {

/// A pass charge already on a bill (D23), remembered while the pass can still be used, so
/// that no later cycle charges the same day or country again. The order it belongs to is
/// named by the product and the instant it was ordered, which stay the same in every run.
struct charged_pass {
  std::string product;   ///< the pass's product id
  instant ordered;       ///< the account-log time of its subscribe line
  date::local_days day;  ///< the day charged, or the first day of the validity (per_country)
  std::string country;   ///< the country charged for; empty for a per_day pass
  auto operator<=>(const charged_pass&) const = default;
};

/// One account's state at the end of a cycle.
struct carried_state {
  /// The serialisation's version; a reader refuses any other (io/carried_state_json.hpp).
  static constexpr int format_version = 1;
  std::string subscriber;
  date::year_month after;              ///< the last cycle rated: the state holds at its end
  std::optional<points_carry> points;  ///< when the catalog has a points program (D7)
  std::vector<charged_pass> passes;    ///< sorted; only passes still usable after `after`
  bool operator==(const carried_state&) const = default;
};

/// Carried states by subscriber.
using carried_book = std::map<std::string, carried_state, std::less<>>;

/// One account's open cycle as live rating holds it (run/live.hpp, D28): where it started,
/// the records so far, and the events already sent, which are never sent again. Saved and
/// restored through io/carried_state_json.hpp, so a worker that stops goes on where its
/// last saved state was.
struct open_cycle_state {
  static constexpr int format_version = 1;
  std::string subscriber;
  date::year_month cycle;
  std::optional<carried_state> from;  ///< the state the cycle before left; none: afresh
  /// The records so far in (time, id) order, each a usage row of io/usage_csv.hpp's
  /// usage_csv_header columns (usage_row_to_csv), with the line it was given.
  std::vector<std::string> rows;
  std::vector<std::uint32_t> lines;
  std::vector<std::string> events_sent;  ///< the ids (live.hpp) of the events returned, sorted
  bool operator==(const open_cycle_state&) const = default;
};

}  // namespace ratel
