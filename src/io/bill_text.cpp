// Bills as text for people (see io/bill_writer.hpp).
#include "ratel/io/bill_writer.hpp"

#include <fmt/format.h>

#include "io/amount_text.hpp"

namespace ratel {

std::string bill_to_text(const bill& b) {
  std::string out =
      fmt::format("Bill {} for {} ({})\n", b.subscriber, to_string(b.cycle), b.money_unit.code());
  for (const bill_line& l : b.lines)
    out += fmt::format("  {:<10} {:<14} {:<70} {:>12}\n", to_string(l.kind), l.product,
                       l.description, amount(l.amount));
  out += fmt::format("  {:<96} {:>12}\n", "total", amount(b.total));
  if (b.points)
    out += fmt::format(
        "  points: earned {}, credited {}, redeemed {}, expired {}, forfeited {}, balance {}\n",
        b.points->earned, b.points->credited, b.points->redeemed, b.points->expired,
        b.points->forfeited, b.points->balance);
  for (const bill_event& e : b.events)
    out += fmt::format(
        "  event {} {:<15} {:<14} {}{}\n", e.time, to_string(e.what.kind), e.what.product,
        e.what.record.empty() ? "" : "record " + e.what.record + ": ", e.what.reason);
  return out;
}

std::string bills_to_text(const std::vector<bill>& bills) {
  std::string out;
  for (const bill& b : bills) {
    if (!out.empty()) out += "\n";
    out += bill_to_text(b);
  }
  return out;
}

}  // namespace ratel
