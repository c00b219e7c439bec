// `ratel rate --store` and `ratel bills --store` (docs/design.md section 6, D24): closing a
// cycle into a store, month after month, and reading back the bills it keeps.
//
// Closing a cycle: the store's last closed cycle says which cycle comes next and holds the
// carried state the cycle goes on from; the cycle is rated (in memory: the streaming path
// does not take carried states yet), closed in the store in one transaction, and only then
// are the bills and side files written (each whole or not at all). A cycle closed already
// from the same inputs is left alone and said so; from other inputs it is refused.
//
// Records of cycles closed already (D25): one a closed cycle billed is a duplicate; any
// other is late, and is rated with its closed cycle again, the difference going on this
// cycle's bills as adjustment lines (run/late_records.hpp). The closed bills stay as they
// are; the late records are kept as records of their closed cycle.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/rejects_csv.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/late_records.hpp"
#include "run_outputs.hpp"
#include "standard_output.hpp"
#include "store_access.hpp"

namespace ratel::cli {
namespace {

constexpr const char* ratel_version = "0.1.0";

// SHA-256 of a file's bytes, in hex: what a closed cycle was rated from.
std::string file_digest(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw input_error({path, 0, 0}, "", "cannot read it to take its digest");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw output_error("cannot start a SHA-256 digest (libcrypto)");
  std::vector<unsigned char> block(1 << 16);
  std::size_t got = 0;
  while ((got = std::fread(block.data(), 1, block.size(), file.get())) > 0)
    EVP_DigestUpdate(context.get(), block.data(), got);
  if (std::ferror(file.get())) throw input_error({path, 0, 0}, "", "cannot read it to the end");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest, &size);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// The late records of a run (D25): records of closed cycles, rated with their cycles.
struct late_records {
  late_result rated;
  std::set<std::uint32_t> lines;                       // the late records, by usage line
  std::map<std::uint32_t, date::year_month> cycle_of;  // each late record's closed cycle
  std::deque<usage_batch> billed;   // what the closed cycles were billed from (viewed into)
  std::deque<carried_book> before;  // the state each closed cycle went on from
};

// Finds the records of `usage` that belong to a cycle `store` closed, and rates each such
// cycle again with them (run/late_records.hpp). A record before the store's first closed
// cycle, or after `open`, is left to rate_batch, which rejects it as outside the cycle.
late_records late_records_of(cycle_store& store, const std::string& store_name,
                             const rule_plan& plan, const account_book& accounts,
                             const usage_batch& usage, const billing_cycle& open) {
  late_records out;
  const std::optional<closed_cycle> first = store.first_closed();
  if (!first) return out;
  std::vector<billing_cycle> closed;
  for (date::year_month m = first->cycle; m < open.month; m += date::months(1))
    closed.push_back(calendar_month_cycle(m, plan.home_zone()));
  std::map<date::year_month, std::vector<const usage_record*>> late_by_cycle;
  for (const usage_record& r : usage.records()) {
    if (open.contains(r.time)) continue;
    // Consecutive cycles: the last one starting at or before the record may hold it.
    auto after = std::upper_bound(closed.begin(), closed.end(), r.time,
                                  [](instant t, const billing_cycle& c) { return t < c.start; });
    if (after == closed.begin() || !std::prev(after)->contains(r.time)) continue;
    const date::year_month month = std::prev(after)->month;
    late_by_cycle[month].push_back(&r);
    out.lines.insert(r.line);
    out.cycle_of.emplace(r.line, month);
  }
  std::vector<late_cycle> cycles;
  for (auto& [month, late] : late_by_cycle) {
    late_cycle c;
    c.cycle = calendar_month_cycle(month, plan.home_zone());
    c.before = &out.before.emplace_back(
        month > first->cycle ? store.carried_after(month - date::months(1)) : carried_book{});
    // The records the closed cycle billed, of the subscribers with late records.
    std::set<std::string_view> subscribers;
    for (const usage_record* r : late) subscribers.insert(r->subscriber);
    const usage_batch& billed =
        out.billed.emplace_back(billed_usage(store, store_name, month, subscribers));
    for (const usage_record& r : billed.records()) c.billed.push_back(&r);
    c.late = std::move(late);
    cycles.push_back(std::move(c));
  }
  out.rated = rate_late_records(plan, accounts, cycles);
  return out;
}

// The bills of a run as one document of the format asked for.
std::string document_of(const std::vector<bill>& bills, const std::string& format) {
  if (format == "text") return bills_to_text(bills);
  if (format == "csv") return bills_to_csv(bills);
  return bills_to_json(bills);
}

}  // namespace

int run_rate_into_store(const rate_options& o) {
  const auto range = parse_month_range(o.cycle);
  if (!range || range->first != range->second) {
    std::cerr << fmt::format(
        "ratel rate: --store closes one cycle at a time: give --cycle YYYY-MM (not \"{}\")\n",
        o.cycle);
    return 2;
  }
  if (o.out != "-") {
    std::cerr << "ratel rate: --store writes the bills to stdout or to --out-file FILE, not to "
                 "--out DIR\n";
    return 2;
  }
  const date::year_month month = range->first;
  // Every output is opened (so proved writable, and not an input) before anything is read
  // or closed, as for any `rate`.
  run_outputs files;
  try {
    open_outputs(o, files);
  } catch (const unusable_output& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 2;
  }
  try {
    std::unique_ptr<cycle_store> store = open_store(o.store);

    const cycle_inputs inputs{file_digest(o.catalog), file_digest(o.accounts), file_digest(o.usage),
                              ratel_version};
    if (const std::optional<closed_cycle> closed = store->find(month)) {
      if (closed->inputs == inputs) {
        std::cerr << fmt::format(
            "ratel rate: cycle {} is closed already in {} from these same inputs: nothing "
            "changed. Its bills: ratel bills --store {} --subscriber ID --cycle {}\n",
            to_string(month), shown(o.store), shown(o.store), to_string(month));
        return 0;
      }
      std::vector<std::string> differ;
      if (closed->inputs.catalog_digest != inputs.catalog_digest) differ.push_back("the catalog");
      if (closed->inputs.accounts_digest != inputs.accounts_digest)
        differ.push_back("the account log");
      if (closed->inputs.usage_digest != inputs.usage_digest) differ.push_back("the usage file");
      if (closed->inputs.ratel_version != inputs.ratel_version)
        differ.push_back(fmt::format("ratel's version (it was {})", closed->inputs.ratel_version));
      std::cerr << fmt::format(
          "ratel rate: cycle {} is closed already in {}, from other inputs ({}: not the same as "
          "when it was closed); a closed cycle is never rewritten. Give late or corrected "
          "records to the run of the next cycle, or re-rate from the start into a new store\n",
          to_string(month), shown(o.store), fmt::join(differ, ", "));
      return 1;
    }
    const std::optional<closed_cycle> last = store->last_closed();
    if (last && month != last->cycle + date::months(1)) {
      if (month < last->cycle)
        std::cerr << fmt::format(
            "ratel rate: cycle {} is not in {}, whose cycles run on from its first to {}: a "
            "store closes consecutive cycles\n",
            to_string(month), shown(o.store), to_string(last->cycle));
      else
        std::cerr << fmt::format(
            "ratel rate: cycle {} cannot be closed in {}: the last closed cycle is {}, so {} "
            "comes first\n",
            to_string(month), shown(o.store), to_string(last->cycle),
            to_string(last->cycle + date::months(1)));
      return 1;
    }

    const rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    const account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
    usage_batch usage = read_usage_csv(o.usage);
    const billing_cycle cycle = calendar_month_cycle(month, plan.home_zone());

    // A record a closed cycle billed is a duplicate, whichever run it comes in (D25). Those
    // dated in a closed cycle (replays, and late records to tell from them) are looked up
    // now; one dated in this cycle can only match a billed record with another time, so
    // rather than a look-up per record, the close finds it (billed_already) and the cycle
    // is rated again without it.
    if (last) {
      std::vector<std::pair<std::size_t, date::year_month>> billed_before;
      for (std::size_t i = 0; i < usage.records().size(); ++i)
        if (const usage_record& r = usage.records()[i]; !cycle.contains(r.time))
          if (auto in = store->billed(r.subscriber, r.id)) billed_before.emplace_back(i, *in);
      if (!billed_before.empty()) usage.set_aside_as_billed(std::move(billed_before));
    }
    const carried_book after_last = last ? store->carried_after(last->cycle) : carried_book{};
    late_records late;
    batch_result result;
    for (;;) {
      late = late_records_of(*store, shown(o.store), plan, accounts, usage, cycle);
      carried_book from = after_last;
      if (last) add_late_pass_charges(from, late.rated, last->cycle);
      result = rate_batch(plan, accounts, usage, std::span(&cycle, 1), from, o.threads,
                          late.rated.adjustments);
      // rate_batch rejected the late records as outside the open cycle: they were rated
      // with their own cycles, and what that rejected is the run's.
      std::erase_if(result.rejects, [&](const reject& j) { return late.lines.contains(j.line); });
      result.rejects.insert(result.rejects.end(), late.rated.rejects.begin(),
                            late.rated.rejects.end());
      std::sort(result.rejects.begin(), result.rejects.end(),
                [](const reject& a, const reject& b) { return a.line < b.line; });
      result.rated += late.rated.rated;

      cycle_closing closing{month, inputs, {}, std::move(result.carried), {}};
      for (const bill& b : result.bills)
        closing.bills.push_back({b.subscriber, month, bill_to_json(b)});
      std::set<std::uint32_t> rejected_lines;
      for (const reject& r : result.rejects) rejected_lines.insert(r.line);
      // In identity order, the store's key order (its inserts then land side by side):
      // grouped by subscriber through a hash map, the subscribers sorted, then each one's
      // few records by id. One sort of a million scattered records costs far more.
      std::unordered_map<std::string_view, std::vector<const usage_record*>> by_subscriber;
      for (const usage_record& r : usage.records()) by_subscriber[r.subscriber].push_back(&r);
      std::vector<std::string_view> subscribers;
      subscribers.reserve(by_subscriber.size());
      for (const auto& [subscriber, records] : by_subscriber) subscribers.push_back(subscriber);
      std::sort(subscribers.begin(), subscribers.end());
      std::vector<const usage_record*> in_order;
      in_order.reserve(usage.records().size());
      for (std::string_view subscriber : subscribers) {
        std::vector<const usage_record*>& records = by_subscriber[subscriber];
        std::sort(records.begin(), records.end(),
                  [](const usage_record* a, const usage_record* b) { return a->id < b->id; });
        in_order.insert(in_order.end(), records.begin(), records.end());
      }
      closing.records.reserve(in_order.size());
      for (const usage_record* p : in_order) {
        const usage_record& r = *p;
        if (rejected_lines.contains(r.line)) continue;
        if (cycle.contains(r.time))
          closing.records.push_back(
              {std::string(r.subscriber), std::string(r.id), month, usage_row_to_csv(r), {}});
        else if (auto of = late.cycle_of.find(r.line); of != late.cycle_of.end())
          closing.records.push_back(
              {std::string(r.subscriber), std::string(r.id), of->second, usage_row_to_csv(r), {}});
      }
      try {
        store->close(closing);
        // the durable part first: then the files, each whole
        break;
      } catch (const billed_already& e) {
        // Records of this cycle whose identity a closed cycle billed: duplicates. Nothing
        // was written; the cycle is rated again without them.
        std::map<std::pair<std::string_view, std::string_view>, date::year_month> billed_in;
        for (const billed_record& b : e.records())
          billed_in.emplace(std::pair<std::string_view, std::string_view>(b.subscriber, b.id),
                            b.cycle);
        std::vector<std::pair<std::size_t, date::year_month>> billed_before;
        for (std::size_t i = 0; i < usage.records().size(); ++i)
          if (auto it = billed_in.find({usage.records()[i].subscriber, usage.records()[i].id});
              it != billed_in.end())
            billed_before.emplace_back(i, it->second);
        if (billed_before.empty()) throw;  // not records of this run: a fault of the store
        usage.set_aside_as_billed(std::move(billed_before));
      }
    }

    const std::string document = document_of(result.bills, o.format);
    if (files.bills) {
      files.bills->write(document);
      files.bills->commit();
    } else {
      standard_output out("the bills");
      out.write(document);
      out.finish();
    }
    if (files.rejects) {
      files.rejects->write(rejects_to_csv(result.rejects, result.duplicates));
      files.rejects->commit();
    }
    if (files.events) {
      files.events->write(events_to_csv(result.bills));
      files.events->commit();
    }
    std::cerr << fmt::format(
        "ratel rate: cycle {} closed in {}: {} records read, {} rated ({} of them late records "
        "of closed cycles), {} rejected, {} duplicates; bills: {}\n",
        to_string(month), shown(o.store), result.rows_read, result.rated, late.rated.rated,
        result.rejects.size(), result.duplicates.size(), result.bills.size());
    return result.rejects.empty() && result.duplicates.empty() ? 0 : 1;
  } catch (const input_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  } catch (const store_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  }
}

int run_bills(const bills_options& o) {
  std::optional<date::year_month> month;
  if (!o.cycle.empty()) {
    month = parse_year_month(o.cycle);
    if (!month) {
      std::cerr << fmt::format("ratel bills: --cycle: \"{}\" is not YYYY-MM\n", o.cycle);
      return 2;
    }
  }
  try {
    const std::vector<stored_bill> bills = open_store(o.store)->bills(o.subscriber, month);
    if (bills.empty()) {
      std::cerr << fmt::format("ratel bills: {} has no bill{} in {}\n", o.subscriber,
                               month ? " for " + to_string(*month) : std::string(), shown(o.store));
      return 1;
    }
    // The stored bills are ratel's bill JSON, one document each: an array of them, each
    // indented by two as in `ratel rate`'s output (the same bytes as bills_to_json).
    std::string document = "[\n";
    for (std::size_t i = 0; i < bills.size(); ++i) {
      if (i > 0) document += ",\n";
      std::string_view one = bills[i].json;
      while (one.ends_with('\n')) one.remove_suffix(1);
      for (std::size_t at = 0; at <= one.size();) {
        const std::size_t end = std::min(one.find('\n', at), one.size());
        document += "  ";
        document += one.substr(at, end - at);
        if (end < one.size()) document += '\n';
        at = end + 1;
      }
    }
    document += "\n]\n";
    standard_output out("the bills");
    out.write(document);
    out.finish();
    return 0;
  } catch (const store_error& e) {
    std::cerr << "ratel bills: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel bills: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
