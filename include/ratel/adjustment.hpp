// ratel/adjustment.hpp: a closed cycle corrected on a later bill (D25).
//
// Concept: a closed cycle's bill is never rewritten. When records of a closed cycle arrive
// late, the cycle is rated again with them (run/late_records.hpp); what that changes on its
// bill goes on the bill of the open cycle as adjustment lines, one per product and kind of
// line changed, each naming the cycle it corrects. An adjustment is spend of the cycle that
// bills it: the points program counts it when it counts the kind it adjusts (D25, D7).
//
//   std::vector<adjustment> a = adjustments_between(&july_as_billed, july_with_late_records);
//   account_biller(plan, history, &after_july).bill(august, august_records, a);   // biller.hpp
#pragma once

#include <map>
#include <string>
#include <vector>

#include <date/date.h>

#include "ratel/line_kind.hpp"
#include "ratel/money.hpp"

namespace ratel {

struct bill;

/// What a late record changes on a closed cycle's bill, for one product and kind of line.
struct adjustment {
  date::year_month corrects;  ///< the closed cycle
  std::string product;        ///< the product of the lines changed (the catalog id: base)
  line_kind adjusts = line_kind::usage;  ///< the kind of the lines changed
  money amount;                          ///< the bill re-rated minus the bill as closed
};

/// Adjustments by subscriber.
using adjustment_book = std::map<std::string, std::vector<adjustment>, std::less<>>;

/// The differences from `was` (the bill as the cycle was closed, or null if it had none)
/// to `now` (its bill rated with the late records), per (product, kind), without the zero
/// ones, in (product, kind) order. Both are bills of the same subscriber and cycle.
std::vector<adjustment> adjustments_between(const bill* was, const bill& now);

}  // namespace ratel
