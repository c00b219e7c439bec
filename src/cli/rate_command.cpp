#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <unistd.h>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/detail/csv.hpp"
#include "ratel/batch.hpp"
#include "ratel/catalog_toml.hpp"

namespace ratel::cli {
namespace csv = detail::csv;

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
        const std::size_t done = progress.records_done, total = progress.records_total;
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


// Everything that was read but not rated, one row each: rejects and duplicates.
std::string rejects_csv(const batch_result& r) {
  std::string out = "line,subscriber,id,reason,detail\n";
  struct row { std::uint32_t line; std::string text; };
  std::vector<row> rows;
  for (const reject& j : r.rejects)
    rows.push_back({j.line, fmt::format("{},{},{},{},{}\n", j.line, csv::quote(j.subscriber),
                                        csv::quote(j.id), to_string(j.reason), csv::quote(j.detail))});
  for (const duplicate& d : r.duplicates)
    rows.push_back({d.line, fmt::format("{},{},{},duplicate,{}\n", d.line, csv::quote(d.subscriber),
                                        csv::quote(d.id),
                                        csv::quote(fmt::format("same subscriber and id as line {}{}",
                                                              d.kept_line,
                                                              d.same_content ? "" : " (different content; line " + std::to_string(d.kept_line) + " is rated)")))});
  std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.line < b.line; });
  for (const row& x : rows) out += x.text;
  return out;
}

}  // namespace

int run_rate(const rate_options& o) {
  // --cycle YYYY-MM or YYYY-MM..YYYY-MM (consecutive months, both included).
  const auto range = parse_month_range(o.cycle);
  if (!range || (range->second - range->first).count() >= max_cycles) {
    std::cerr << fmt::format("ratel rate: --cycle: \"{}\" is not YYYY-MM or YYYY-MM..YYYY-MM (first <= last, "
                             "at most {} cycles)\n", o.cycle, max_cycles);
    return 2;
  }
  try {
    rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    account_book accounts = fold_account_log(read_account_log(o.accounts), plan);
    usage_batch usage = usage_batch::read_file(o.usage);
    std::vector<billing_cycle> cycles;
    for (date::year_month m = range->first; m <= range->second; m += date::months(1))
      cycles.push_back(calendar_month_cycle(m, plan.home_zone()));
    batch_progress progress;
    batch_result result = [&] {
      progress_display display(progress);  // on a terminal only; stops when rating is done
      return rate_batch(plan, accounts, usage, cycles, o.threads, &progress);
    }();

    auto render_all = [&](const std::vector<bill>& bills) {
      if (o.format == "text") return bills_to_text(bills);
      if (o.format == "csv") return bills_to_csv(bills);
      return bills_to_json(bills, o.threads);
    };
    if (o.out == "-") {
      std::cout << render_all(result.bills);
    } else {
      std::filesystem::create_directories(o.out);
      for (const bill& b : result.bills) {
        std::string ext = o.format == "text" ? "txt" : o.format;
        auto path = std::filesystem::path(o.out) / fmt::format("{}-{}.{}", b.subscriber, to_string(b.cycle), ext);
        write_file(path, o.format == "json" ? bill_to_json(b) : render_all({b}));
      }
    }
    if (!o.rejects.empty()) write_file(o.rejects, rejects_csv(result));
    if (!o.events.empty()) write_file(o.events, events_to_csv(result.bills));
    std::cerr << fmt::format(
        "ratel rate: cycle {}: {} records read, {} rated, {} rejected, {} duplicates; bills: {}\n",
        o.cycle, result.rows_read, result.rated, result.rejects.size(),
        result.duplicates.size(), result.bills.size());
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
  }
}

}  // namespace ratel::cli
