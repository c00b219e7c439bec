#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <unistd.h>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/stream.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/rejects_csv.hpp"

namespace ratel::cli {

// Records rated, the rate and the time left, on one line of stderr, while a batch runs; only
// when stderr is a terminal, so that logs and pipes stay clean.
class progress_display {
 public:
  explicit progress_display(const batch_progress& progress) {
    if (isatty(STDERR_FILENO) == 0) return;
    thread_ = std::jthread([&progress](std::stop_token stop) {
      const auto started = std::chrono::steady_clock::now();
      bool shown = false;
      while (!stop.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        const std::size_t total = progress.records_total;
        const std::size_t done = std::min<std::size_t>(progress.records_done, total);
        const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - started).count();
        if (total == 0 || elapsed_ms < 1000) continue;  // short runs show nothing
        const std::size_t per_second = done * 1000 / static_cast<std::size_t>(elapsed_ms);
        const std::size_t eta = per_second == 0 ? 0 : (total - done) / per_second;
        std::fprintf(stderr, "\rratel rate: %zu of %zu records, %zu/s, about %zu s left   ", done, total,
                     per_second, eta);
        shown = true;
      }
      if (shown) std::fprintf(stderr, "\r%80s\r", "");
    });
  }

 private:
  std::jthread thread_;
};

// A run covers at most ten years of cycles: more is almost certainly a typo.
constexpr std::int64_t max_cycles = 120;
namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw input_error({path.string(), 0, 0}, "", "cannot write this file");
}


// Bills go to stdout as the streaming merge hands them over, through one large buffer.
class stdout_writer {
 public:
  void write(std::string_view text) {
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) failed_ = true;
  }
  bool finish() { return std::fflush(stdout) == 0 && !failed_; }

 private:
  bool failed_ = false;
};

}  // namespace

std::optional<std::size_t> parse_memory_size(std::string_view text) {
  // Digits, then an optional binary unit: K, M, G (KiB, MiB, GiB; "MB" and "MiB" read the same).
  std::size_t i = 0;
  std::uint64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (value > (std::uint64_t{1} << 50)) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(text[i++] - '0');
  }
  if (i == 0) return std::nullopt;
  std::string unit(text.substr(i));
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (unit.empty() || unit == "B") shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KIB") shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB") shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB") shift = 30;
  else return std::nullopt;
  if (value == 0 || value > (std::uint64_t{1} << (50 - shift))) return std::nullopt;
  return static_cast<std::size_t>(value << shift);
}

int run_rate(const rate_options& o) {
  // --cycle YYYY-MM or YYYY-MM..YYYY-MM (consecutive months, both included).
  const auto range = parse_month_range(o.cycle);
  if (!range || (range->second - range->first).count() >= max_cycles) {
    std::cerr << fmt::format("ratel rate: --cycle: \"{}\" is not YYYY-MM or YYYY-MM..YYYY-MM (first <= last, "
                             "at most {} cycles)\n", o.cycle, max_cycles);
    return 2;
  }
  const std::optional<std::size_t> budget = parse_memory_size(o.memory_budget);
  if (!budget) {
    std::cerr << fmt::format("ratel rate: --memory-budget: \"{}\" is not a size (e.g. 512M, 2G, 65536)\n",
                             o.memory_budget);
    return 2;
  }
  try {
    rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
    std::vector<billing_cycle> cycles;
    for (date::year_month m = range->first; m <= range->second; m += date::months(1))
      cycles.push_back(calendar_month_cycle(m, plan.home_zone()));

    // Rendering happens in the workers, per subscriber: part 0 is the bills' text for
    // stdout (nothing with --out DIR: the workers write the files), part 1 their events.
    const bool to_stdout = o.out == "-";
    const bool with_events = !o.events.empty();
    if (!to_stdout) std::filesystem::create_directories(o.out);
    const std::string ext = o.format == "text" ? "txt" : o.format;
    bill_output output;
    output.parts = 2;
    output.render = [&](std::span<const bill> bills, std::span<std::string> parts) {
      for (const bill& b : bills) {
        if (with_events) parts[1] += bill_events_to_csv_rows(b);
        if (!to_stdout) {
          auto path = std::filesystem::path(o.out) / fmt::format("{}-{}.{}", b.subscriber, to_string(b.cycle), ext);
          write_file(path, o.format == "json" ? bill_to_json(b)
                           : o.format == "text" ? bill_to_text(b)
                                                : std::string(bills_csv_header()) + bill_to_csv_rows(b));
        } else if (o.format == "text") {
          if (!parts[0].empty()) parts[0] += "\n";
          parts[0] += bill_to_text(b);
        } else if (o.format == "csv") {
          parts[0] += bill_to_csv_rows(b);
        } else {
          if (!parts[0].empty()) parts[0] += ",\n";
          parts[0] += bill_to_json_element(b);
        }
      }
    };
    // The documents of bills_to_json/text/csv, written piece by piece.
    stdout_writer out;
    std::string events(events_csv_header());
    bool first = true;
    output.write = [&](std::span<const std::string> parts) {
      if (to_stdout) {
        if (o.format == "json") out.write(first ? "[\n" : ",\n");
        if (o.format == "text" && !first) out.write("\n");
        out.write(parts[0]);
      }
      events += parts[1];
      first = false;
    };
    if (to_stdout && o.format == "csv") out.write(bills_csv_header());

    stream_options options;
    options.threads = o.threads;
    options.memory_budget = *budget;
    batch_progress progress;
    options.progress = &progress;
    stream_result result = [&] {
      progress_display display(progress);  // on a terminal only; stops when rating is done
      return rate_file(plan, accounts, o.usage, cycles, output, options);
    }();
    if (to_stdout && o.format == "json") out.write(first ? "[]\n" : "\n]\n");
    if (!out.finish()) throw input_error({"stdout", 0, 0}, "", "cannot write the bills");

    if (!o.rejects.empty()) write_file(o.rejects, rejects_to_csv(result.rejects, result.duplicates));
    if (with_events) write_file(o.events, events);
    std::cerr << fmt::format(
        "ratel rate: cycle {}: {} records read, {} rated, {} rejected, {} duplicates; bills: {}\n",
        o.cycle, result.rows_read, result.rated, result.rejects.size(),
        result.duplicates.size(), result.bills);
    if (result.rows_read != result.rated + result.rejects.size() + result.duplicates.size()) {
      std::cerr << "ratel rate: internal error: the record counts do not reconcile\n";
      return 1;
    }
    if (!result.rejects.empty() || !result.duplicates.empty()) {
      if (o.rejects.empty())
        for (const reject& j : result.rejects)
          std::cerr << fmt::format("{}:{}: {}: {}\n", o.usage, j.line, to_string(j.reason), j.detail);
      return 1;
    }
    return 0;
  } catch (const input_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
