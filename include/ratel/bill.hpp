// ratel/bill.hpp: the bill of one subscriber for one cycle.
//
// Concept: the bill turns a rated cycle into lines a customer (or a dispute desk) reads:
// a fee line per recurring product (saying the days charged when prorated), a pack line
// per one-off order, an allowance line per allowance showing what was drawn (amount 0.00),
// a usage line per (service, country, band, rate) with the quantity charged and the
// amount (usage a pass covers: 0.00, naming the pass), a pass line per chargeable pass day
// or validity naming the day and the country and the records that made it chargeable, and
// credit lines (negative) for offers' returned deposits and bonuses, and adjustment lines for
// closed cycles corrected by late records (D25, adjustment.hpp). Each line's amount is the
// exact sum of its charges rounded once by the catalog's line rounding (D2: 0.01 half-up),
// except that a product's usage lines are rounded together (D18, round_as_group in
// money.hpp): they add up to their exact sum rounded, so a 500.00 cap is never billed
// 500.01. The total is the sum of the rounded lines. The writers (JSON, text, CSV) are in
// io/bill_writer.hpp. Line order is fixed (kind, then product or
// service, country, band), so the same input gives the same bytes.
//
//   bill b = make_bill(plan, rate_cycle(plan, history, july, records));
//   fmt::print("{}", bills_to_json({b}));   // ratel/io/bill_writer.hpp
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ratel/adjustment.hpp"
#include "ratel/detail/format.hpp"
#include "ratel/line_kind.hpp"
#include "ratel/points.hpp"
#include "ratel/rater.hpp"

namespace ratel {

struct bill_line {
  std::string product;  ///< product id, or the catalog id for the base tariff
  line_kind kind = line_kind::fee;
  std::string description;
  money amount;  ///< rounded by the catalog's line rounding
  // For allowance and usage lines:
  std::optional<service> svc;
  std::string country;               ///< usage lines: the country code
  std::string band;                  ///< usage lines: the band name
  std::optional<quantity> used;      ///< usage: quantity charged; allowance: quantity drawn
  std::optional<quantity> size;      ///< allowance lines: the allowance's total
  std::string rate;                  ///< usage lines: "0.01 per 1 KB"
  std::vector<std::string> records;  ///< pass lines: the records that made it chargeable
  // For adjustment lines (D25, adjustment.hpp):
  std::optional<date::year_month> corrects;  ///< the closed cycle corrected
  std::optional<line_kind> adjusts;          ///< the kind of its lines the adjustment changes
};

/// An event as the bill shows it: its time printed in the home zone.
struct bill_event {
  std::string time;  ///< RFC 3339 with the home zone's offset at that instant
  event what;
};

struct bill {
  std::string subscriber;
  date::year_month cycle;
  currency money_unit;
  std::vector<bill_line> lines;
  money total;
  std::vector<bill_event> events;
  /// The points ledger's statement for the cycle, when the catalog has a points program.
  std::optional<points_statement> points;
};

/// The spend of a bill for points: its lines of the program's counted kinds (never credits),
/// and its adjustments of a counted kind (D25).
money spend_of(const points_program& program, const bill& b);

/// The lines, total and events of a rated cycle's bill, without points.
bill make_bill(const rule_plan& plan, const rated_cycle& rated);

/// The finished bill of a rated cycle: make_bill, then `adjustments` of closed cycles as
/// lines after all others (D25, in (cycle, product, kind) order), then, when `ledger` is
/// given (the catalog has a points program), the cycle's points statement: the ledger steps
/// through the cycle earning from this bill's spend (D7), and a refused redemption joins the
/// events, which stay in time order. Every run finishes its bills here (through
/// account_biller, biller.hpp), so a bill is the same whichever run made it.
bill finish_bill(const rule_plan& plan, const rated_cycle& rated, points_ledger* ledger,
                 std::span<const adjustment> adjustments = {});

}  // namespace ratel
