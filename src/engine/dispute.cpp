// dispute: comparing a disputed bill with the recomputed one, and the refund (see
// dispute.hpp). Reading disputed bills is in src/io/disputed_bill.cpp, writing reports in
// src/io/dispute_report.cpp.
#include "ratel/dispute.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace ratel {

namespace {

dispute_report compare_lines(const disputed_bill& disputed, const bill& recomputed,
                             refund_policy policy) {
  const currency unit = recomputed.money_unit;
  const money zero = money::zero(unit);
  dispute_report r;
  r.subscriber = disputed.subscriber;
  r.cycle = disputed.cycle;
  r.money_unit = unit;
  // Group both sides by (product, kind), each group's amounts in ascending order.
  std::map<std::pair<std::string, line_kind>, std::pair<std::vector<money>, std::vector<money>>>
      groups;
  std::vector<std::pair<std::string, line_kind>>
      order;  // first appearance: disputed, then recomputed
  auto group = [&](const std::string& product, line_kind kind) -> auto& {
    auto key = std::pair(product, kind);
    auto [it, fresh] = groups.try_emplace(key);
    if (fresh) order.push_back(key);
    return it->second;
  };
  r.disputed_total = zero;
  for (const disputed_line& l : disputed.lines) {
    group(l.product, l.kind).first.push_back(l.amount);
    r.disputed_total += l.amount;
  }
  for (const bill_line& l : recomputed.lines) group(l.product, l.kind).second.push_back(l.amount);
  r.recomputed_total = recomputed.total;
  r.overcharge = zero;
  r.undercharge = zero;
  for (const auto& key : order) {
    auto& [theirs, ours] = groups[key];
    std::sort(theirs.begin(), theirs.end());
    std::sort(ours.begin(), ours.end());
    for (std::size_t i = 0; i < std::max(theirs.size(), ours.size()); ++i) {
      line_comparison c;
      c.product = key.first;
      c.kind = key.second;
      if (i < theirs.size()) c.disputed = theirs[i];
      if (i < ours.size()) c.recomputed = ours[i];
      // A recomputed line of 0.00 that the disputed bill did not show (an allowance drawn)
      // disputes nothing: leave it out.
      if (!c.disputed && c.recomputed->is_zero()) continue;
      c.difference = c.disputed.value_or(zero) - c.recomputed.value_or(zero);
      if (c.difference.is_negative())
        r.undercharge -= c.difference;
      else
        r.overcharge += c.difference;
      r.lines.push_back(std::move(c));
    }
  }
  refund& f = r.refund_due;
  f.principal = r.overcharge;
  f.double_part = r.overcharge;
  f.total = r.overcharge * 2;
  if (policy.verified) {
    f.credited_now = f.total;
    f.pending_verification = zero;
  } else if (policy.pre_refund) {
    f.credited_now = f.principal;
    f.pending_verification = f.double_part;
  } else {
    f.credited_now = zero;
    f.pending_verification = f.total;
  }
  return r;
}

}  // namespace

dispute_report compare(const disputed_bill& disputed, const bill& recomputed,
                       refund_policy policy) {
  try {
    return compare_lines(disputed, recomputed, policy);
  } catch (const money_error& e) {
    // Each disputed amount is exact money, but their sum or the double refund need not
    // be: a bill claiming 5,000,000,000,000.00 is refunded twice that, past the range.
    // That is a bad disputed bill (exit 1), not a crash of `ratel rerate`.
    throw input_error(
        disputed.at, "amount",
        fmt::format("the disputed amounts are too large to total and refund twice: {}", e.what()));
  }
}

}  // namespace ratel
