// dispute: comparing a disputed bill with the recomputed one, and the refund (see
// dispute.hpp). Reading disputed bills is in src/io/disputed_bill.cpp, writing reports in
// src/io/dispute_report.cpp.
#include "ratel/dispute.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace ratel {

namespace {

// The parts that refine a (product, kind): those every disputed line of it gives (D19).
struct refinement {
  bool service = true, band = true, country = true;
};

using group_key = std::tuple<std::string, line_kind, std::optional<std::string>,
                             std::optional<std::string>, std::optional<std::string>>;

dispute_report compare_lines(const disputed_bill& disputed, const bill& recomputed,
                             refund_policy policy) {
  const currency unit = recomputed.money_unit;
  const money zero = money::zero(unit);
  dispute_report r;
  r.subscriber = disputed.subscriber;
  r.cycle = disputed.cycle;
  r.money_unit = unit;

  std::map<std::pair<std::string, line_kind>, refinement> refined;
  for (const disputed_line& l : disputed.lines) {
    refinement& by = refined[{l.product, l.kind}];
    by.service = by.service && l.service.has_value();
    by.band = by.band && l.band.has_value();
    by.country = by.country && l.country.has_value();
  }
  // A (product, kind) the disputed bill does not have is compared as one group.
  auto refinement_of = [&](const std::string& product, line_kind kind) {
    auto it = refined.find({product, kind});
    return it == refined.end() ? refinement{false, false, false} : it->second;
  };
  std::map<group_key, std::size_t> index;
  auto group = [&](const std::string& product, line_kind kind, std::optional<std::string> service,
                   std::optional<std::string> band,
                   std::optional<std::string> country) -> dispute_group& {
    const refinement by = refinement_of(product, kind);
    if (!by.service) service.reset();
    if (!by.band) band.reset();
    if (!by.country) country.reset();
    auto [it, fresh] =
        index.try_emplace(group_key{product, kind, service, band, country}, r.groups.size());
    if (fresh) {
      dispute_group g;
      g.product = product;
      g.kind = kind;
      g.service = std::move(service);
      g.band = std::move(band);
      g.country = std::move(country);
      g.disputed = g.recomputed = g.overcharge = g.undercharge = zero;
      r.groups.push_back(std::move(g));
    }
    return r.groups[it->second];
  };

  r.disputed_total = zero;
  for (const disputed_line& l : disputed.lines) {
    dispute_group& g = group(l.product, l.kind, l.service, l.band, l.country);
    g.disputed_lines.push_back(l);
    g.disputed += l.amount;
    r.disputed_total += l.amount;
  }
  for (const bill_line& l : recomputed.lines) {
    dispute_group& g =
        group(l.product, l.kind, l.svc ? std::string(to_string(*l.svc)) : std::string(), l.band,
              l.country);
    g.recomputed_lines.push_back({l.description, l.amount});
    g.recomputed += l.amount;
  }
  r.recomputed_total = recomputed.total;
  r.overcharge = zero;
  r.undercharge = zero;
  // A group of ratel's lines only, all 0.00 (an allowance drawn), disputes nothing.
  std::erase_if(r.groups, [](const dispute_group& g) {
    return g.disputed_lines.empty() && g.recomputed.is_zero();
  });
  for (dispute_group& g : r.groups) {
    const money difference = g.disputed - g.recomputed;
    if (difference.is_negative())
      g.undercharge = -difference;
    else
      g.overcharge = difference;
    r.overcharge += g.overcharge;
    r.undercharge += g.undercharge;
    line_comparison c;
    c.product = g.product;
    c.kind = g.kind;
    if (!g.disputed_lines.empty()) c.disputed = g.disputed;
    if (!g.recomputed_lines.empty()) c.recomputed = g.recomputed;
    c.difference = difference;
    r.lines.push_back(std::move(c));
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
