// Building bills from rated cycles, and writing them as JSON, text and CSV.
#include "ratel/bill.hpp"

#include "ratel/detail/csv.hpp"

#include <algorithm>
#include <charconv>
#include <atomic>
#include <thread>
#include <filesystem>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace ratel {
namespace csv = detail::csv;

std::string_view to_string(line_kind k) noexcept {
  switch (k) {
    case line_kind::fee: return "fee";
    case line_kind::pack: return "pack";
    case line_kind::allowance: return "allowance";
    case line_kind::usage: return "usage";
    case line_kind::credit: return "credit";
    case line_kind::pass: return "pass";
  }
  return "?";
}

namespace {

std::string rate_text(const rate& r) {
  std::string text = r.price.to_string();  // "{} per {}" without a format string
  text += " per ";
  text += r.per.to_string();
  return text;
}

// Usage lines are grouped by what a customer sees as one tariff position.
struct usage_key {
  service svc;
  bool roaming;  // home before roaming
  std::string country;
  band_id band;
  std::string product;
  const compiled_rate* rate;
  bool capped;  // parts a cap waived get a line of their own, saying what it waived
  // Ordered by where the rate is written in the catalog, never by its address, so that
  // lines come out in the same order on every run.
  auto tie() const {
    return std::tie(svc, roaming, country, band, product, rate->source->defined_at.line,
                    rate->source->defined_at.column, capped);
  }
  bool operator<(const usage_key& o) const { return tie() < o.tie(); }
};

}  // namespace

bill make_bill(const rule_plan& plan, const rated_cycle& rated) {
  const catalog& cat = plan.source();
  const currency unit = cat.money_unit;
  auto round_line = [&](const money& m) { return round_to(m, cat.line_places, cat.line_rounding); };
  bill b;
  b.subscriber = rated.subscriber;
  b.cycle = rated.cycle.month;
  b.money_unit = unit;

  // Fees and packs, in product id order, then the order they were subscribed in.
  std::vector<const fee_due*> fees;
  for (const fee_due& f : rated.fees) fees.push_back(&f);
  std::stable_sort(fees.begin(), fees.end(), [&](const fee_due* a, const fee_due* b) {
    return std::tuple(a->basis != fee_basis::per_cycle, plan.product_at(a->product).source->id) <
           std::tuple(b->basis != fee_basis::per_cycle, plan.product_at(b->product).source->id);
  });
  for (const fee_due* f : fees) {
    const product& p = *plan.product_at(f->product).source;
    bill_line line;
    line.product = p.id;
    line.kind = f->basis == fee_basis::per_cycle ? line_kind::fee : line_kind::pack;
    if (f->basis != fee_basis::per_cycle)
      line.description = fmt::format("{}: one-off order", p.name);
    else if (f->active_days == f->cycle_days)
      line.description = fmt::format("{}: fee for the cycle", p.name);
    else
      line.description = fmt::format("{}: fee for {} of {} days ({} x {}/{}, {})", p.name, f->active_days,
                                     f->cycle_days, p.fee, f->share.numerator, f->share.denominator,
                                     p.proration.fee);
    line.amount = round_line(f->amount);
    b.lines.push_back(std::move(line));
  }

  // Allowances: per product and allowance, the total size and what was drawn.
  std::map<std::tuple<std::string, std::size_t>, std::pair<quantity, quantity>> allowances;
  for (const bucket& k : rated.buckets) {
    auto key = std::tuple(plan.product_at(k.product).source->id, k.allowance);
    auto [it, fresh] = allowances.try_emplace(key, k.initial, k.initial - k.remaining);
    if (!fresh) {
      it->second.first = it->second.first + k.initial;
      it->second.second = it->second.second + (k.initial - k.remaining);
    }
  }
  for (const auto& [key, sizes] : allowances) {
    const auto& [product_id, index] = key;
    const product& p = *cat.find_product(product_id);
    const allowance& a = p.allowances[index];
    bill_line line;
    line.product = product_id;
    line.kind = line_kind::allowance;
    line.svc = a.svc;
    line.size = sizes.first;
    line.used = sizes.second;
    line.description = fmt::format("{}: {} of {} {} allowance used ({})", p.name, sizes.second,
                                   sizes.first, to_string(a.svc), a.where.describe());
    line.amount = money::zero(unit);
    b.lines.push_back(std::move(line));
  }

  // Usage charged at a rate.
  struct usage_total {
    quantity used;
    money charged;
    money uncapped;
  };
  std::map<usage_key, usage_total> usage;
  // The key is a function of these ids, and runs of parts share them: a part with the ids
  // of the part before goes to the same total without building and looking up its key.
  struct key_ids {
    service svc;
    country_id country;
    band_id band;
    std::optional<std::size_t> owner;
    const compiled_rate* rate;
    bool waived;
    bool operator==(const key_ids&) const = default;
  };
  std::optional<key_ids> last_ids;
  usage_total* last_total = nullptr;
  for (const rated_record& r : rated.records)
    for (const charge_part& part : rated.parts_of(r)) {
      if (part.from != charge_part::source::rate) continue;
      const key_ids ids{r.record->svc, r.country, r.band, part.rate_owner, part.rate, part.waived()};
      if (last_ids && *last_ids == ids) {
        last_total->used = last_total->used + part.amount;
        last_total->charged += part.charge;
        last_total->uncapped += part.uncapped;
        continue;
      }
      std::string owner = part.rate_owner ? plan.product_at(*part.rate_owner).source->id : cat.id;
      usage_key key{r.record->svc, r.country != plan.home_country(), plan.country_code(r.country),
                    r.band, owner, part.rate, part.waived()};
      auto [it, fresh] = usage.try_emplace(key, usage_total{part.amount, part.charge, part.uncapped});
      if (!fresh) {
        it->second.used = it->second.used + part.amount;
        it->second.charged += part.charge;
        it->second.uncapped += part.uncapped;
      }
      last_ids = ids;
      last_total = &it->second;
    }
  for (const auto& [key, total] : usage) {
    bill_line line;
    line.product = key.product;
    line.kind = line_kind::usage;
    line.svc = key.svc;
    line.country = key.country;
    line.band = std::string(plan.band_name(key.band));
    line.used = total.used;
    line.rate = rate_text(*key.rate->source);
    // "{} in {}: {} at {}", or with bands "{} in {}, {} band: {} at {}", appended.
    line.description = to_string(key.svc);
    line.description += " in ";
    line.description += key.country;
    if (!cat.bands.empty()) {
      line.description += ", ";
      line.description += line.band;
      line.description += " band";
    }
    line.description += ": ";
    line.description += total.used.to_string();
    line.description += " at ";
    line.description += line.rate;
    if (key.capped)
      line.description += fmt::format(", capped: {} of {} waived", round_line(total.uncapped - total.charged),
                                      round_line(total.uncapped));
    line.amount = round_line(total.charged);
    b.lines.push_back(std::move(line));
  }

  // Usage a pass covers: nothing beyond the pass charges, shown so the use is visible.
  std::map<std::tuple<service, bool, std::string, std::string>, quantity> covered;
  for (const rated_record& r : rated.records)
    for (const charge_part& part : rated.parts_of(r)) {
      if (part.from != charge_part::source::pass) continue;
      auto key = std::tuple(r.record->svc, r.country != plan.home_country(), plan.country_code(r.country),
                            plan.product_at(*part.rate_owner).source->id);
      auto [it, fresh] = covered.try_emplace(key, part.amount);
      if (!fresh) it->second = it->second + part.amount;
    }
  for (const auto& [key, used] : covered) {
    const auto& [svc, roaming, country, product_id] = key;
    bill_line line;
    line.product = product_id;
    line.kind = line_kind::usage;
    line.svc = svc;
    line.country = country;
    line.used = used;
    line.description = fmt::format("{} in {} covered by {}: {}", svc, country, cat.find_product(product_id)->name, used);
    line.amount = money::zero(unit);
    b.lines.push_back(std::move(line));
  }

  // Pass charges (D10-D12), in the order of their day or validity.
  std::vector<const pass_charge_due*> passes;
  for (const pass_charge_due& p : rated.passes) passes.push_back(&p);
  std::stable_sort(passes.begin(), passes.end(), [](const pass_charge_due* a, const pass_charge_due* b) {
    return a->starts < b->starts;
  });
  for (const pass_charge_due* c : passes) {
    const product& p = *plan.product_at(c->product).source;
    const std::string country = plan.country_code(c->country);
    const std::string day = to_string(c->day);
    bill_line line;
    line.product = p.id;
    line.kind = line_kind::pass;
    line.country = p.pass->charge == pass_charge::per_day ? std::string() : country;
    switch (p.pass->charge) {
      case pass_charge::per_day:
        line.description = fmt::format("{}: {} ({} day) with use", p.name, day, c->visited_day ? "local" : cat.home_zone);
        break;
      case pass_charge::per_country_day:
        line.description = fmt::format("{}: {} {} (local day) with use", p.name, country, day);
        break;
      case pass_charge::per_country:
        line.description = fmt::format("{}: {} with use in the {} days from {}", p.name, country,
                                       p.pass->validity_days, day);
        break;
    }
    line.amount = round_line(c->price);
    line.records = c->records;
    b.lines.push_back(std::move(line));
  }

  // Credits of offers (D16): the returned deposit and the bonus as separate lines.
  for (const credit_due& c : rated.credits) {
    const product& p = *plan.product_at(c.product).source;
    for (const auto& [part, what] : {std::pair{c.deposit_part, "deposit returned"}, std::pair{c.bonus_part, "bonus"}}) {
      if (part.is_zero()) continue;
      bill_line line;
      line.product = p.id;
      line.kind = line_kind::credit;
      line.description = fmt::format("{}: {}, credit {} of {} ({})", p.name, what, c.number, c.count,
                                     format_rfc3339(c.time, plan.home_zone().offset_at(c.time)).substr(0, 10));
      line.amount = -round_line(part);
      b.lines.push_back(std::move(line));
    }
  }

  b.total = money::zero(unit);
  for (const bill_line& line : b.lines) b.total += line.amount;
  for (const event& e : rated.events)
    b.events.push_back({format_rfc3339(e.time, plan.home_zone().offset_at(e.time)), e});
  return b;
}

money spend_of(const points_program& program, const bill& b) {
  money spend = money::zero(b.money_unit);
  for (const bill_line& line : b.lines)
    if (std::find(program.counts.begin(), program.counts.end(), to_string(line.kind)) != program.counts.end())
      spend += line.amount;
  return spend;
}

namespace {

// DESIGN 4.3: amounts are decimal strings with two decimals. A catalog may round lines
// more finely than cents; then the amount is printed with the digits it holds.
std::string amount(const money& m) { return m.to_string(); }

// Bill JSON written straight into a string, in the layout of nlohmann's dump(2) with
// ordered keys (the bytes every golden file and the DESIGN 4.3 consumers know), without
// building a document first: building one cost a third of a --format json run.
class json_writer {
 public:
  /// `indent`: the spaces before the lines of the value written next (0 for a document,
  /// 2 for an element of the top-level array).
  json_writer(std::string& out, std::size_t indent) : out_(out), indent_(indent) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// Starts a member of the current object: what follows is its value.
  void key(std::string_view name) {
    next_item();
    append_string(name);
    out_ += ": ";
    pending_value_ = true;
  }
  void value(std::string_view text) {
    next_item();
    append_string(text);
  }
  void value(std::int64_t number) {
    next_item();
    char digits[24];
    const std::to_chars_result r = std::to_chars(digits, digits + sizeof digits, number);
    out_.append(digits, r.ptr);
  }
  void member(std::string_view name, std::string_view text) {
    key(name);
    value(text);
  }
  void member(std::string_view name, std::int64_t number) {
    key(name);
    value(number);
  }

 private:
  struct level {
    bool empty = true;  // nothing written inside yet: closes on the same line ("[]")
  };

  // Before a value: a member's value follows its key; an array element gets its own line.
  void next_item() {
    if (pending_value_) {
      pending_value_ = false;
      return;
    }
    if (levels_.empty()) return;
    level& l = levels_.back();
    out_ += l.empty ? "\n" : ",\n";
    l.empty = false;
    out_.append(indent_ + 2 * levels_.size(), ' ');
  }
  void open(char c) {
    next_item();
    out_ += c;
    levels_.emplace_back();
  }
  void close(char c) {
    const bool empty = levels_.back().empty;
    levels_.pop_back();
    if (!empty) {
      out_ += '\n';
      out_.append(indent_ + 2 * levels_.size(), ' ');
    }
    out_ += c;
  }
  // JSON string escaping as nlohmann does it: the short escapes, \u00xx for other control
  // characters, UTF-8 as is. Input is valid UTF-8 (the readers refuse anything else); a
  // byte that is not would be written as U+FFFD rather than as invalid JSON.
  void append_string(std::string_view text) {
    out_ += '"';
    for (std::size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c >= 0x80U) {
        const std::size_t length = detail::csv::utf8_length_at(text, i);
        if (length == 0) {
          out_ += "\\ufffd";
          ++i;
        } else {
          out_.append(text.substr(i, length));
          i += length;
        }
        continue;
      }
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (c < 0x20U) {
            constexpr char hex[] = "0123456789abcdef";
            out_ += "\\u00";
            out_ += hex[c >> 4U];
            out_ += hex[c & 0xFU];
          } else {
            out_ += static_cast<char>(c);
          }
      }
      ++i;
    }
    out_ += '"';
  }

  std::string& out_;
  std::size_t indent_;
  std::vector<level> levels_;
  bool pending_value_ = false;
};

void write_bill_json(const bill& b, std::string& out, std::size_t indent) {
  json_writer j(out, indent);
  j.begin_object();
  j.member("subscriber", b.subscriber);
  j.member("cycle", to_string(b.cycle));
  j.member("currency", b.money_unit.code());
  j.key("lines");
  j.begin_array();
  for (const bill_line& l : b.lines) {
    j.begin_object();
    j.member("product", l.product);
    j.member("kind", to_string(l.kind));
    j.member("description", l.description);
    j.member("amount", amount(l.amount));
    if (l.svc) j.member("service", to_string(*l.svc));
    if (!l.country.empty()) j.member("country", l.country);
    if (!l.band.empty()) j.member("band", l.band);
    if (l.used) j.member("quantity", l.used->to_string());
    if (l.size) j.member("allowance", l.size->to_string());
    if (!l.rate.empty()) j.member("rate", l.rate);
    if (!l.records.empty()) {
      j.key("records");
      j.begin_array();
      for (const auto& id : l.records) j.value(id);
      j.end_array();
    }
    j.end_object();
  }
  j.end_array();
  j.member("total", amount(b.total));
  j.key("events");
  j.begin_array();
  for (const bill_event& e : b.events) {
    j.begin_object();
    j.member("time", e.time);
    j.member("kind", to_string(e.what.kind));
    if (!e.what.product.empty()) j.member("product", e.what.product);
    if (!e.what.record.empty()) j.member("record", e.what.record);
    if (!e.what.threshold.empty()) j.member("threshold", e.what.threshold);
    if (!e.what.counter.empty()) j.member("counter", e.what.counter);
    if (e.what.limit_kbps) j.member("limit_kbps", *e.what.limit_kbps);
    if (!e.what.reason.empty()) j.member("reason", e.what.reason);
    // The file name only: the same log gives the same bill wherever it is stored.
    if (e.what.from.line != 0)
      j.member("source", fmt::format("{}:{}", std::filesystem::path(e.what.from.file).filename().string(),
                                     e.what.from.line));
    j.end_object();
  }
  j.end_array();
  if (b.points) {
    const points_statement& p = *b.points;
    j.key("points");
    j.begin_object();
    j.member("earned", p.earned);
    j.member("credited", p.credited);
    j.member("redeemed", p.redeemed);
    j.member("expired", p.expired);
    j.member("forfeited", p.forfeited);
    j.member("balance", p.balance);
    j.key("cohorts");
    j.begin_array();
    for (const points_cohort& c : p.cohorts) {
      j.begin_object();
      j.member("credited", to_string(c.credited));
      j.member("points", c.points);
      j.member("remaining", c.remaining);
      j.member("expires", to_string(date::local_days(date::year_month_day(c.last_month / date::last))));
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_object();
}

}  // namespace

std::string bill_to_json(const bill& b) {
  std::string out;
  write_bill_json(b, out, 0);
  out += '\n';
  return out;
}

std::string bill_to_json_element(const bill& b) {
  // Rendered alone, indented as an element of the array, so that no document of all the
  // bills is held in memory; the bytes are those of the whole array's.
  std::string out = "  ";
  write_bill_json(b, out, 2);
  return out;
}

std::string bills_to_json(const std::vector<bill>& bills, unsigned threads) {
  if (bills.empty()) return "[]\n";
  // The bills can be rendered in parallel: each element lands at its index.
  std::vector<std::string> elements(bills.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < bills.size(); i = next++) elements[i] = bill_to_json_element(bills[i]);
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
    worker();
  }
  std::size_t size = 4;
  for (const std::string& e : elements) size += e.size() + 2;
  std::string out;
  out.reserve(size);
  out += "[\n";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ",\n";
    out += elements[i];
  }
  out += "\n]\n";
  return out;
}

std::string bill_to_text(const bill& b) {
  std::string out = fmt::format("Bill {} for {} ({})\n", b.subscriber, to_string(b.cycle), b.money_unit.code());
  for (const bill_line& l : b.lines)
    out += fmt::format("  {:<10} {:<14} {:<70} {:>12}\n", to_string(l.kind), l.product, l.description,
                       amount(l.amount));
  out += fmt::format("  {:<96} {:>12}\n", "total", amount(b.total));
  if (b.points)
    out += fmt::format("  points: earned {}, credited {}, redeemed {}, expired {}, forfeited {}, balance {}\n",
                       b.points->earned, b.points->credited, b.points->redeemed, b.points->expired,
                       b.points->forfeited, b.points->balance);
  for (const bill_event& e : b.events)
    out += fmt::format("  event {} {:<15} {:<14} {}{}\n", e.time, to_string(e.what.kind), e.what.product,
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

std::string_view bills_csv_header() noexcept {
  return "subscriber,cycle,product,kind,service,country,band,quantity,rate,description,amount\n";
}

std::string bill_to_csv_rows(const bill& b) {
  std::string out;
  const std::string cycle = to_string(b.cycle);
  const std::string subscriber = csv::quote(b.subscriber);
  // Fields appended one by one (the text fmt's "{},{},...\n" gave, without parsing it per
  // line).
  for (const bill_line& l : b.lines) {
    out += subscriber;
    out += ',';
    out += cycle;
    out += ',';
    csv::append_quoted(out, l.product);
    out += ',';
    out += to_string(l.kind);
    out += ',';
    if (l.svc) out += to_string(*l.svc);
    out += ',';
    out += l.country;
    out += ',';
    out += l.band;
    out += ',';
    if (l.used) out += l.used->to_string();
    out += ',';
    csv::append_quoted(out, l.rate);
    out += ',';
    csv::append_quoted(out, l.description);
    out += ',';
    out += amount(l.amount);
    out += '\n';
  }
  out += subscriber;
  out += ',';
  out += cycle;
  out += ",,total,,,,,,,";
  out += amount(b.total);
  out += '\n';
  return out;
}

std::string bills_to_csv(const std::vector<bill>& bills) {
  std::string out(bills_csv_header());
  for (const bill& b : bills) out += bill_to_csv_rows(b);
  return out;
}

std::string_view events_csv_header() noexcept {
  return "subscriber,cycle,time,kind,product,record,threshold,counter,limit_kbps,reason\n";
}

std::string bill_events_to_csv_rows(const bill& b) {
  std::string out;
  for (const bill_event& e : b.events)
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", csv::quote(b.subscriber), to_string(b.cycle), e.time,
                       to_string(e.what.kind), csv::quote(e.what.product), csv::quote(e.what.record),
                       csv::quote(e.what.threshold), csv::quote(e.what.counter),
                       e.what.limit_kbps ? std::to_string(*e.what.limit_kbps) : "", csv::quote(e.what.reason));
  return out;
}

std::string events_to_csv(const std::vector<bill>& bills) {
  std::string out(events_csv_header());
  for (const bill& b : bills) out += bill_events_to_csv_rows(b);
  return out;
}

}  // namespace ratel
