// tests/fuzz/fuzz_dispute.cpp: libFuzzer target for the disputed-bill readers
// (dispute.hpp): ratel's bill JSON and the `subscriber,cycle,product,kind,amount` CSV of
// other billing systems (the first character picks the format, so one target covers
// both; the seed corpus holds both kinds).
//
// A disputed bill is read against the shipped cmcc-2012 catalog, as `ratel rerate` does.
// Only an input_error may refuse it. Every bill that is read is then compared, as the
// dispute desk would, and the reports are written; checks beyond "no crash":
//  - every bill and line has a subscriber, a source position and the catalog's currency;
//  - compared with a recomputed bill that has no lines (D19): every disputed line is in
//    exactly one group, each group's sum is its lines', overcharge - undercharge is the
//    sum of all lines, the overcharge is the groups' and at most the lines above zero,
//    and the refund is the principal (= overcharge) plus an equal double part;
//  - compared with a recomputed bill holding exactly its own lines (refinements left out,
//    as the recomputed side has them from its own lines), nothing differs.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "ratel/dispute.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/dispute_report.hpp"
#include "ratel/io/disputed_bill.hpp"
#include "ratel/rules.hpp"

namespace {

const ratel::rule_plan& shipped_plan() {
  static const ratel::rule_plan plan =
      ratel::rule_plan::compile(ratel::load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  return plan;
}

ratel::bill recomputed_with(const ratel::disputed_bill& d, bool same_lines) {
  ratel::bill b;
  b.subscriber = d.subscriber;
  b.cycle = d.cycle;
  b.money_unit = d.money_unit;
  b.total = ratel::money::zero(d.money_unit);
  if (same_lines) {
    for (const ratel::disputed_line& l : d.lines) {
      ratel::bill_line line;
      line.product = l.product;
      line.kind = l.kind;
      line.amount = l.amount;
      b.total += l.amount;
      b.lines.push_back(std::move(line));
    }
  }
  return b;
}

void check_bill(const ratel::disputed_bill& d, const ratel::rule_plan& plan) {
  const ratel::money zero = ratel::money::zero(d.money_unit);
  RATEL_FUZZ_CHECK(!d.subscriber.empty(), "a disputed bill without a subscriber");
  RATEL_FUZZ_CHECK(d.money_unit == plan.source().money_unit, "a disputed bill in another currency");
  RATEL_FUZZ_CHECK(d.at.line >= 1 && !d.at.file.empty(), "a disputed bill without a position");
  ratel::money above = zero, net = zero;
  for (const ratel::disputed_line& l : d.lines) {
    RATEL_FUZZ_CHECK(l.at.line >= 1 && !l.at.file.empty(), "a disputed line without a position");
    RATEL_FUZZ_CHECK(l.amount.unit() == d.money_unit, "a disputed line in another currency");
    if (!l.amount.is_negative()) above += l.amount;
    net += l.amount;
  }

  const ratel::dispute_report against_nothing = ratel::compare(d, recomputed_with(d, false), {});
  std::size_t grouped = 0;
  ratel::money groups_over = zero;
  for (const ratel::dispute_group& g : against_nothing.groups) {
    ratel::money sum = zero;
    for (const ratel::disputed_line& l : g.disputed_lines) sum += l.amount;
    RATEL_FUZZ_CHECK(sum == g.disputed, "a group's sum is not its lines'");
    grouped += g.disputed_lines.size();
    groups_over += g.overcharge;
  }
  RATEL_FUZZ_CHECK(grouped == d.lines.size(), "a disputed line is in no group, or in two");
  RATEL_FUZZ_CHECK(groups_over == against_nothing.overcharge, "overcharge is not the groups'");
  RATEL_FUZZ_CHECK(against_nothing.overcharge - against_nothing.undercharge == net,
                   "overcharge - undercharge is not the sum of the lines");
  RATEL_FUZZ_CHECK(against_nothing.overcharge <= above, "overcharge above the lines above zero");
  const ratel::refund& f = against_nothing.refund_due;
  const ratel::money over = against_nothing.overcharge;
  RATEL_FUZZ_CHECK(f.principal == over && f.double_part == over && f.total == over + over,
                   "the refund is not the overcharge twice");
  RATEL_FUZZ_CHECK(f.credited_now + f.pending_verification == f.total,
                   "credited + pending != total");

  ratel::disputed_bill plain = d;
  for (ratel::disputed_line& l : plain.lines) l.service = l.band = l.country = std::nullopt;
  const ratel::dispute_report against_itself =
      ratel::compare(plain, recomputed_with(plain, true), {.verified = true});
  RATEL_FUZZ_CHECK(against_itself.overcharge.is_zero() && against_itself.undercharge.is_zero() &&
                       against_itself.refund_due.total.is_zero(),
                   "a bill compared with itself differs");
  (void)ratel::reports_to_json({against_nothing, against_itself});
  (void)ratel::reports_to_text({against_nothing, against_itself});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ratel::rule_plan& plan = shipped_plan();
  ratel::fuzz::accepts([&] {
    const std::vector<ratel::disputed_bill> bills =
        ratel::parse_disputed_bills(text, "fuzz.bill", plan);
    for (const ratel::disputed_bill& d : bills) check_bill(d, plan);
  });
  return 0;
}
