// Live rating: one account's open cycle, record by record (live.hpp describes it).
#include "ratel/run/live.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

#include <fmt/format.h>

#include "ratel/error.hpp"
#include "ratel/io/usage_csv.hpp"

namespace ratel {

namespace {

bool before(const usage_record* a, const usage_record* b) {
  if (a->time != b->time) return a->time < b->time;
  return a->id < b->id;
}

}  // namespace

live_account::live_account(const rule_plan& plan, const account_history* history,
                           const billing_cycle& cycle, const carried_state* from)
    : plan_(&plan), history_(history), cycle_(cycle), rating_(plan, history, cycle) {
  if (history_ != nullptr) subscriber_ = history_->subscriber;
  if (from != nullptr) {
    from_ = *from;
    subscriber_ = from->subscriber;
  }
  log_events_ = events_seen_ = rating_.events().size();
}

live_account::live_account(live_account&&) noexcept = default;
live_account& live_account::operator=(live_account&&) noexcept = default;
live_account::~live_account() = default;

// Text blocks of 4 KiB, or one of its own for a longer text: a record's fields are copied
// next to each other, without an allocation each.
std::string_view live_account::keep(std::string_view text) {
  constexpr std::size_t block = 4096;
  if (text.empty()) return {};
  if (text.size() > text_block_size_ - text_used_) {
    text_block_size_ = std::max(block, text.size());
    text_blocks_.push_back(std::make_unique<char[]>(text_block_size_));
    text_used_ = 0;
  }
  char* at = text_blocks_.back().get() + text_used_;
  std::copy(text.begin(), text.end(), at);
  text_used_ += text.size();
  return {at, text.size()};
}

const usage_record* live_account::hold(const usage_record& r) {
  usage_record& h = held_.emplace_back(r);
  h.id = keep(r.id);
  h.subscriber = keep(r.subscriber);
  h.country = keep(r.country);
  h.region = keep(r.region);
  h.peer = keep(r.peer);
  h.product = keep(r.product);
  return &h;
}

const usage_record** live_account::find_id(std::string_view id, std::size_t hash) {
  if (id_slots_.empty()) return nullptr;
  const std::size_t mask = id_slots_.size() - 1;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    id_slot& slot = id_slots_[at];
    if (slot.record == nullptr) return nullptr;
    if (slot.hash == hash && slot.record->id == id) return &slot.record;
  }
}

void live_account::index_id(const usage_record* r, std::size_t hash) {
  if (const usage_record** same = find_id(r->id, hash)) {
    *same = r;  // a record of the same id replaced
    return;
  }
  if (2 * (ids_ + 1) > id_slots_.size()) {
    std::vector<id_slot> old(std::max<std::size_t>(64, 2 * id_slots_.size()));
    old.swap(id_slots_);
    ids_ = 0;
    for (const id_slot& o : old)
      if (o.record != nullptr) index_id(o.record, o.hash);
  }
  const std::size_t mask = id_slots_.size() - 1;
  std::size_t at = hash & mask;
  while (id_slots_[at].record != nullptr) at = (at + 1) & mask;
  id_slots_[at] = {hash, r};
  ++ids_;
}

void live_account::check_subscriber(const usage_record& r) {
  if (subscriber_.empty()) subscriber_ = std::string(r.subscriber);
  if (r.subscriber != subscriber_)
    throw std::invalid_argument(fmt::format(
        "live_account of subscriber \"{}\" given a record of \"{}\"", subscriber_, r.subscriber));
}

// Takes r's identity: returns the copy of r now held for it, or null when the record held
// for it is the one a batch keeps (out: a duplicate). `replaced`: the record r put out, if
// any (still held, still in ordered_ or late_: the caller takes it out).
const usage_record* live_account::take_identity(const usage_record& r, live_added& out,
                                                const usage_record*& replaced) {
  replaced = nullptr;
  const std::size_t id_hash = std::hash<std::string_view>{}(r.id);
  if (const usage_record** same = find_id(r.id, id_hash)) {
    const usage_record& kept = **same;
    const bool same_content = ratel::same_content(r, kept);
    if (!kept_over(r, kept)) {
      out.result = live_added::outcome::duplicate;
      out.left_out =
          duplicate{r.line,       kept.line,   std::string(r.subscriber), std::string(r.id),
                    same_content, std::nullopt};
      return nullptr;
    }
    // A batch keeps this one: the record held so far is the duplicate now.
    out.left_out =
        duplicate{kept.line,    r.line,      std::string(kept.subscriber), std::string(kept.id),
                  same_content, std::nullopt};
    replaced = &kept;
  }
  const usage_record* record = hold(r);
  index_id(record, id_hash);
  unsaved_.push_back(record);
  if (replaced != nullptr) {
    // Put out: never saved (dropped from what is to save), or saved (its line dropped).
    if (const auto at = std::find(unsaved_.begin(), unsaved_.end(), replaced); at != unsaved_.end())
      unsaved_.erase(at);
    else
      put_out_.push_back(replaced->line);
  }
  return record;
}

live_added live_account::add(const usage_record& r) {
  live_added out;
  if (!cycle_.contains(r.time)) {
    out.result = live_added::outcome::outside_cycle;
    return out;
  }
  check_subscriber(r);
  const usage_record* replaced = nullptr;
  const usage_record* record = take_identity(r, out, replaced);
  if (record == nullptr) return out;
  if (replaced != nullptr)  // a late record put out changes nothing rated
    if (const auto at = std::find(late_.begin(), late_.end(), replaced); at != late_.end()) {
      late_.erase(at);
      replaced = nullptr;
    }

  std::size_t first_changed = 0;
  if (replaced != nullptr) {
    const auto at = std::find(ordered_.begin(), ordered_.end(), replaced);
    first_changed = static_cast<std::size_t>(at - ordered_.begin());
    ordered_.erase(at);
  }
  // Most records come in order: after the last, found without a search.
  const auto place = ordered_.empty() || before(ordered_.back(), record)
                         ? ordered_.end()
                         : std::upper_bound(ordered_.begin(), ordered_.end(), record, before);
  const auto position = static_cast<std::size_t>(place - ordered_.begin());
  ordered_.insert(place, record);

  if (replaced == nullptr && position + 1 == ordered_.size()) {
    // In order, the common case: rate it on top of the rest.
    const std::size_t rejects_before = rating_.rejects().size();
    rating_.rate(*record);
    take_checkpoint();
    if (rating_.rejects().size() > rejects_before) {
      out.result = live_added::outcome::rejected;
      out.rejected = rating_.rejects().back();
    }
  } else {
    rate_from(replaced != nullptr ? std::min(first_changed, position) : position);
    if (auto j = reject_of(*record)) {
      out.result = live_added::outcome::rejected;
      out.rejected = std::move(j);
    }
  }
  out.events = newly_fired();
  return out;
}

live_added live_account::add_late(const usage_record& r) {
  if (r.time >= cycle_.start)
    throw std::invalid_argument(
        fmt::format("live_account of cycle {} given record {} as late: "
                    "it is not dated before the cycle",
                    to_string(cycle_.month), r.id));
  check_subscriber(r);
  live_added out;
  const usage_record* replaced = nullptr;
  const usage_record* record = take_identity(r, out, replaced);
  if (record == nullptr) return out;
  out.result = live_added::outcome::late;
  late_.push_back(record);
  if (replaced == nullptr) return out;
  if (const auto at = std::find(late_.begin(), late_.end(), replaced); at != late_.end()) {
    late_.erase(at);
    return out;
  }
  // A record of the cycle put out: the cycle is rated again without it.
  const auto at = std::find(ordered_.begin(), ordered_.end(), replaced);
  const auto position = static_cast<std::size_t>(at - ordered_.begin());
  ordered_.erase(at);
  rate_from(position);
  out.events = newly_fired();
  return out;
}

// Rates ordered_ again from `position` on, from the latest saved point at or before it.
void live_account::rate_from(std::size_t position) {
  while (!checkpoints_.empty() && checkpoints_.back().first > position) checkpoints_.pop_back();
  std::size_t rated = 0;
  if (checkpoints_.empty()) {
    rating_ = cycle_rating(*plan_, history_, cycle_);
  } else {
    rated = checkpoints_.back().first;
    rating_ = checkpoints_.back().second;
  }
  for (; rated < ordered_.size(); ++rated) {
    rating_.rate(*ordered_[rated]);
    if ((rated + 1) % checkpoint_every == 0) {
      checkpoints_.emplace_back(rated + 1, rating_);
      if (checkpoints_.size() > checkpoints_kept) checkpoints_.erase(checkpoints_.begin());
    }
  }
  // Events are counted again from the start: an event sent before is known by its id.
  events_seen_ = log_events_;
  fired_count_.clear();
}

void live_account::take_checkpoint() {
  if (ordered_.size() % checkpoint_every != 0) return;
  checkpoints_.emplace_back(ordered_.size(), rating_);
  if (checkpoints_.size() > checkpoints_kept) checkpoints_.erase(checkpoints_.begin());
}

std::vector<live_event> live_account::newly_fired() {
  std::vector<live_event> out;
  const std::span<const event> events = rating_.events();
  for (; events_seen_ < events.size(); ++events_seen_) {
    const event& e = events[events_seen_];
    std::string key = fmt::format("{}/{}/{}", to_string(e.kind), e.product, e.threshold);
    const std::uint32_t nth = ++fired_count_[key];
    std::string id = fmt::format("{}/{}/{}/{}", subscriber_, to_string(cycle_.month), key, nth);
    if (sent_.contains(id)) continue;
    sent_.insert(id);
    out.push_back({std::move(id), e});
  }
  return out;
}

std::optional<reject> live_account::reject_of(const usage_record& r) const {
  for (const reject& j : rating_.rejects())
    if (j.id == r.id && j.line == r.line) return j;
  return std::nullopt;
}

closed_live_cycle live_account::close() const {
  account_biller biller(*plan_, history_, from_ ? &*from_ : nullptr);
  closed_live_cycle out;
  out.billed = biller.bill(cycle_, ordered_);
  out.carried = biller.carried();
  return out;
}

open_cycle_changes live_account::save_changes() {
  open_cycle_changes out;
  out.open.subscriber = subscriber_;
  out.open.cycle = cycle_.month;
  out.open.from = from_;
  for (const usage_record* r : unsaved_) {
    out.open.rows.push_back(usage_row_to_csv(*r));
    out.open.lines.push_back(r->line);
  }
  out.open.events_sent.assign(sent_.begin(), sent_.end());
  out.lines_removed = std::move(put_out_);
  unsaved_.clear();
  put_out_.clear();
  return out;
}

open_cycle_state live_account::save() const {
  open_cycle_state s;
  s.subscriber = subscriber_;
  s.cycle = cycle_.month;
  s.from = from_;
  // The late records first (dated before the cycle), then the cycle's: (time, id) order.
  std::vector<const usage_record*> all = late_;
  std::sort(all.begin(), all.end(), before);
  all.insert(all.end(), ordered_.begin(), ordered_.end());
  for (const usage_record* r : all) {
    s.rows.push_back(usage_row_to_csv(*r));
    s.lines.push_back(r->line);
  }
  s.events_sent.assign(sent_.begin(), sent_.end());
  return s;
}

live_account live_account::restore(const rule_plan& plan, const account_history* history,
                                   const open_cycle_state& saved, const std::string& source) {
  if (saved.rows.size() != saved.lines.size())
    throw input_error({source, 1, 1}, "records",
                      fmt::format("{} rows but {} lines", saved.rows.size(), saved.lines.size()));
  const billing_cycle cycle = calendar_month_cycle(saved.cycle, plan.home_zone());
  live_account out(plan, history, cycle, saved.from ? &*saved.from : nullptr);
  out.subscriber_ = saved.subscriber;
  out.sent_.insert(saved.events_sent.begin(), saved.events_sent.end());
  std::string text(usage_csv_header());
  for (const std::string& row : saved.rows) text.append(row).push_back('\n');
  const usage_batch batch = parse_usage_csv(std::move(text), source);
  if (!batch.rejects().empty() || !batch.duplicates().empty() ||
      batch.records().size() != saved.rows.size()) {
    const std::uint32_t line =
        !batch.rejects().empty() ? batch.rejects().front().line : batch.duplicates().front().line;
    throw input_error({source, 1, 1}, fmt::format("records[{}]", line - 2),
                      !batch.rejects().empty() ? batch.rejects().front().detail
                                               : fmt::format("record \"{}\" is there twice",
                                                             batch.duplicates().front().id));
  }
  for (std::size_t i = 0; i < batch.records().size(); ++i) {
    usage_record r = batch.records()[i];
    r.line = saved.lines[i];
    live_added a = r.time < cycle.start ? out.add_late(r) : out.add(r);
    out.unsent_.insert(out.unsent_.end(), std::make_move_iterator(a.events.begin()),
                       std::make_move_iterator(a.events.end()));
    if (a.result == live_added::outcome::outside_cycle)
      throw input_error({source, 1, 1}, fmt::format("records[{}]", i),
                        fmt::format("the record's time is after cycle {}", to_string(saved.cycle)));
  }
  out.unsaved_.clear();  // it is all saved
  out.put_out_.clear();
  return out;
}

}  // namespace ratel
