#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <sys/stat.h>
#include <unistd.h>
#include <iostream>
#include <unordered_set>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/rejects_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/stream.hpp"
#include "rejects_shown.hpp"
#include "run_outputs.hpp"
#include "standard_output.hpp"
#include "time_left.hpp"

namespace ratel::cli {

namespace {

// Whether two descriptors are the same terminal (the bills on stdout would then share the
// screen with the progress line on stderr).
bool same_terminal(int a, int b) {
  using file_status = struct stat;
  file_status x{}, y{};
  return isatty(a) != 0 && isatty(b) != 0 && ::fstat(a, &x) == 0 && ::fstat(b, &y) == 0 &&
         x.st_rdev == y.st_rdev;
}

}  // namespace

// Where `ratel rate` stands, on one line of stderr, phase by phase: reading the usage file,
// rating, writing the bills, each with its own amount done and its own estimate of the time
// it has left. Only when stderr is a terminal, so that logs and pipes stay clean, and only
// once the run has taken a second (RATEL_PROGRESS_DELAY seconds, as git's
// GIT_PROGRESS_DELAY), so that short runs show nothing.
//
// The estimate is the phase's bytes left at the rate its bytes have been done (time_left.hpp);
// the counts are looked at ten times a second, so a move is timed within 0.1 s.
class progress_display {
 public:
  /// What the phases do, in words for the user.
  struct labels {
    std::string file;     ///< the usage file, as named on the command line
    std::string rating;   ///< e.g. "rating", or "rating, writing bill files" with --out DIR
    std::string writing;  ///< e.g. "writing the bills"
  };

  progress_display(const batch_progress& progress, labels words)
      : progress_(progress), words_(std::move(words)) {
    if (isatty(STDERR_FILENO) == 0) return;
    if (const char* delay = std::getenv("RATEL_PROGRESS_DELAY")) {
      char* end = nullptr;
      const double seconds = std::strtod(delay, &end);
      if (end != delay && *end == '\0' && seconds >= 0 && seconds < 3600)
        delay_ = std::chrono::duration<double>(seconds);
    }
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  progress_display(const progress_display&) = delete;
  progress_display& operator=(const progress_display&) = delete;
  ~progress_display() { stop(); }

  /// Stops the display and clears its line; returns once the line is clear.
  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();  // wakes the wait at once
    thread_.join();
  }

 private:
  using clock = std::chrono::steady_clock;

  void run(const std::stop_token& stop) {
    const clock::time_point started = clock::now();
    run_phase phase = run_phase::starting;
    time_left estimate;
    std::size_t width = 0;  // of what the line shows
    std::string shown;
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait_for(lock, stop, std::chrono::milliseconds(100), [] { return false; });
      if (stop.stop_requested()) break;
      const clock::time_point now = clock::now();
      const run_phase seen = progress_.phase.load(std::memory_order_acquire);
      const progress_counter* counter = counter_of(seen);
      const std::uint64_t done = counter ? counter->done.load(std::memory_order_relaxed) : 0;
      const std::uint64_t total = counter ? counter->total.load(std::memory_order_relaxed) : 0;
      if (seen != phase) {  // seen up to 0.1 s late: measure from what was done by then
        phase = seen;
        estimate.start(now, done);
      } else {
        estimate.observe(now, done);
      }
      if (now - started < delay_) continue;
      const std::string text = line(phase, done, total, estimate.seconds_left(now, total));
      if (text == shown) continue;
      width = std::max(width, text.size());
      std::fprintf(stderr, "\r%s%*s", text.c_str(), static_cast<int>(width - text.size()), "");
      shown = text;
    }
    if (width > 0) std::fprintf(stderr, "\r%*s\r", static_cast<int>(width), "");
  }

  const progress_counter* counter_of(run_phase phase) const {
    switch (phase) {
      case run_phase::copying:
        return &progress_.copied;
      case run_phase::reading:
        return &progress_.read;
      case run_phase::rating:
        return &progress_.rated;
      case run_phase::writing:
        return &progress_.written;
      case run_phase::starting:
      case run_phase::done:
        break;
    }
    return nullptr;
  }

  // One line, under 80 columns: "ratel [2/3] rating: 210/515 MB (41%), about 9 s left".
  std::string line(run_phase phase, std::uint64_t done, std::uint64_t total,
                   std::optional<double> left) const {
    std::string file = std::filesystem::path(words_.file).filename().string();
    if (file.size() > 16) file = file.substr(0, 13) + "...";
    std::string what;
    switch (phase) {
      case run_phase::starting:
        return "ratel: loading the catalog and the account log";
      case run_phase::copying:
        what = fmt::format("[1/3] copying {} from a pipe", file);
        break;
      case run_phase::reading:
        what = fmt::format("[1/3] reading {}", file);
        break;
      case run_phase::rating:
        what = "[2/3] " + words_.rating;
        break;
      case run_phase::writing:
        what = "[3/3] " + words_.writing;
        break;
      case run_phase::done:
        return "";
    }
    const auto megabytes = [](std::uint64_t bytes) { return (bytes + (1 << 19)) >> 20; };
    std::string text = "ratel " + what;
    if (total > 0) {
      text += fmt::format(": {}/{} MB ({}%)", megabytes(std::min(done, total)), megabytes(total),
                          std::min(done, total) * 100 / total);
    } else if (done > 0) {
      text += fmt::format(": {} MB", megabytes(done));
    }
    if (left) {
      const auto seconds = static_cast<std::uint64_t>(*left + 0.5);
      text += seconds < 100 ? fmt::format(", about {} s left", seconds)
                            : fmt::format(", about {} min left", (seconds + 59) / 60);
    }
    return text;
  }

  const batch_progress& progress_;
  labels words_;
  std::chrono::duration<double> delay_{1.0};  // before the first line
  std::jthread thread_;  // last: stopped and joined before the members it reads go
};

// A run covers at most ten years of cycles: more is almost certainly a typo.
constexpr std::int64_t max_cycles = 120;
// --shard I/N: far more shards than any scheduler runs, and well inside the 32-bit shard hash.
constexpr std::size_t max_shards = 65536;

namespace {

// The bills as one document (bills_to_json/text/csv, written piece by piece as the merge
// hands them over): to stdout through one large buffer, or to --out-file.
class bill_sink {
 public:
  explicit bill_sink(std::optional<atomic_file>& file) : file_(file) {}
  void write(std::string_view text) { file_ ? file_->write(text) : stdout_.write(text); }
  /// Flushes stdout or commits the file; throws output_error with the reason.
  void finish() { file_ ? file_->commit() : stdout_.finish(); }

 private:
  std::optional<atomic_file>& file_;
  standard_output stdout_{"the bills"};
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
  if (unit.empty() || unit == "B")
    shift = 0;
  else if (unit == "K" || unit == "KB" || unit == "KIB")
    shift = 10;
  else if (unit == "M" || unit == "MB" || unit == "MIB")
    shift = 20;
  else if (unit == "G" || unit == "GB" || unit == "GIB")
    shift = 30;
  else
    return std::nullopt;
  if (value == 0 || value > (std::uint64_t{1} << (50 - shift))) return std::nullopt;
  return static_cast<std::size_t>(value << shift);
}

int run_rate(const rate_options& o) {
  const std::optional<std::size_t> budget = parse_memory_size(o.memory_budget);
  if (!budget) {
    std::cerr << fmt::format(
        "ratel rate: --memory-budget: \"{}\" is not a size (e.g. 512M, 2G, 65536)\n",
        o.memory_budget);
    return 2;
  }
  // --shard I/N: I in 0..N-1 (as a Slurm array index or a Kubernetes completion index).
  std::size_t shard_index = 0, shard_count = 1;
  if (!o.shard.empty()) {
    const std::size_t slash = o.shard.find('/');
    const auto number = [](std::string_view text) -> std::optional<std::size_t> {
      std::size_t value = 0;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
      return value;
    };
    const auto index = slash == std::string::npos
                           ? std::nullopt
                           : number(std::string_view(o.shard).substr(0, slash));
    const auto count = slash == std::string::npos
                           ? std::nullopt
                           : number(std::string_view(o.shard).substr(slash + 1));
    if (!index || !count || *count < 1 || *count > max_shards || *index >= *count) {
      std::cerr << fmt::format(
          "ratel rate: --shard: \"{}\" is not I/N with 0 <= I < N <= {} (e.g. 0/4 .. 3/4)\n",
          o.shard, max_shards);
      return 2;
    }
    if (!o.store.empty()) {
      std::cerr << "ratel rate: --shard and --store: a close takes the whole cycle; rate the "
                   "shards without a store\n";
      return 2;
    }
    shard_index = *index;
    shard_count = *count;
  }
  if (!o.store.empty()) return run_rate_into_store(o, *budget);
  // --cycle YYYY-MM or YYYY-MM..YYYY-MM (consecutive months, both included).
  const auto range = parse_month_range(o.cycle);
  if (!range || (range->second - range->first).count() >= max_cycles) {
    std::cerr << fmt::format(
        "ratel rate: --cycle: \"{}\" is not YYYY-MM or YYYY-MM..YYYY-MM (first <= last, "
        "at most {} cycles)\n",
        o.cycle, max_cycles);
    return 2;
  }
  run_outputs files;
  try {
    open_outputs(o, files);
  } catch (const unusable_output& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 2;
  }
  try {
    const bool to_stdout = !files.bill_folder.has_value();  // --out - or --out-file
    const bool with_events = files.events.has_value();
    batch_progress progress;
    progress_display display(progress,
                             {o.usage, to_stdout ? "rating" : "rating, writing bill files",
                              to_stdout     ? "writing the bills"
                              : with_events ? "collecting the events"
                                            : "finishing"});
    // Bills to stdout on the very terminal stderr is on: a progress line would land inside
    // them. The user watching that terminal still wants to see the run alive while the file
    // is read and the first shard rated (no bill is written before), so the progress shows
    // until the first bill is written and is cleared then; while the bills scroll past,
    // they are the progress. (Progress after the output would only come once the run is
    // over.)
    const bool quiet_once_writing =
        to_stdout && !files.bills && same_terminal(STDOUT_FILENO, STDERR_FILENO);

    rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    std::vector<billing_cycle> cycles;
    for (date::year_month m = range->first; m <= range->second; m += date::months(1))
      cycles.push_back(calendar_month_cycle(m, plan.home_zone()));

    // Rendering happens in the workers, per subscriber: part 0 is the bills' text for
    // the document (nothing with --out DIR: the workers write the files), part 1 their events.
    const std::string ext = o.format == "text" ? "txt" : o.format;
    // Names of long ids end in a hash (bill_file_name): two such ids could meet on one name.
    std::mutex hashed_names_mutex;
    std::unordered_set<std::string> hashed_names;
    // One flush to the disk per thousand bill files, not one per file (file_batch).
    std::optional<file_batch> bill_files;
    if (files.bill_folder) bill_files.emplace(*files.bill_folder);
    bill_output output;
    output.parts = 2;
    output.render = [&](std::span<const bill> bills, std::span<std::string> parts) {
      for (const bill& b : bills) {
        if (with_events) parts[1] += bill_events_to_csv_rows(b);
        if (!to_stdout) {
          const std::string name = bill_file_name(b.subscriber, b.cycle, ext);
          if (name.find('~') != std::string::npos) {  // '~' is %7E in an id: only the hash has it
            std::lock_guard lock(hashed_names_mutex);
            if (!hashed_names.insert(name).second)
              throw output_error(
                  fmt::format("{}: two subscriber ids give this file name (their hashes "
                              "meet); use --out - or --out-file",
                              name));
          }
          bill_files->add(name, o.format == "json" ? bill_to_json(b)
                                : o.format == "text"
                                    ? bill_to_text(b)
                                    : std::string(bills_csv_header()) + bill_to_csv_rows(b));
        } else {
          append_bill(parts[0], b, o.format);
        }
      }
    };
    bill_sink out(files.bills);
    if (with_events) files.events->write(events_csv_header());
    bool first = true;
    // Before the first bill, or at the end when there is none: the progress line goes if it
    // shares the terminal, then the CSV header.
    bool started = false;
    auto start_output = [&] {
      if (started) return;
      started = true;
      if (quiet_once_writing) display.stop();
      if (to_stdout && o.format == "csv") out.write(bills_csv_header());
    };
    output.write = [&](std::span<const std::string> parts) {
      start_output();
      if (to_stdout) {
        if (o.format == "json") out.write(first ? "[\n" : ",\n");
        if (o.format == "text" && !first) out.write("\n");
        out.write(parts[0]);
      }
      if (with_events) files.events->write(parts[1]);
      first = false;
    };

    stream_options options;
    options.threads = o.threads;
    options.memory_budget = *budget;
    options.progress = &progress;
    options.shard_index = shard_index;
    options.shard_count = shard_count;
    // Rejects stream to their file; only a screenful is kept for stderr.
    options.rejects_kept = rejects_shown;
    if (files.rejects) {
      files.rejects->write(rejects_csv_header());
      options.reject_rows = [&](std::string_view row) { files.rejects->write(row); };
    } else {
      options.reject_rows = [](std::string_view) {};
    }
    // The account log is read as the usage is, shard by shard: memory does not grow with
    // the number of subscribers.
    stream_result result =
        rate_file(plan, std::filesystem::path(o.accounts), o.usage, cycles, output, options);
    start_output();
    display.stop();  // before the summary and the rejects, on stderr
    if (to_stdout && o.format == "json") out.write(first ? "[]\n" : "\n]\n");
    out.finish();
    if (bill_files) bill_files->finish();  // the last files in place, the folder synced
    if (files.rejects) files.rejects->commit();
    if (files.events) files.events->commit();

    if (!files.rejects) {
      const std::size_t shown = std::min(result.rejects.size(), rejects_shown);
      for (std::size_t i = 0; i < shown; ++i) {
        const reject& j = result.rejects[i];
        std::cerr << fmt::format("{}:{}: {}: {}\n", printable(o.usage), j.line, to_string(j.reason),
                                 printable(j.detail));
      }
      if (result.rejected > shown)
        std::cerr << fmt::format(
            "ratel rate: ... and {} more rejected records; --rejects FILE writes them all\n",
            result.rejected - shown);
    }
    std::cerr << fmt::format(
        "ratel rate: cycle {}{}: {} records read, {} rated, {} rejected, {} duplicates; bills: "
        "{}{}\n",
        o.cycle,
        shard_count > 1 ? fmt::format(" (shard {} of {})", shard_index, shard_count)
                        : std::string(),
        result.rows_read, result.rated, result.rejected, result.duplicated, result.bills,
        files.rejects && (result.rejected > 0 || result.duplicated > 0)
            ? fmt::format(" (rejects and duplicates in {})", printable(o.rejects))
            : std::string());
    if (result.rows_read != result.rated + result.rejected + result.duplicated) {
      std::cerr << "ratel rate: internal error: the record counts do not reconcile\n";
      return 1;
    }
    return result.rejected == 0 && result.duplicated == 0 ? 0 : 1;
  } catch (const input_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel rate: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
