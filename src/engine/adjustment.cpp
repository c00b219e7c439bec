// Adjustments of a closed cycle (see adjustment.hpp).
#include "ratel/adjustment.hpp"

#include <tuple>

#include "ratel/bill.hpp"

namespace ratel {

std::vector<adjustment> adjustments_between(const bill* was, const bill& now) {
  // Sums of line amounts per (product, kind): now's added, was's taken away. Adjustment
  // lines of the bills themselves (the cycle's own corrections of earlier cycles) are
  // not re-rated: they came from other cycles' records.
  std::map<std::pair<std::string, line_kind>, money> difference;
  auto add = [&](const bill& b, bool taken_away) {
    for (const bill_line& line : b.lines) {
      if (line.kind == line_kind::adjustment) continue;
      auto [it, fresh] =
          difference.try_emplace({line.product, line.kind}, money::zero(now.money_unit));
      it->second += taken_away ? -line.amount : line.amount;
    }
  };
  add(now, false);
  if (was != nullptr) add(*was, true);
  std::vector<adjustment> out;
  for (const auto& [key, amount] : difference)
    if (!amount.is_zero()) out.push_back({now.cycle, key.first, key.second, amount});
  return out;
}

}  // namespace ratel
