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
  // D19: each group with its key and the lines of each side that went into it.
  ordered_json groups = ordered_json::array();
  for (const dispute_group& g : r.groups) {
    ordered_json o;
    o["product"] = g.product;
    o["kind"] = std::string(to_string(g.kind));
    if (g.service) o["service"] = *g.service;
    if (g.band) o["band"] = *g.band;
    if (g.country) o["country"] = *g.country;
    ordered_json theirs = ordered_json::array();
    for (const disputed_line& l : g.disputed_lines) {
      ordered_json x;
      x["amount"] = amount_text(l.amount);
      x["line"] = l.at.line;  // of the disputed bill file
      theirs.push_back(std::move(x));
    }
    ordered_json ours = ordered_json::array();
    for (const recomputed_line& l : g.recomputed_lines) {
      ordered_json x;
      x["description"] = l.description;
      x["amount"] = amount_text(l.amount);
      ours.push_back(std::move(x));
    }
    o["disputed_lines"] = std::move(theirs);
    o["recomputed_lines"] = std::move(ours);
    o["disputed"] = amount_text(g.disputed);
    o["recomputed"] = amount_text(g.recomputed);
    o["overcharge"] = amount_text(g.overcharge);
    o["undercharge"] = amount_text(g.undercharge);
    groups.push_back(std::move(o));
  }
  j["groups"] = std::move(groups);
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

// A group's charge in words: "cmcc-2012 usage, voice, CN, peak".
std::string charge_of(const dispute_group& g) {
  std::string text = fmt::format("{} {}", g.product, to_string(g.kind));
  for (const std::optional<std::string>& part : {g.service, g.country, g.band})
    if (part && !part->empty()) text += ", " + *part;
  return text;
}

std::string reports_to_text(const std::vector<dispute_report>& reports) {
  std::string out;
  for (const dispute_report& r : reports) {
    if (!out.empty()) out += "\n";
    out += fmt::format("Dispute of the bill of {} for {} ({})\n", r.subscriber, to_string(r.cycle),
                       r.money_unit.code());
    out += fmt::format("  {:<36} {:>12} {:>12} {:>12}\n", "charge", "billed", "should be",
                       "difference");
    for (const dispute_group& g : r.groups) {
      out += fmt::format("  {:<36} {:>12} {:>12} {:>12}\n", charge_of(g),
                         g.disputed_lines.empty() ? "-" : amount_text(g.disputed),
                         g.recomputed_lines.empty() ? "-" : amount_text(g.recomputed),
                         amount_text(g.disputed - g.recomputed));
      for (const disputed_line& l : g.disputed_lines)
        out += fmt::format("      billed {} (line {} of the disputed bill)\n",
                           amount_text(l.amount), l.at.line);
      for (const recomputed_line& l : g.recomputed_lines)
        out += fmt::format("      should be {} ({})\n", amount_text(l.amount), l.description);
    }
    out += fmt::format("  {:<36} {:>12} {:>12}\n", "total", amount_text(r.disputed_total),
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
