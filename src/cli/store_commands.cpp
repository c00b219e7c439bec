// `ratel rate --store`, `ratel bills --store` and `ratel accounts --store` (docs/design.md
// section 6, D24): closing a cycle into a store, month after month, reading back the bills it
// keeps, and the account log it may keep for live workers.
//
// Closing a cycle: the store's last closed cycle says which cycle comes next and holds the
// carried state the cycle goes on from; the cycle is rated by the streaming pipeline
// (run/stream.hpp, within --memory-budget), each subscriber's bill, state and records
// handed to the store's close as the shards are merged, the close committed as one
// transaction, and only then are the bills and side files written (each whole or not at
// all: until then they wait in unnamed temporary files). A cycle closed already from the
// same inputs is left alone and said so; from other inputs it is refused.
//
// Records of cycles closed already (D25): one a closed cycle billed is a duplicate; any
// other is late, and is rated with its closed cycle again, the difference going on this
// cycle's bills as adjustment lines (store/late_records_in_store.hpp). The closed bills stay as
// they are; the late records are kept as records of their closed cycle.
#include <algorithm>
#include <cstdio>
#include <cstring>
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
#include "ratel/io/carried_state_json.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/rejects_csv.hpp"
#include "ratel/io/spill_file.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/stream.hpp"
#include "ratel/store/account_log_in_store.hpp"
#include "ratel/store/late_records_in_store.hpp"
#include "run_outputs.hpp"
#include "standard_output.hpp"
#include "store_access.hpp"

namespace ratel::cli {
namespace {

// Hands everything `held` holds to `to`, a megabyte at a time.
template <class Sink>
void copy_held(spill_file& held, Sink&& to) {
  held.rewind_for_reading();
  std::string block(std::size_t{1} << 20, '\0');
  while (const std::size_t got = held.read_some(block.data(), block.size()))
    to(std::string_view(block.data(), got));
}

// One subscriber's part of a close as text, from a worker to the calling thread: its bill
// JSON, its carried state and its records, each field length-prefixed.
void put_field(std::string& out, std::string_view text) {
  const std::uint64_t size = text.size();
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out.append(text);
}
std::string_view take_field(std::string_view& in) {
  std::uint64_t size = 0;
  std::memcpy(&size, in.data(), sizeof size);
  const std::string_view field = in.substr(sizeof size, size);
  in.remove_prefix(sizeof size + size);
  return field;
}

void render_closing_part(const subscriber_closing& part, std::string& out) {
  put_field(out, part.subscriber);
  put_field(out, part.bills.empty() ? std::string() : bill_to_json(part.bills.back()));
  put_field(out, part.carried != nullptr ? carried_states_to_json(std::span(part.carried, 1))
                                         : std::string());
  for (const usage_record* r : part.records) {
    const std::uint32_t line = r->line;
    put_field(out, std::string_view(reinterpret_cast<const char*>(&line), sizeof line));
    put_field(out, r->id);
    // The row is written in place and its length set after: no string of its own.
    const std::size_t length_at = out.size();
    put_field(out, {});
    append_usage_row_csv(out, *r);
    const std::uint64_t size = out.size() - length_at - sizeof size;
    std::memcpy(out.data() + length_at, &size, sizeof size);
  }
}

void add_closing_part(cycle_close& close, date::year_month month, std::string_view in) {
  const std::string subscriber(take_field(in));
  if (const std::string_view json = take_field(in); !json.empty())
    close.add(stored_bill{subscriber, month, std::string(json)});
  if (const std::string_view state = take_field(in); !state.empty())
    close.add(stored_state{subscriber, std::string(state)});
  billed_record record{subscriber, {}, month, {}, {}, 0};
  while (!in.empty()) {
    std::memcpy(&record.line, take_field(in).data(), sizeof record.line);
    record.id = take_field(in);
    record.row = take_field(in);
    close.add(record);
  }
}

// The histories of the subscribers of `records` (late records), from the account log: a
// history depends on its subscriber's lines only, and the run itself folds the whole log
// shard by shard (rate_file with the log's path). A log whose lines for them the fold
// refuses is folded whole, so that the error is the one the whole log gives.
account_book accounts_of(const std::filesystem::path& log, const rule_plan& plan,
                         std::span<const usage_record* const> records) {
  if (records.empty()) return {};
  std::vector<account_entry> entries = read_account_log(log);
  std::set<std::string_view> whose;
  for (const usage_record* r : records) whose.insert(r->subscriber);
  std::vector<account_entry> theirs;
  for (const account_entry& e : entries)
    if (whose.contains(e.subscriber)) theirs.push_back(e);
  try {
    return fold_account_log(std::move(theirs), plan);
  } catch (const input_error&) {
    return fold_account_log(std::move(entries), plan);
  }
}

}  // namespace

int run_rate_into_store(const rate_options& o, std::size_t budget) {
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
    const billing_cycle cycle = calendar_month_cycle(month, plan.home_zone());
    const carried_book after_last = last ? store->carried_after(last->cycle) : carried_book{};

    // Records of this cycle whose identity a closed cycle billed under another time: the
    // store finds them when the close is committed (a look-up per record would cost the
    // run far more); the cycle is then rated again with them set aside as duplicates.
    std::vector<set_aside_record> billed_in_this_cycle;
    for (;;) {
      carried_book from = after_last;
      store_late_records late;
      std::vector<billed_record> late_rows;  // the late records, for the close
      std::set<std::uint32_t> set_aside_lines;
      stream_closing closing;
      closing.from = &from;
      closing.adjustments = &late.rated.adjustments;
      // The rows dated outside this cycle: a record a closed cycle billed is a duplicate,
      // whichever run it comes in (D25); any other of a closed cycle is late.
      closing.outside_rows = [&](const usage_batch& outside) {
        std::vector<set_aside_record> aside = billed_in_this_cycle;
        if (!last) return aside;
        std::vector<const usage_record*> candidates;
        for (const usage_record& r : outside.records()) {
          if (r.time >= cycle.start) continue;  // after the cycle: rejected as outside it
          if (const std::optional<date::year_month> in = store->billed(r.subscriber, r.id))
            aside.push_back({r.line, std::string(r.subscriber), *in, std::nullopt});
          else
            candidates.push_back(&r);
        }
        const account_book accounts = accounts_of(o.accounts, plan, candidates);
        late =
            rate_late_records_in_store(*store, shown(o.store), plan, accounts, candidates, cycle);
        add_late_pass_charges(from, late.rated, last->cycle);
        std::map<std::uint32_t, const reject*> rejected;
        for (const reject& j : late.rated.rejects) rejected.emplace(j.line, &j);
        for (const usage_record* r : candidates) {
          const auto of = late.cycle_of.find(r->line);
          if (of == late.cycle_of.end()) continue;  // before the store's first cycle
          const auto no = rejected.find(r->line);
          aside.push_back({r->line, std::string(r->subscriber), std::nullopt,
                           no != rejected.end() ? std::optional(*no->second) : std::nullopt});
          if (no == rejected.end())
            late_rows.push_back({std::string(r->subscriber), std::string(r->id), of->second,
                                 usage_row_to_csv(*r), std::nullopt, r->line});
        }
        for (const set_aside_record& a : aside) set_aside_lines.insert(a.line);
        return aside;
      };
      closing.render = render_closing_part;
      // The close begins once the rows outside the cycle are dealt with (they read the
      // store), at the first subscriber's part: its transaction holds the store's write lock
      // from there to the commit. The parts come from the workers, one at a time.
      std::unique_ptr<cycle_close> close;
      closing.take = [&](std::string_view part) {
        if (!close) close = store->begin_close(month, inputs);
        add_closing_part(*close, month, part);
      };

      // The bills and side files wait in unnamed files until the close is committed (a
      // close that must be rated again starts them afresh).
      const spill_space temp_files({});
      spill_file bills_text = temp_files.create("the bills, until the close");
      spill_file events_text = temp_files.create("the events, until the close");
      spill_file rejects_text = temp_files.create("the rejects, until the close");
      bill_output output;
      output.parts = 2;  // the bills in the format asked for, their events
      output.render = [&](std::span<const bill> bills, std::span<std::string> parts) {
        for (const bill& b : bills) {
          if (files.events) parts[1] += bill_events_to_csv_rows(b);
          append_bill(parts[0], b, o.format);
        }
      };
      bool first = true;
      if (o.format == "csv") bills_text.append(bills_csv_header());
      output.write = [&](std::span<const std::string> parts) {
        if (o.format == "json") bills_text.append(first ? "[\n" : ",\n");
        if (o.format == "text" && !first) bills_text.append("\n");
        bills_text.append(parts[0]);
        events_text.append(parts[1]);
        first = false;
      };
      stream_options options;
      options.threads = o.threads;
      options.memory_budget = budget;
      options.rejects_kept = 0;  // all of them go to rejects_text
      options.reject_rows = [&](std::string_view row) { rejects_text.append(row); };
      options.closing = &closing;
      const stream_result result =
          rate_file(plan, o.accounts, o.usage, std::span(&cycle, 1), output, options);
      if (o.format == "json") bills_text.append(first ? "[]\n" : "\n]\n");

      if (!close) close = store->begin_close(month, inputs);
      for (const billed_record& r : late_rows) close->add(r);
      try {
        close->commit();
      } catch (const billed_already& e) {
        // Records of this cycle whose identity a closed cycle billed: duplicates. Nothing
        // was written; the cycle is rated again without them.
        for (const billed_record& b : e.records()) {
          if (b.line == 0 || set_aside_lines.contains(b.line))
            throw;  // not records of this run's cycle: a fault of the store
          billed_in_this_cycle.push_back({b.line, b.subscriber, b.cycle, std::nullopt});
        }
        continue;
      }
      close.reset();

      // The durable part first: then the files, each whole.
      if (files.bills) {
        copy_held(bills_text, [&](std::string_view text) { files.bills->write(text); });
        files.bills->commit();
      } else {
        standard_output out("the bills");
        copy_held(bills_text, [&](std::string_view text) { out.write(text); });
        out.finish();
      }
      if (files.rejects) {
        files.rejects->write(rejects_csv_header());
        copy_held(rejects_text, [&](std::string_view text) { files.rejects->write(text); });
        files.rejects->commit();
      }
      if (files.events) {
        files.events->write(events_csv_header());
        copy_held(events_text, [&](std::string_view text) { files.events->write(text); });
        files.events->commit();
      }
      std::cerr << fmt::format(
          "ratel rate: cycle {} closed in {}: {} records read, {} rated ({} of them late "
          "records of closed cycles), {} rejected, {} duplicates; bills: {}\n",
          to_string(month), shown(o.store), result.rows_read, result.rated, late.rated.rated,
          result.rejected, result.duplicated, result.bills);
      if (result.rows_read != result.rated + result.rejected + result.duplicated) {
        std::cerr << "ratel rate: internal error: the record counts do not reconcile\n";
        return 1;
      }
      return result.rejected == 0 && result.duplicated == 0 ? 0 : 1;
    }
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

int run_accounts(const accounts_options& o) {
  try {
    std::unique_ptr<cycle_store> store = open_store(o.store);
    if (o.add.empty()) {
      standard_output out("the account log");
      out.write(account_log_text(*store));
      out.finish();
      return 0;
    }
    // Read whole first: a bad line adds nothing (input_error names it).
    const std::vector<account_entry> entries = read_account_log(o.add);
    add_account_log(*store, entries);
    std::cerr << fmt::format(
        "ratel accounts: {} entries of {} added to {}; its account log holds {} (workers "
        "following it read it again within a second)\n",
        entries.size(), o.add, shown(o.store), store->account_log_size());
    return 0;
  } catch (const input_error& e) {
    std::cerr << "ratel accounts: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel accounts: " << e.what() << "\n";
    return 1;
  } catch (const store_error& e) {
    std::cerr << "ratel accounts: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
