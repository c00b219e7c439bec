// account_biller: rating and finishing one account's bills cycle after cycle (biller.hpp).
#include "ratel/biller.hpp"

#include <fmt/format.h>

namespace ratel {

bool open_during(const account_history& h, const billing_cycle& cycle) {
  if (h.closed && *h.closed < cycle.start) return false;
  // Each list is in time order (account.hpp), so its first item is its earliest: a run
  // asks this for every cycle, and a history can be long (issue 14 item 11).
  return (h.joined && *h.joined < cycle.end) ||
         (!h.subscriptions.empty() && h.subscriptions.front().ordered < cycle.end) ||
         (!h.events.empty() && h.events.front().time < cycle.end) ||
         (!h.deposits.empty() && h.deposits.front().time < cycle.end) ||
         (!h.redemptions.empty() && h.redemptions.front().time < cycle.end);
}

account_biller::account_biller(const rule_plan& plan, const account_history* history,
                               const carried_state* from)
    : plan_(plan), history_(history) {
  if (history_ != nullptr) subscriber_ = history_->subscriber;
  if (from != nullptr) {
    subscriber_ = from->subscriber;
    last_ = from->after;
    passes_ = from->passes;
  }
  if (history_ != nullptr && plan_.source().points)
    ledger_.emplace(*plan_.source().points, *history_, plan_.home_zone(),
                    from != nullptr && from->points ? &*from->points : nullptr);
}

carried_state account_biller::carried() const {
  carried_state s;
  s.subscriber = subscriber_;
  s.after = last_.value_or(date::year_month{});
  if (ledger_) s.points = ledger_->carry();
  s.passes = passes_;
  return s;
}

billed_cycle account_biller::bill(const billing_cycle& cycle,
                                  std::span<const usage_record* const> records,
                                  std::span<const adjustment> adjustments) {
  billed_cycle out;
  last_ = cycle.month;
  // A bill for every account open in the cycle, for any record that was charged, and for
  // corrections of a closed cycle.
  auto finish = [&] {
    if (history_ != nullptr &&
        (open_during(*history_, cycle) || !out.rated.records.empty() || !adjustments.empty()))
      out.finished = finish_bill(plan_, out.rated, ledger_ ? &*ledger_ : nullptr, adjustments);
    else
      skip(cycle);
  };
  std::string overflow;
  try {
    out.rated = rate_cycle(plan_, history_, cycle, records, passes_);
    finish();  // the bill's sums (a usage line's quantity, the total) can overflow too
    passes_ = out.rated.carried_passes;
    return out;
  } catch (const money_error& e) {
    overflow = e.what();
  } catch (const quantity_error& e) {
    overflow = e.what();
  }
  // Sums past the exact range: none of the cycle's records is charged, each is reported
  // (see the file comment). finish_bill steps the points ledger last, after every sum, so
  // a failed attempt left it where it was.
  out.rated = rate_cycle(plan_, history_, cycle, {}, passes_);
  passes_ = out.rated.carried_passes;
  for (const usage_record* r : records)
    out.rated.rejects.push_back(
        {r->line, reject_reason::overflow, std::string(r->subscriber), std::string(r->id),
         fmt::format(
             "rating the subscriber's records of cycle {} overflows ({}); none of them is charged",
             to_string(cycle.month), overflow)});
  finish();
  return out;
}

void account_biller::skip(const billing_cycle& cycle) {
  last_ = cycle.month;
  if (!ledger_) return;
  std::vector<event> refused;  // no bill to show them on
  (void)ledger_->step(cycle, 0, refused);
}

}  // namespace ratel
