// Late records of closed cycles (see run/late_records.hpp).
#include "ratel/run/late_records.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include "ratel/biller.hpp"

namespace ratel {
namespace {

using records_by_subscriber = std::map<std::string_view, std::vector<const usage_record*>>;

records_by_subscriber by_subscriber(std::span<const usage_record* const> records) {
  records_by_subscriber out;
  for (const usage_record* r : records) out[r->subscriber].push_back(r);
  return out;
}

}  // namespace

late_result rate_late_records(const rule_plan& plan, const account_book& accounts,
                              std::span<const late_cycle> cycles) {
  late_result out;
  for (const late_cycle& closed : cycles) {
    const records_by_subscriber billed = by_subscriber(closed.billed);
    for (const auto& [subscriber, late] : by_subscriber(closed.late)) {
      const account_history* history = accounts.find(subscriber);
      const carried_state* from = nullptr;
      if (closed.before != nullptr)
        if (auto it = closed.before->find(subscriber); it != closed.before->end())
          from = &it->second;
      std::vector<const usage_record*> as_billed;
      if (auto it = billed.find(subscriber); it != billed.end()) as_billed = it->second;
      std::vector<const usage_record*> with_late = as_billed;
      with_late.insert(with_late.end(), late.begin(), late.end());

      account_biller was_biller(plan, history, from);
      account_biller now_biller(plan, history, from);
      const billed_cycle was = was_biller.bill(closed.cycle, as_billed);
      billed_cycle now = now_biller.bill(closed.cycle, with_late);

      // The late records' own rejects (a billed record that the late ones change, a record
      // now barred say, is part of the difference, not a reject of this run).
      std::set<std::string_view> late_ids;
      for (const usage_record* r : late) late_ids.insert(r->id);
      std::size_t rejected = 0;
      for (reject& j : now.rated.rejects)
        if (late_ids.contains(j.id)) {
          out.rejects.push_back(std::move(j));
          ++rejected;
        }
      out.rated += late.size() - rejected;

      if (now.finished) {
        std::vector<adjustment> changes =
            adjustments_between(was.finished ? &*was.finished : nullptr, *now.finished);
        if (!changes.empty()) {
          std::vector<adjustment>& to = out.adjustments[std::string(subscriber)];
          to.insert(to.end(), std::make_move_iterator(changes.begin()),
                    std::make_move_iterator(changes.end()));
        }
      }
      const std::vector<charged_pass> before = was_biller.carried().passes;
      std::vector<charged_pass> added;
      for (const charged_pass& p : now_biller.carried().passes)
        if (!std::binary_search(before.begin(), before.end(), p)) added.push_back(p);
      if (!added.empty()) {
        std::vector<charged_pass>& to = out.passes[std::string(subscriber)];
        to.insert(to.end(), added.begin(), added.end());
      }
    }
  }
  for (auto& [subscriber, list] : out.adjustments)
    std::sort(list.begin(), list.end(), [](const adjustment& x, const adjustment& y) {
      return std::tie(x.corrects, x.product, x.adjusts) <
             std::tie(y.corrects, y.product, y.adjusts);
    });
  std::sort(out.rejects.begin(), out.rejects.end(),
            [](const reject& a, const reject& b) { return a.line < b.line; });
  return out;
}

void add_late_pass_charges(carried_book& from, const late_result& late, date::year_month after) {
  for (const auto& [subscriber, passes] : late.passes) {
    auto [it, fresh] = from.try_emplace(subscriber);
    if (fresh) {
      it->second.subscriber = subscriber;
      it->second.after = after;
    }
    std::vector<charged_pass>& to = it->second.passes;
    to.insert(to.end(), passes.begin(), passes.end());
    std::sort(to.begin(), to.end());
    to.erase(std::unique(to.begin(), to.end()), to.end());
  }
}

}  // namespace ratel
