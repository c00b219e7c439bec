// explain: bill lines back to their records and rules (see explain.hpp).
#include "ratel/run/explain.hpp"

#include "ratel/biller.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include <fmt/format.h>

namespace ratel {
namespace {

class explainer {
 public:
  explainer(const rule_plan& plan, const rated_cycle& rated, const bill& b)
      : plan_(plan), rated_(rated), bill_(b), cat_(plan.source()) {}

  std::string whole() {
    header();
    fees();
    allowances();
    usage();
    passes();
    credits();
    adjustments();
    total();
    points();
    events();
    return out_;
  }

  std::string record(std::string_view id) {
    const rated_record* r = find(id);
    if (r == nullptr) return {};
    header();
    path(*r);
    return out_;
  }

 private:
  std::string time(instant t) const { return format_rfc3339(t, plan_.home_zone().offset_at(t)); }

  // A record's time in the home zone, and as the network wrote it when its offset differs
  // (a roaming record written at +01:00 is still rated and banded in the home zone, D17).
  std::string time(const usage_record& u) const {
    const std::chrono::seconds written = std::chrono::minutes{u.written_offset_minutes};
    const std::chrono::seconds home = plan_.home_zone().offset_at(u.time);
    if (std::chrono::duration_cast<std::chrono::minutes>(home) == written) return time(u.time);
    return fmt::format("{} (written {})", time(u.time), format_rfc3339(u.time, written));
  }

  // The events record r fired between its parts before and at `part`: thresholds crossed,
  // an accelerator's volume starting or ending (D8).
  std::vector<const event*> crossed_at(const rated_record& r, std::size_t part) const {
    std::vector<const event*> found;
    for (const event& e : rated_.events)
      if (e.record == r.record->id && e.parts_before == part) found.push_back(&e);
    return found;
  }

  // Two neighbouring parts of a record rated alike: the same allowance, or the same rate
  // with or without the same cap. Only a threshold can have split them.
  static bool rated_alike(const charge_part& a, const charge_part& b) {
    return a.from == b.from && a.bucket == b.bucket && a.rate == b.rate &&
           a.rate_owner == b.rate_owner && a.waived() == b.waived();
  }

  static std::string what_split(const event& e) {
    if (!e.threshold.empty()) return fmt::format("threshold {}", e.threshold);
    return fmt::format("{} of {}", e.kind, e.product);
  }

  // For a part listed under a bill line: ", split from the part above by threshold X" when
  // the part before it in its record is on the same line and a threshold split them.
  std::string split_note(const rated_record& r, std::size_t part) const {
    const std::span<const charge_part> parts = rated_.parts_of(r);
    if (part == 0 || !rated_alike(parts[part - 1], parts[part])) return {};
    std::vector<std::string> names;
    for (const event* e : crossed_at(r, part)) names.push_back(what_split(*e));
    if (names.empty()) return {};
    return fmt::format(" (split from the part above by {})", fmt::join(names, ", "));
  }

  // What the total adds: each amount in the order its line was printed.
  void shown(const money& amount) { shown_.push_back(amount); }
  std::string id_of(std::size_t product) const { return plan_.product_at(product).source->id; }

  const rated_record* find(std::string_view id) const {
    for (const rated_record& r : rated_.records)
      if (r.record->id == id) return &r;
    return nullptr;
  }

  void header() {
    out_ += fmt::format("Bill of {} for {}, catalog {} ({}), amounts in {}\n", bill_.subscriber,
                        to_string(bill_.cycle), cat_.id,
                        std::filesystem::path(cat_.source_file).filename().string(),
                        bill_.money_unit.code());
    out_ += fmt::format(
        "Cycle [{}, {}). {} records rated, {} rejected. Each line is the exact sum of its parts, "
        "rounded once to {} decimals {} (D2), a product's usage lines together (D18); the total "
        "is the sum of the lines. Dn names a "
        "decision of docs/decisions.md in ratel's sources.\n",
        time(rated_.cycle.start), time(rated_.cycle.end), rated_.records.size(),
        rated_.rejects.size(), cat_.line_places, cat_.line_rounding);
  }

  void fees() {
    for (const fee_due& f : rated_.fees) {
      const product& p = *plan_.product_at(f.product).source;
      shown(round(f.amount));
      if (f.basis == fee_basis::per_order) {
        out_ += fmt::format("\npack  {}  {}: one-off fee {} per order (catalog line {})\n", p.id,
                            round(f.amount), p.fee, p.defined_at.line);
        continue;
      }
      out_ += fmt::format("\nfee   {}  {}: {} per cycle (catalog line {})", p.id, round(f.amount),
                          p.fee, p.defined_at.line);
      if (f.share.whole())
        out_ +=
            fmt::format(", charged on {} of {} days: the whole fee\n", f.active_days, f.cycle_days);
      else
        out_ += fmt::format(
            ", charged on {} of {} days: {} x {}/{} ({}) = {}, rounded to {} decimals {}\n",
            f.active_days, f.cycle_days, p.fee, f.share.numerator, f.share.denominator,
            p.proration.fee, mul_div(p.fee, f.share.numerator, f.share.denominator, rounding::down),
            p.proration.fee_places, p.proration.fee_rounding);
    }
  }

  void allowances() {
    for (std::size_t k = 0; k < rated_.buckets.size(); ++k) {
      const bucket& b = rated_.buckets[k];
      const allowance& a = plan_.product_at(b.product).source->allowances[b.allowance];
      out_ += fmt::format(
          "\nallowance  {}  0.00: {} {} {} (catalog line {}), valid [{}, {}), {} drawn:\n",
          id_of(b.product), b.initial, a.svc, a.where.describe(), a.defined_at.line,
          time(b.valid_from), time(b.valid_until), b.initial - b.remaining);
      shown(money::zero(bill_.money_unit));
      for (const rated_record& r : rated_.records) {
        const std::span<const charge_part> parts = rated_.parts_of(r);
        for (std::size_t j = 0; j < parts.size(); ++j)
          if (parts[j].from == charge_part::source::allowance && parts[j].bucket == k)
            out_ += fmt::format("    {}  {}  {}{}\n", r.record->id, time(*r.record),
                                parts[j].amount, split_note(r, j));
      }
    }
  }

  void usage() {
    // One group per bill usage line, keyed as the bill orders them (bill.cpp): service,
    // roaming, country, band, the rate's owner and place in the catalog, waived by a cap.
    struct group {
      std::vector<std::pair<const rated_record*, std::size_t>> parts;  // (record, part index)
      money sum, uncapped;
      money rounded;  // the line's amount: rounded with its product's other usage lines (D18)
    };
    std::map<std::tuple<service, bool, std::string, band_id, std::string, std::uint32_t,
                        std::uint32_t, bool>,
             group>
        groups;
    for (const rated_record& r : rated_.records) {
      const std::span<const charge_part> parts = rated_.parts_of(r);
      for (std::size_t j = 0; j < parts.size(); ++j) {
        const charge_part& p = parts[j];
        if (p.from != charge_part::source::rate) continue;
        const money zero = money::zero(bill_.money_unit);
        auto key = std::tuple(
            r.record->svc, r.country != plan_.home_country(), plan_.country_code(r.country), r.band,
            p.rate_owner ? id_of(*p.rate_owner) : cat_.id, p.rate->source->defined_at.line,
            p.rate->source->defined_at.column, p.waived());
        auto [it, fresh] = groups.try_emplace(key, group{{}, zero, zero, zero});
        it->second.parts.emplace_back(&r, j);
        it->second.sum += p.charge;
        it->second.uncapped += p.uncapped;
      }
    }
    // D18: each product's lines rounded together, in bill order.
    std::map<std::string, std::vector<group*>> by_product;
    for (auto& [key, g] : groups) by_product[std::get<4>(key)].push_back(&g);
    for (auto& [product_id, lines] : by_product) {
      std::vector<money> exact;
      for (const group* g : lines) exact.push_back(g->sum);
      const std::vector<money> rounded =
          round_as_group(exact, cat_.line_places, cat_.line_rounding);
      for (std::size_t i = 0; i < lines.size(); ++i) lines[i]->rounded = rounded[i];
    }
    for (const auto& [key, g] : groups) {
      const auto& [svc, roaming, country, band_index, owner, line, column, capped] = key;
      const std::string_view band = plan_.band_name(band_index);
      const auto& [first_record, first_index] = g.parts.front();
      const charge_part& first = rated_.parts_of(*first_record)[first_index];
      out_ += fmt::format("\nusage  {}  {}: {} in {}, {} band, at {} per {} (catalog line {}){}:\n",
                          owner, g.rounded, svc, country, band, first.rate->source->price,
                          first.rate->source->per, line, capped ? ", reduced by a cap" : "");
      for (const auto& [r, j] : g.parts) {
        const charge_part& p = rated_.parts_of(*r)[j];
        out_ += fmt::format("    {}  {}  {} = {} x {}{}{}\n", r->record->id, time(*r->record),
                            p.amount, p.units, p.rate->price_per_increment,
                            p.capped ? fmt::format(" = {} capped to {}", p.uncapped, p.charge)
                                     : fmt::format(" = {}", p.charge),
                            split_note(*r, j));
      }
      const std::vector<group*>& siblings = by_product.at(owner);
      if (siblings.size() == 1)
        out_ += fmt::format("    sum {} rounded to {} decimals {} = {}\n", g.sum, cat_.line_places,
                            cat_.line_rounding, g.rounded);
      else
        out_ += fmt::format("    sum {}, rounded with {}'s other usage lines = {} (D18, below)\n",
                            g.sum, owner, g.rounded);
      shown(g.rounded);
      if (siblings.size() > 1 && siblings.back() == &g) group_rounding(owner, siblings);
    }
    // Covered by a pass: nothing beyond the pass charge.
    for (const rated_record& r : rated_.records)
      for (const charge_part& p : rated_.parts_of(r))
        if (p.from == charge_part::source::pass) {
          out_ += fmt::format("\ncovered  {}  0.00: {} {} in {} at {} covered by the pass\n",
                              id_of(*p.rate_owner), r.record->id, p.amount,
                              plan_.country_code(r.country), time(*r.record));
          shown(money::zero(bill_.money_unit));
        }
  }

  // D18, for a product with several usage lines: their exact sum rounded once, each line
  // rounded down, and the fen left over given to the largest remainders.
  template <typename Group>
  void group_rounding(const std::string& owner, const std::vector<Group*>& lines) {
    money exact = money::zero(bill_.money_unit), floors = exact, rounded = exact;
    std::vector<std::string> terms;
    for (const Group* g : lines) {
      exact += g->sum;
      floors += round_to(g->sum, cat_.line_places, rounding::floor);
      rounded += g->rounded;
      terms.push_back(g->sum.to_string());
    }
    const money left = rounded - floors;
    out_ += fmt::format(
        "\n  {}'s usage lines are rounded together (D18): {} = {}, rounded to {} decimals {} = "
        "{}",
        owner, fmt::join(terms, " + "), exact, cat_.line_places, cat_.line_rounding, rounded);
    if (left.is_zero())
      out_ += ", which the lines rounded down already add up to\n";
    else
      out_ += fmt::format(
          "; the lines rounded down add up to {}, and the {} left goes, {} to a line, to the "
          "lines with the largest remainders (ties to the first in bill order)\n",
          floors, left, money::from_micros(quantum_micros(), left.unit()));
  }

  std::int64_t quantum_micros() const {
    std::int64_t q = 1;
    for (int i = cat_.line_places; i < money::decimals; ++i) q *= 10;
    return q;
  }

  void passes() {
    for (const pass_charge_due& c : rated_.passes) {
      shown(round(c.price));
      out_ += fmt::format("\npass  {}  {}: {} for {}{} in {}, chargeable because of {}\n",
                          id_of(c.product), round(c.price), c.price, to_string(c.day),
                          c.visited_day ? " (local day)" : "", plan_.country_code(c.country),
                          fmt::join(c.records, ", "));
    }
  }

  void credits() {
    for (const credit_due& c : rated_.credits) {
      out_ += fmt::format("\ncredit  {}  -{} deposit, -{} bonus: credit {} of {} at {}\n",
                          id_of(c.product), round(c.deposit_part), round(c.bonus_part), c.number,
                          c.count, time(c.time));
      // The bill has a line for each part that is not zero (bill.hpp).
      if (!c.deposit_part.is_zero()) shown(-round(c.deposit_part));
      if (!c.bonus_part.is_zero()) shown(-round(c.bonus_part));
    }
  }

  // D25: corrections of closed cycles by their late records, as the bill carries them.
  void adjustments() {
    for (const bill_line& line : bill_.lines) {
      if (line.kind != line_kind::adjustment) continue;
      out_ += fmt::format(
          "\nadjustment  {}  {}: cycle {} rated again with records that arrived after it "
          "closed changed its {} lines by {} (D25; explain --cycle {} shows that cycle)\n",
          line.product, line.amount, to_string(*line.corrects), to_string(*line.adjusts),
          line.amount, to_string(*line.corrects));
      shown(line.amount);
    }
  }

  // The amounts in the order they were shown above, so a reader can add them as printed.
  // They are the bill's lines grouped as explained, so they add up to the bill's total.
  void total() {
    money sum = money::zero(bill_.money_unit);
    std::vector<std::string> amounts;
    for (const money& m : shown_) {
      sum += m;
      amounts.push_back(m.to_string());
    }
    if (sum != bill_.total)
      throw std::logic_error(fmt::format("explain shows lines adding to {}, the bill's total is {}",
                                         sum, bill_.total));
    out_ += fmt::format("\ntotal {} = {}\n", bill_.total, fmt::join(amounts, " + "));
  }

  // D7: what the ledger did this cycle; it starts from the carried state given (a store's),
  // or empty, as in `ratel rate` over the same cycle.
  void points() {
    if (!bill_.points) return;
    const points_statement& p = *bill_.points;
    out_ += fmt::format(
        "\npoints (D7): earned {} on this bill (credited at a later cycle start), credited {}, "
        "redeemed {}, expired {}, forfeited {}, balance {}\n",
        p.earned, p.credited, p.redeemed, p.expired, p.forfeited, p.balance);
  }

  void events() {
    if (bill_.events.empty()) return;
    out_ += "\nevents:\n";
    for (const bill_event& e : bill_.events)
      out_ += fmt::format("  {} {} {}{}{}\n", e.time, e.what.kind, e.what.product,
                          e.what.record.empty() ? "" : " at record " + e.what.record,
                          ": " + e.what.reason);
  }

  void path(const rated_record& r) {
    const usage_record& u = *r.record;
    const quantity raw(u.quantity, dimension_of(u.svc));
    out_ += fmt::format(
        "\nrecord {} (line {} of the usage file): {} {} at {} in {}, band {} (start time, D17)\n",
        u.id, u.line, raw, u.svc, time(u), plan_.country_code(r.country), plan_.band_name(r.band));
    out_ += fmt::format("  rounded up to whole {} (D1): {}\n", *plan_.increment(u.svc), r.rated);
    const std::span<const charge_part> parts = rated_.parts_of(r);
    for (std::size_t j = 0; j <= parts.size(); ++j) {
      // The thresholds crossed before this part: where they split the record, and whether
      // that split changed the price or only where the record is cut.
      for (const event* e : crossed_at(r, j)) {
        if (e->threshold.empty())
          out_ += fmt::format("  {} ({}): {}\n", e->kind, e->product, e->reason);
        else
          out_ += fmt::format("  crossed {} ({}): {}\n", e->threshold, e->kind, e->reason);
        if (j > 0 && j < parts.size() && rated_alike(parts[j - 1], parts[j]))
          out_ += fmt::format(
              "    the record is split here by {} alone: the parts before and after are "
              "rated alike\n",
              what_split(*e));
      }
      if (j == parts.size()) break;
      const charge_part& p = parts[j];
      switch (p.from) {
        case charge_part::source::allowance: {
          const bucket& b = rated_.buckets[p.bucket];
          out_ += fmt::format("  {} drawn from {}'s allowance ({} in the cycle)\n", p.amount,
                              id_of(b.product), b.initial);
          break;
        }
        case charge_part::source::rate:
          out_ += fmt::format("  {} charged at {} per {} ({}, catalog line {}): {} x {} = {}{}\n",
                              p.amount, p.rate->source->price, p.rate->source->per,
                              p.rate_owner ? id_of(*p.rate_owner) : cat_.id,
                              p.rate->source->defined_at.line, p.units, p.rate->price_per_increment,
                              p.uncapped, p.capped ? fmt::format(", capped to {}", p.charge) : "");
          break;
        case charge_part::source::pass:
          out_ += fmt::format("  {} covered by {}\n", p.amount, id_of(*p.rate_owner));
          break;
      }
    }
  }

  money round(const money& m) const { return round_to(m, cat_.line_places, cat_.line_rounding); }

  const rule_plan& plan_;
  const rated_cycle& rated_;
  const bill& bill_;
  const catalog& cat_;
  std::string out_;
  std::vector<money> shown_;
};

}  // namespace

std::string explain_bill(const rule_plan& plan, const account_book& accounts,
                         const usage_batch& usage, std::string_view subscriber,
                         const billing_cycle& cycle, std::optional<std::string_view> record,
                         const carried_state* from, std::span<const adjustment> adjustments) {
  const account_history* history = accounts.find(subscriber);
  if (history == nullptr)
    throw input_error({}, "subscriber",
                      fmt::format("\"{}\" is not in the account log", subscriber));
  std::vector<const usage_record*> in_cycle;
  for (const usage_record& r : usage.records())
    if (r.subscriber == subscriber && cycle.contains(r.time)) in_cycle.push_back(&r);
  // The bill as every run makes it (biller.hpp): overflow fallback and points included.
  account_biller biller(plan, history, from);
  const billed_cycle billed = biller.bill(cycle, in_cycle, adjustments);
  if (!billed.finished)
    throw input_error(
        {}, "subscriber",
        fmt::format(
            "\"{}\" has no bill for {}: the account was not open then and has no record in it",
            subscriber, to_string(cycle.month)));
  const rated_cycle& rated = billed.rated;
  const bill& b = *billed.finished;
  explainer e(plan, rated, b);
  if (!record) return e.whole();
  std::string text = e.record(*record);
  if (text.empty())
    throw input_error({}, "record",
                      fmt::format("{} has no rated record \"{}\" in {}", subscriber, *record,
                                  to_string(cycle.month)));
  return text;
}

}  // namespace ratel
