// ratel/dispute.hpp: re-rating a contested bill, line by line, and the double refund (D14).
//
// Concept: a disputed bill (ratel's own bill JSON or CSV, or a CSV from another billing
// system with header `subscriber,cycle,product,kind,amount` and optionally `service`,
// `band`, `country`) is compared with the bill ratel recomputes from the catalog, the
// account log and the usage. Lines are compared in groups, never pair by pair (D19): a
// group's key is (product, kind), refined by service, band and country wherever the
// disputed bill gives them (for a (product, kind), a part refines it when every disputed
// line of that (product, kind) gives it; an empty value is a value: "no country"). Each
// side's lines in a group are summed, so however either system splits a charge into
// lines, the group compares the same totals.
//
// The refund (D14, D19, R-REF-01..03): a group's overcharge is max(0, disputed -
// recomputed), its undercharge max(0, recomputed - disputed); a disputed group ratel has no
// line for is overcharged in full. Overcharges of groups are added; undercharges are
// reported, never billed back, and never offset an overcharge. The refund is the
// principal (the overcharge) plus an equal double part, 2 x overcharge in all, always as
// account credit, never cash. When it is credited: with `verified` all of it now;
// with `pre_refund` and not verified, the principal now and the double part pending
// verification; with neither, all of it pending verification (R-REF-02: the back office
// verifies before anything is paid).
//
// Reading disputed bills is io/disputed_bill.hpp; writing reports, io/dispute_report.hpp.
//
//   auto disputed = read_disputed_bills("disputed.csv", plan);   // ratel/io/disputed_bill.hpp
//   dispute_report r = compare(disputed[0], recomputed_bill, {.pre_refund = true});
//   // r.refund_due.credited_now == r.overcharge, r.refund_due.pending_verification == r.overcharge
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ratel/bill.hpp"

namespace ratel {

/// One line of a disputed bill, with where it was read. The refinements are present when
/// the bill gives them (a CSV column, a JSON key), empty text meaning "none".
struct disputed_line {
  std::string product;
  line_kind kind = line_kind::usage;
  money amount;
  source_position at;
  std::optional<std::string> service;  ///< "data", "voice", ...
  std::optional<std::string> band;     ///< "peak", ...
  std::optional<std::string> country;  ///< "CN", ...
};

/// A bill as the customer received it.
struct disputed_bill {
  std::string subscriber;
  date::year_month cycle;
  currency money_unit;
  std::vector<disputed_line> lines;
  source_position at;
};

/// When the refund is credited (see the file comment).
struct refund_policy {
  bool pre_refund = false;  ///< R-REF-03: the principal at once, before verification
  bool verified = false;    ///< R-REF-02: the back office verified the overcharge
};

/// One group's sums side by side (DESIGN 4.4's `lines`: one per group since D19).
struct line_comparison {
  std::string product;
  line_kind kind = line_kind::usage;
  std::optional<money> disputed;    ///< the sum of the group's disputed lines; none: no line
  std::optional<money> recomputed;  ///< the sum of its recomputed lines; none: no line
  money difference;                 ///< disputed - recomputed, a missing side counted as 0
};

/// A line of ratel's bill as a group shows it.
struct recomputed_line {
  std::string description;
  money amount;
};

/// One group of D19: its key, the lines of each side that went into it, and the result.
struct dispute_group {
  std::string product;
  line_kind kind = line_kind::usage;
  std::optional<std::string> service;  ///< present when the group is refined by it
  std::optional<std::string> band;
  std::optional<std::string> country;
  std::vector<disputed_line> disputed_lines;
  std::vector<recomputed_line> recomputed_lines;
  money disputed;     ///< sum of disputed_lines
  money recomputed;   ///< sum of recomputed_lines
  money overcharge;   ///< max(0, disputed - recomputed)
  money undercharge;  ///< max(0, recomputed - disputed)
};

struct refund {
  money principal;
  money double_part;
  money total;
  std::string form = "account_credit";  ///< never cash (R-REF-02, F3:L38 TF#15)
  money credited_now;
  money pending_verification;
};

/// DESIGN 4.4.
struct dispute_report {
  std::string subscriber;
  date::year_month cycle;
  currency money_unit;
  std::vector<line_comparison> lines;  ///< one per group, in the order of `groups`
  std::vector<dispute_group> groups;   ///< in order of first appearance: disputed, then ratel's
  money disputed_total;
  money recomputed_total;
  money overcharge;
  money undercharge;
  refund refund_due;
};

/// Compares a disputed bill with ratel's bill of the same subscriber and cycle. Throws
/// input_error (at the disputed bill, field `amount`) when its amounts are so large that
/// a total or the double refund would overflow money.
dispute_report compare(const disputed_bill& disputed, const bill& recomputed, refund_policy policy);

}  // namespace ratel
