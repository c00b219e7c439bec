// Dispute reports written as JSON (DESIGN 4.4) and text (see io/dispute_report.hpp).
#include "ratel/io/dispute_report.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ratel {
namespace {

std::string amount_text(const money& m) {
  return m.to_string();
}

nlohmann::ordered_json report_json(const dispute_report& r) {
  using nlohmann::ordered_json;
  ordered_json j;
  j["subscriber"] = r.subscriber;
  j["cycle"] = to_string(r.cycle);
  j["currency"] = std::string(r.money_unit.code());
  ordered_json lines = ordered_json::array();
  for (const line_comparison& c : r.lines) {
    ordered_json l;
    l["product"] = c.product;
    l["kind"] = std::string(to_string(c.kind));
    l["disputed"] = c.disputed ? ordered_json(amount_text(*c.disputed)) : ordered_json(nullptr);
    l["recomputed"] =
        c.recomputed ? ordered_json(amount_text(*c.recomputed)) : ordered_json(nullptr);
    l["difference"] = amount_text(c.difference);
    lines.push_back(std::move(l));
  }
  j["lines"] = std::move(lines);
  j["disputed_total"] = amount_text(r.disputed_total);
  j["recomputed_total"] = amount_text(r.recomputed_total);
  j["overcharge"] = amount_text(r.overcharge);
  j["undercharge"] = amount_text(r.undercharge);
  ordered_json f;
  f["principal"] = amount_text(r.refund_due.principal);
  f["double_part"] = amount_text(r.refund_due.double_part);
  f["total"] = amount_text(r.refund_due.total);
  f["form"] = r.refund_due.form;
  f["credited_now"] = amount_text(r.refund_due.credited_now);
  f["pending_verification"] = amount_text(r.refund_due.pending_verification);
  j["refund"] = std::move(f);
  return j;
}

}  // namespace

std::string reports_to_json(const std::vector<dispute_report>& reports) {
  if (reports.size() == 1) return report_json(reports[0]).dump(2) + "\n";
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const dispute_report& r : reports) all.push_back(report_json(r));
  return all.dump(2) + "\n";
}

std::string reports_to_text(const std::vector<dispute_report>& reports) {
  std::string out;
  for (const dispute_report& r : reports) {
    if (!out.empty()) out += "\n";
    out += fmt::format("Dispute of the bill of {} for {} ({})\n", r.subscriber, to_string(r.cycle),
                       r.money_unit.code());
    out += fmt::format("  {:<10} {:<16} {:>12} {:>12} {:>12}\n", "kind", "product", "disputed",
                       "recomputed", "difference");
    for (const line_comparison& c : r.lines)
      out +=
          fmt::format("  {:<10} {:<16} {:>12} {:>12} {:>12}\n", to_string(c.kind), c.product,
                      c.disputed ? amount_text(*c.disputed) : "-",
                      c.recomputed ? amount_text(*c.recomputed) : "-", amount_text(c.difference));
    out += fmt::format("  {:<27} {:>12} {:>12}\n", "total", amount_text(r.disputed_total),
                       amount_text(r.recomputed_total));
    out += fmt::format("  overcharged {}, undercharged {} (reported, not billed back)\n",
                       amount_text(r.overcharge), amount_text(r.undercharge));
    const refund& f = r.refund_due;
    out += fmt::format(
        "  refund {} as account credit: principal {} + double part {}; credited now {}, pending "
        "verification {}\n",
        amount_text(f.total), amount_text(f.principal), amount_text(f.double_part),
        amount_text(f.credited_now), amount_text(f.pending_verification));
  }
  return out;
}

}  // namespace ratel
