// ratel/dispute.hpp: re-rating a contested bill, line by line, and the double refund (D14).
//
// Concept: a disputed bill (ratel's own bill JSON, or a CSV from another billing system
// with header `subscriber,cycle,product,kind,amount`) is compared with the bill ratel
// recomputes from the catalog, the account log and the usage. Lines are matched by
// (product, kind); where several lines share a key, the smallest disputed amount is
// matched with the smallest recomputed one, and so on; a line with no partner is shown
// with null on the missing side.
//
// The refund (D14, R-REF-01..03): overcharge = the sum over lines of what the disputed
// bill charged beyond the recomputed amount (a disputed line ratel does not have at all is
// compared with 0); undercharges are reported, never billed back. The refund is the
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

/// One line of a disputed bill, with where it was read.
struct disputed_line {
  std::string product;
  line_kind kind = line_kind::usage;
  money amount;
  source_position at;
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

/// A disputed line beside the recomputed one.
struct line_comparison {
  std::string product;
  line_kind kind = line_kind::usage;
  std::optional<money> disputed;
  std::optional<money> recomputed;
  money difference;  ///< disputed - recomputed, a missing side counted as 0
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
  std::vector<line_comparison> lines;
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
