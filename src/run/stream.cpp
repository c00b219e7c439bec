// The streaming pipeline of stream.hpp: route rows to shards of subscriber ranges, rate the
// shards in workers, write their rendered output shard after shard.
#include "ratel/run/stream.hpp"
#include "io/account_rows.hpp"
#include "io/usage_framing.hpp"
#include "ratel/io/usage_csv.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "engine/account_fold.hpp"
#include "engine/hash.hpp"
#include "engine/huge_pages.hpp"
#include "io/csv.hpp"
#include "io/file.hpp"
#include "ratel/error.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/rejects_csv.hpp"
#include "ratel/io/spill_file.hpp"
#include "run/batch_internal.hpp"
#include "run/subscriber_index.hpp"
#include "run/subscriber_ranges.hpp"

namespace ratel {
namespace {

namespace csv = detail::csv;
namespace fs = std::filesystem;

using detail::file_ptr;
using detail::subscriber_ranges;

}  // namespace

std::size_t subscriber_shard(std::string_view subscriber, std::size_t count) noexcept {
  // The hash mixed again, so that its low bits depend on all of the id's bytes.
  std::uint64_t h = detail::string_hash(subscriber);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return static_cast<std::size_t>(((h & 0xffffffffULL) * count) >> 32);  // count < 2^32
}

namespace {

// The rows of each shard: in memory while all shards together hold less than `limit`
// bytes; past that, every shard's rows are appended to its file, and the buffers are
// refilled (their memory is kept until the last row is in).
class shard_router {
 public:
  shard_router(const subscriber_ranges& ranges, std::size_t limit, const spill_space& dir,
               std::string file_prefix)
      : ranges_(ranges),
        rows_(ranges.shards()),
        files_(ranges.shards()),
        limit_(limit),
        dir_(dir),
        prefix_(std::move(file_prefix)) {}

  /// Reserves what each shard will likely hold (`bytes` of rows in all, framed), so that
  /// buffers are not regrown and copied; reserving does not touch the pages.
  void expect(std::uintmax_t bytes) {
    const std::uintmax_t per_shard =
        std::min<std::uintmax_t>(bytes + bytes / 6, limit_) / rows_.size();
    for (std::string& shard : rows_) {
      shard.reserve(static_cast<std::size_t>(per_shard));
      detail::prefer_huge_pages(shard.data(), shard.capacity());
    }
  }

  void add(std::string_view subscriber, std::uint32_t line, std::string_view row) {
    std::string& shard = rows_[ranges_.shard_of(subscriber)];
    const std::size_t before = shard.size();
    append_framed_row(shard, line, row);
    buffered_ += shard.size() - before;
    if (buffered_ > limit_) spill();
  }

  /// Once every row is in: spills what is buffered if anything was spilled before, so
  /// that rating starts with the reading memory free.
  void finish() {
    if (!spilled_) return;
    spill();
    for (std::string& shard : rows_) std::string().swap(shard);
  }
  bool spilled() const noexcept { return spilled_; }

  /// Shard `s`'s rows (its file's, then its buffer's), leaving nothing behind.
  std::string take(std::size_t s) {
    if (!files_[s]) return std::move(rows_[s]);  // in memory only: no copy
    std::string text;
    files_[s].read_all(text);
    files_[s] = spill_file();
    text += rows_[s];
    std::string().swap(rows_[s]);
    return text;
  }

 private:
  void spill() {
    for (std::size_t s = 0; s < rows_.size(); ++s) {
      if (rows_[s].empty()) continue;
      if (!files_[s]) files_[s] = dir_.create(fmt::format("{}{}", prefix_, s));
      files_[s].append(rows_[s]);
      // A buffer within twice its share keeps its memory: refilling it costs no new pages.
      // One past it gives it back: a file in subscriber order (an account log usually is)
      // fills one range's buffer after another, and keeping each one's memory held the
      // whole file's size in buffers (1.2 GB for a 1.1 GB log in a 512 MiB budget).
      if (rows_[s].capacity() > 2 * limit_ / rows_.size())
        std::string().swap(rows_[s]);
      else
        rows_[s].clear();
    }
    buffered_ = 0;
    spilled_ = true;
  }

  const subscriber_ranges& ranges_;
  std::vector<std::string> rows_;
  std::vector<spill_file> files_;
  std::size_t limit_;
  std::size_t buffered_ = 0;
  bool spilled_ = false;
  const spill_space& dir_;
  std::string prefix_;
};

// A usage row is at most 64 KiB (max_row_bytes); a longer line is still read whole, to be
// rejected as one malformed row. Past this, the input is not a usage file (a binary file,
// /dev/zero) and reading on would only grow memory forever: the run stops.
constexpr std::size_t longest_usage_line = std::size_t{64} << 20;

[[noreturn]] void line_too_long(const std::string& name, std::size_t line) {
  throw input_error({name, static_cast<std::uint32_t>(std::min<std::size_t>(line, UINT32_MAX)), 1},
                    "",
                    fmt::format("a line longer than {} bytes: this is not a usage CSV file (one "
                                "short record per line)",
                                longest_usage_line));
}

// Counts lines as bytes stream past, and stops input that has no line end where a usage
// file would have one (checked while a pipe is copied, before anything is kept of it).
class line_length_guard {
 public:
  explicit line_length_guard(std::string name) : name_(std::move(name)) {}
  void check(std::string_view bytes) {
    for (;;) {
      const void* newline = std::memchr(bytes.data(), '\n', bytes.size());
      const std::size_t length =
          newline == nullptr
              ? bytes.size()
              : static_cast<std::size_t>(static_cast<const char*>(newline) - bytes.data());
      current_ += length;
      if (current_ > longest_usage_line) line_too_long(name_, line_);
      if (newline == nullptr) return;
      bytes.remove_prefix(length + 1);
      current_ = 0;
      ++line_;
    }
  }

 private:
  std::string name_;
  std::size_t line_ = 1;     // the line being read, from 1
  std::size_t current_ = 0;  // its bytes so far
};

// Calls `line(text)` for each line of the file's bytes [begin, end) (end = -1: to the end of
// the file), reading `block_size` bytes at a time; `line` returns false to stop. Lines end
// as csv::line_reader's do: at "\n", with a "\r" before it removed; a last line without a
// newline is still a line. Returns the offset just past the last line read. `bytes_read`,
// if given, grows by each block read (one relaxed add per block, for a progress display).
template <typename OnLine>
std::uintmax_t read_lines(std::FILE* file, const std::string& name, std::uintmax_t begin,
                          std::uintmax_t end, std::size_t block_size, OnLine&& line,
                          std::atomic<std::uint64_t>* bytes_read = nullptr) {
  if (::fseeko(file, static_cast<off_t>(begin), SEEK_SET) != 0)
    throw input_error({name, 0, 0}, "", fmt::format("cannot read: {}", std::strerror(errno)));
  std::string block(block_size, '\0');
  std::size_t kept = 0;           // bytes of an unfinished line at the start of `block`
  std::uintmax_t offset = begin;  // file offset of block[0]
  auto emit = [&](std::string_view text) {
    if (text.ends_with('\r')) text.remove_suffix(1);
    return line(text);
  };
  for (;;) {
    if (kept == block.size()) {  // a line longer than a block
      if (kept > longest_usage_line)
        throw input_error(
            {name, 0, 0}, "",
            fmt::format("the line at byte {} is longer than {} bytes: this is not a CSV "
                        "file of records (one short line each)",
                        offset, longest_usage_line));
      block.resize(block.size() * 2);
    }
    std::size_t want = block.size() - kept;
    if (end != std::uintmax_t(-1))
      want = static_cast<std::size_t>(std::min<std::uintmax_t>(want, end - offset - kept));
    const std::size_t got = want == 0 ? 0 : std::fread(block.data() + kept, 1, want, file);
    if (bytes_read != nullptr) bytes_read->fetch_add(got, std::memory_order_relaxed);
    if (got == 0) {
      if (std::ferror(file))
        throw input_error({name, 0, 0}, "", fmt::format("cannot read: {}", std::strerror(errno)));
      break;
    }
    std::string_view text(block.data(), kept + got);
    for (;;) {
      const void* newline = std::memchr(text.data(), '\n', text.size());
      if (newline == nullptr) break;
      const std::size_t length =
          static_cast<std::size_t>(static_cast<const char*>(newline) - text.data());
      const bool more = emit(text.substr(0, length));
      text.remove_prefix(length + 1);
      if (!more) return offset + static_cast<std::size_t>(text.data() - block.data());
    }
    kept = text.size();
    offset += static_cast<std::size_t>(text.data() - block.data());
    std::memmove(block.data(), text.data(), kept);
  }
  if (kept > 0) emit(std::string_view(block.data(), kept));  // a last line without a newline
  return offset + kept;
}

// The header, read as usage_batch::read_file and read_account_log do: a byte order mark and
// blank lines before it are skipped; no non-blank line at all is an empty file. `Columns`
// (usage_columns, account_columns) reads the header line.
template <typename Columns>
struct file_start {
  std::optional<Columns> columns;
  std::uintmax_t body = 0;  // offset of the first line after the header
  std::size_t lines_before_body = 0;
};

template <typename Columns>
file_start<Columns> read_header(std::FILE* file, const std::string& name) {
  file_start<Columns> start;
  char bom[3] = {};
  const std::size_t got = std::fread(bom, 1, 3, file);
  const std::uintmax_t begin =
      got == 3 && std::string_view(bom, 3) == csv::line_reader::byte_order_mark ? 3 : 0;
  start.body =
      read_lines(file, name, begin, std::uintmax_t(-1), 64 << 10, [&](std::string_view text) {
        ++start.lines_before_body;
        if (csv::is_blank(text)) return true;
        start.columns = Columns::from_header(
            text, name, csv::checked_line_number(start.lines_before_body, name));
        return false;
      });
  if (!start.columns) throw Columns::empty_file(name);
  return start;
}

// The offset of the first line starting at or after `at` (a line starts after a '\n').
std::uintmax_t next_line_start(std::FILE* file, const std::string& name, std::uintmax_t at) {
  return read_lines(file, name, at - 1, std::uintmax_t(-1), 4096,
                    [](std::string_view) { return false; });
}

// Adds to `samples` the subscribers of the first few whole lines within 4 KiB after each
// of `points` offsets spread evenly over the file's bytes [begin, end), each point weighing
// `weight` (shared by its lines). A line longer than that is not sampled (reading on to its
// end from every point inside it made a file with a 17 MiB line take minutes); nor is a
// last line without a line end. `Columns` finds a line's subscriber as the routing does.
template <typename Columns>
void sample_subscribers(const std::string& path, const std::string& name, std::uintmax_t begin,
                        std::uintmax_t end, const Columns& columns, std::size_t points,
                        std::uint64_t weight, std::vector<subscriber_ranges::sample>& samples) {
  if (end <= begin || points == 0) return;
  constexpr std::size_t lines_per_point = 4, window = 4096;
  const file_ptr file = detail::open_input(path);
  std::string block(window, '\0'), scratch;
  std::vector<std::string> found;
  for (std::size_t p = 0; p < points; ++p) {
    const std::uintmax_t at = begin + (end - begin) * p / points;
    // From the byte before `at`, the first line end closes the line `at` is in (or is that
    // byte itself): the lines after it are whole.
    const std::uintmax_t from = at > begin ? at - 1 : at;
    const auto want = static_cast<std::size_t>(std::min<std::uintmax_t>(window, end - from));
    if (::fseeko(file.get(), static_cast<off_t>(from), SEEK_SET) != 0)
      throw input_error({name, 0, 0}, "", fmt::format("cannot read: {}", std::strerror(errno)));
    const std::size_t got = std::fread(block.data(), 1, want, file.get());
    if (got < want && std::ferror(file.get()))
      throw input_error({name, 0, 0}, "", fmt::format("cannot read: {}", std::strerror(errno)));
    std::string_view text(block.data(), got);
    found.clear();
    for (bool whole = at == begin; found.size() < lines_per_point;) {
      const std::size_t line_end = text.find('\n');
      if (line_end == std::string_view::npos) break;
      std::string_view line = text.substr(0, line_end);
      text.remove_prefix(line_end + 1);
      if (!whole) {
        whole = true;
        continue;
      }
      if (line.ends_with('\r')) line.remove_suffix(1);
      if (!csv::is_blank(line)) found.emplace_back(columns.subscriber_of(line, scratch));
    }
    for (std::string& subscriber : found)
      samples.push_back({std::move(subscriber), weight / found.size()});
  }
}

// Routes the data rows of bytes [begin, end) to `router`, numbering lines from 1 within the
// range (the range's first line number is only known once the ranges before it are
// counted); counts the rows, their bytes (each with one line end: what rating them will
// report, see renumber) and the lines; `bytes_read` as read_lines.
// With `outside` (a run that closes its cycle): every row with a valid time outside
// [from, to) is also appended to it, framed, for stream_closing::outside_rows.
void route_range(const std::string& path, const std::string& name, std::uintmax_t begin,
                 std::uintmax_t end, const usage_columns& columns, std::size_t block_size,
                 shard_router& router, std::size_t& rows, std::uint64_t& row_bytes,
                 std::size_t& lines, std::atomic<std::uint64_t>* bytes_read, instant from,
                 instant to, std::string* outside, std::size_t only_shard,
                 std::size_t shard_count) {
  if (begin >= end) return;
  const file_ptr file = detail::open_input(path);
  std::string scratch, time_scratch;
  read_lines(
      file.get(), name, begin, end, block_size,
      [&](std::string_view text) {
        ++lines;
        if (csv::is_blank(text)) return true;
        const std::string_view subscriber = columns.subscriber_of(text, scratch);
        if (shard_count > 1 && subscriber_shard(subscriber, shard_count) != only_shard)
          return true;  // another --shard's row
        ++rows;
        row_bytes += text.size() + 1;
        const std::uint32_t line = csv::checked_line_number(lines, name);
        router.add(subscriber, line, text);
        if (outside != nullptr)
          if (const std::optional<instant> t = parse_rfc3339(columns.time_of(text, time_scratch));
              t && (*t < from || *t >= to))
            append_framed_row(*outside, line, text);
        return true;
      },
      bytes_read);
}

// Routes the lines of the account log's bytes [begin, end) to `router`, numbering lines
// from 1 within the range, as route_range does for usage rows. Every line goes to its
// subscriber's shard, also under --shard: the histories of other --shards' subscribers are
// folded too (not billed), so that a bad log is reported as the whole log's fold would.
void route_account_range(const std::string& path, const std::string& name, std::uintmax_t begin,
                         std::uintmax_t end, const account_columns& columns, std::size_t block_size,
                         shard_router& router, std::size_t& lines,
                         std::atomic<std::uint64_t>* bytes_read) {
  if (begin >= end) return;
  const file_ptr file = detail::open_input(path);
  std::string scratch;
  read_lines(
      file.get(), name, begin, end, block_size,
      [&](std::string_view text) {
        ++lines;
        if (csv::is_blank(text)) return true;
        router.add(columns.subscriber_of(text, scratch), csv::checked_line_number(lines, name),
                   text);
        return true;
      },
      bytes_read);
}

// Adds `base` to the line number of every framed row of `text` (see append_framed_row);
// returns the number of rows.
std::size_t renumber(std::string& text, std::size_t base, const std::string& name) {
  std::size_t rows = 0;
  for (std::size_t at = 0; at < text.size(); ++rows) {
    std::uint32_t line = 0, size = 0;
    std::memcpy(&line, text.data() + at, 4);
    std::memcpy(&size, text.data() + at + 4, 4);
    line = csv::checked_line_number(base + line, name);
    std::memcpy(text.data() + at, &line, 4);
    at += 8 + size;
  }
  return rows;
}

// Starts `phase` once its counter's total is stored: the phase's store releases it to a
// display that reads the phase first.
void enter(batch_progress* progress, run_phase phase,
           progress_counter batch_progress::*counter = nullptr, std::uint64_t total = 0) {
  if (progress == nullptr) return;
  if (counter != nullptr) (progress->*counter).total.store(total, std::memory_order_relaxed);
  progress->phase.store(phase, std::memory_order_release);
}

// One shard's rendered output: entries of (subscriber, parts) in subscriber order, each
// field length-prefixed; in memory, or in a file when the run holds too much output.
struct shard_output {
  std::string memory;
  spill_file file;
  std::size_t counted = 0;  // of the memory, what the run's held output counts
};

void append_field(std::string& out, std::string_view text) {
  const std::uint64_t size = text.size();
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out.append(text);
}

// Walks one shard's entries.
class shard_entry_reader {
 public:
  shard_entry_reader(shard_output& source, std::size_t parts) : parts(parts), source_(source) {
    if (source_.file) source_.file.rewind_for_reading();
  }

  /// Reads the next entry into subscriber/parts; false at the end.
  bool next() {
    if (!field(subscriber)) return false;
    for (std::string& p : parts) {
      const bool whole = field(p);
      assert(whole);
      (void)whole;
    }
    return true;
  }

  std::string subscriber;
  std::vector<std::string> parts;

 private:
  bool field(std::string& out) {
    std::uint64_t size = 0;
    if (!source_.file) {
      if (at_ == source_.memory.size()) return false;
      std::memcpy(&size, source_.memory.data() + at_, sizeof size);
      out.assign(source_.memory, at_ + sizeof size, size);
      at_ += sizeof size + size;
      return true;
    }
    if (!source_.file.read(&size, sizeof size)) return false;
    out.resize(size);
    if (size > 0 && !source_.file.read(out.data(), size))
      throw output_error("a spill file ended inside an entry");  // read() counts: cannot happen
    return true;
  }

  shard_output& source_;
  std::size_t at_ = 0;
};

// A close's records of the shard whose identity a closed cycle billed (set_aside_record::
// billed_in) become duplicates before the shard is rated. Records and set-aside rows are
// both in line order.
void set_aside_billed(usage_batch& batch, const std::vector<set_aside_record>& aside) {
  std::vector<std::pair<std::size_t, date::year_month>> billed;
  const std::vector<usage_record>& records = batch.records();
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto it = std::lower_bound(
        aside.begin(), aside.end(), records[i].line,
        [](const set_aside_record& a, std::uint32_t line) { return a.line < line; });
    if (it != aside.end() && it->line == records[i].line && it->billed_in)
      billed.emplace_back(i, *it->billed_in);
  }
  if (!billed.empty()) batch.set_aside_as_billed(std::move(billed));
}

// The late records of a close, which the caller rated with their closed cycles: the shard
// rejected them as outside its cycles; they count as the caller's rating counted them.
void count_late(batch_result& rated, const std::vector<set_aside_record>& aside) {
  std::vector<std::uint32_t> late;
  for (const set_aside_record& a : aside)
    if (!a.billed_in) late.push_back(a.line);  // in line order
  if (late.empty()) return;
  const std::size_t before = rated.rejects.size();
  std::erase_if(rated.rejects, [&](const reject& j) {
    return j.reason == reject_reason::outside_cycle &&
           std::binary_search(late.begin(), late.end(), j.line);
  });
  // Each late row was kept by its shard as by outside_rows (the same content order), so
  // each was rejected here.
  if (before - rated.rejects.size() != late.size())
    throw std::logic_error("a late record set aside was not rejected by its shard");
  for (const set_aside_record& a : aside) {
    if (a.billed_in) continue;
    if (a.rejected)
      rated.rejects.push_back(*a.rejected);
    else
      ++rated.rated;
  }
  std::sort(rated.rejects.begin(), rated.rejects.end(),
            [](const reject& a, const reject& b) { return a.line < b.line; });
}

// The records in id order (what a close stores them in). The ids' first eight bytes,
// compared as one big-endian number, order most pairs without a string comparison.
void sort_by_id(std::span<const usage_record*> records) {
  struct keyed {
    std::uint64_t head;
    const usage_record* record;
  };
  std::vector<keyed> keys;
  keys.reserve(records.size());
  for (const usage_record* r : records) {
    unsigned char bytes[8] = {};
    if (!r->id.empty())  // an empty view's data() may be null, which memcpy must not get
      std::memcpy(bytes, r->id.data(), std::min<std::size_t>(r->id.size(), 8));
    std::uint64_t head = 0;
    for (unsigned char b : bytes) head = head << 8 | b;
    keys.push_back({head, r});
  }
  // Heads zero-padded: a shorter id that is a prefix pads with zeros and so comes first, as
  // in the ids' own order; equal heads fall back to the whole ids.
  std::sort(keys.begin(), keys.end(), [](const keyed& x, const keyed& y) {
    return x.head != y.head ? x.head < y.head : x.record->id < y.record->id;
  });
  for (std::size_t i = 0; i < keys.size(); ++i) records[i] = keys[i].record;
}

// A closing shard's parts: for every subscriber with a bill or a carried state, in
// subscriber order, rendered and handed to stream_closing::take at once, one worker at a
// time (`taking`): the close gets them as the shards are rated, never held or spilled.
void hand_over_closing(const stream_closing& closing, std::span<const billing_cycle> cycles,
                       const usage_batch& batch, const batch_result& rated, std::mutex& taking) {
  std::vector<std::uint32_t> rejected;
  rejected.reserve(rated.rejects.size());
  for (const reject& j : rated.rejects) rejected.push_back(j.line);
  std::sort(rejected.begin(), rejected.end());
  // The records rated in the cycles (not rejected, and not late ones: count_late took their
  // rejects away, the caller rated them with their own cycles), grouped by subscriber:
  // records_of[start[k]..start[k + 1]) are subscriber k's.
  const std::vector<usage_record>& records = batch.records();
  detail::subscriber_index index(rated.bills.size() + rated.carried.size());
  std::vector<std::uint32_t> group_of(records.size(), detail::subscriber_index::none);
  std::vector<std::size_t> start;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const usage_record& r = records[i];
    if (r.time < cycles.front().start || r.time >= cycles.back().end ||
        std::binary_search(rejected.begin(), rejected.end(), r.line))
      continue;
    group_of[i] = index.find_or_add(r.subscriber);
    if (group_of[i] == start.size()) start.push_back(0);
    ++start[group_of[i]];
  }
  std::size_t total = 0;
  for (std::size_t& s : start) total += std::exchange(s, total);
  start.push_back(total);
  std::vector<const usage_record*> records_of(total);
  {
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < records.size(); ++i)
      if (group_of[i] != detail::subscriber_index::none)
        records_of[next[group_of[i]]++] = &records[i];
  }
  const std::vector<bill>& bills = rated.bills;
  const std::vector<carried_state>& carried = rated.carried;
  std::string part;
  for (std::size_t b = 0, c = 0; b < bills.size() || c < carried.size();) {
    std::string_view who;
    if (b < bills.size()) who = bills[b].subscriber;
    if (c < carried.size() && (who.empty() || carried[c].subscriber < who))
      who = carried[c].subscriber;
    std::size_t bills_end = b;
    while (bills_end < bills.size() && bills[bills_end].subscriber == who) ++bills_end;
    const carried_state* state =
        c < carried.size() && carried[c].subscriber == who ? &carried[c++] : nullptr;
    std::span<const usage_record*> own;
    if (const std::uint32_t k = index.find(who); k != detail::subscriber_index::none)
      own = std::span(records_of).subspan(start[k], start[k + 1] - start[k]);
    sort_by_id(own);
    part.clear();
    closing.render({who, std::span(bills).subspan(b, bills_end - b), state, own}, part);
    {
      const std::lock_guard lock(taking);
      closing.take(part);
    }
    b = bills_end;
  }
}

// The shard count: enough shards that one being rated (its rows, about three times their
// size once parsed and grouped, and its bills) fits a worker's share of the budget, and a
// few per worker so that workers finish together. Small shards are also faster: a shard
// of about 8 MiB of rows keeps its de-duplication table and subscriber map in cache.
std::size_t shard_count(std::uintmax_t input_bytes, std::size_t budget, unsigned threads) {
  // Spill files stay open while reading, one per shard per reading thread: stay well
  // inside the usual limit of 1024 descriptors.
  const std::size_t max_shards = std::max<std::size_t>(512 / threads, 1);
  constexpr std::size_t cache_friendly = std::size_t{8} << 20;
  const std::size_t share =
      std::clamp<std::size_t>(budget / (6 * std::size_t{threads}), 1, cache_friendly);
  std::size_t shards = static_cast<std::size_t>(input_bytes / share) + 1;
  if (threads > 1) shards = std::max<std::size_t>(shards, 4 * std::size_t{threads});
  return std::clamp<std::size_t>(shards, 1, max_shards);
}

// Where a run's histories come from: a book the caller folded (`book`), or the account
// log's file (`log`), routed to the shards and folded shard by shard.
struct account_source {
  const account_book* book = nullptr;
  const fs::path* log = nullptr;
};

// A shard's account log that could not be folded: the first bad line of the shard, or the
// fold's failure. Of several shards', the run reports the one the whole log would have.
struct account_log_failure {
  std::optional<input_error> malformed;
  std::optional<detail::fold_failure> fold;
  bool reported_before(const account_log_failure& other) const {
    if (malformed.has_value() != other.malformed.has_value()) return malformed.has_value();
    if (malformed) return malformed->where().line < other.malformed->where().line;
    return detail::reported_before(*fold, *other.fold);
  }
  const input_error& error() const { return malformed ? *malformed : fold->error; }
};

stream_result rate_streamed(const rule_plan& plan, const account_source& accounts,
                            const fs::path& usage, std::span<const billing_cycle> cycles,
                            const bill_output& output, const stream_options& options) {
  assert(!cycles.empty() && output.render && output.write && output.parts >= 1);
  const unsigned threads = std::max(1u, options.threads);
  const std::size_t budget = std::max<std::size_t>(options.memory_budget, 1);
  const std::size_t block_size =
      std::clamp<std::size_t>(budget / 16, std::size_t{64} << 10, std::size_t{8} << 20);

  batch_progress* const progress = options.progress;
  const spill_space dir(options.temp_dir);
  // A pipe cannot be read by several threads at offsets: it is copied to the spill
  // directory first (messages still name it as given, the rows' lines are the same).
  auto seekable = [&](const fs::path& path, spill_file& copy) {
    const std::string name = path.string();
    std::error_code type_error;
    if (!fs::exists(path, type_error) || fs::is_regular_file(path, type_error)) return name;
    file_ptr in = detail::open_input(name);
    copy = dir.create("a copy of " + name);
    enter(progress, run_phase::copying);
    std::string buffer(1 << 20, '\0');
    line_length_guard guard(name);
    while (const std::size_t got = std::fread(buffer.data(), 1, buffer.size(), in.get())) {
      guard.check(std::string_view(buffer.data(), got));
      copy.append(std::string_view(buffer.data(), got));
      if (progress != nullptr) progress->copied.done.fetch_add(got, std::memory_order_relaxed);
    }
    if (std::ferror(in.get()))
      throw input_error({name, 0, 0}, "", fmt::format("cannot read: {}", std::strerror(errno)));
    copy.rewind_for_reading();  // every byte is on the disk before it is read by name
    return copy.reopen_path();
  };
  spill_file input_copy, log_copy;
  const std::string name = usage.string();
  const std::string read_from = seekable(usage, input_copy);
  const std::string log_name = accounts.log != nullptr ? accounts.log->string() : std::string();
  const std::string log_from = accounts.log != nullptr ? seekable(*accounts.log, log_copy) : "";
  std::error_code size_error;
  const std::uintmax_t input_bytes = fs::file_size(read_from, size_error);
  // The account log's lines, folded, take about twice what usage rows take per byte in a
  // shard being rated (entries, then histories, each line's strings apart).
  std::uintmax_t log_bytes = 0;
  std::optional<file_start<account_columns>> log_start;
  std::vector<std::uintmax_t> log_bounds;
  if (accounts.log != nullptr) {
    file_ptr log = detail::open_input(log_from);
    log_start = read_header<account_columns>(log.get(), log_name);
    std::error_code log_size_error;
    log_bytes = fs::file_size(log_from, log_size_error);
    log_bounds.push_back(log_start->body);
    if (!log_size_error && threads > 1 && log_bytes > log_start->body)
      for (unsigned t = 1; t < threads; ++t)
        log_bounds.push_back(std::max(
            log_bounds.back(),
            next_line_start(log.get(), log_name,
                            log_start->body + (log_bytes - log_start->body) * t / threads)));
    log_bounds.push_back(log_size_error ? std::uintmax_t(-1) : log_bytes);
    if (log_size_error) log_bytes = budget;
  }
  // An unknown size is taken as one budget's worth: a few shards, spilling if larger.
  const std::size_t shards =
      shard_count((size_error ? budget : input_bytes) + 2 * log_bytes, budget, threads);
  file_ptr file = detail::open_input(read_from);
  const file_start start = read_header<usage_columns>(file.get(), name);
  const usage_columns& columns = *start.columns;

  // The body is read by every thread, each a range of whole lines routed into its own
  // buffers (each spilling past its share of the budget); a pipe is read by one.
  std::vector<std::uintmax_t> bounds{start.body};
  if (!size_error && threads > 1 && input_bytes > start.body)
    for (unsigned t = 1; t < threads; ++t)
      bounds.push_back(std::max(
          bounds.back(), next_line_start(file.get(), name,
                                         start.body + (input_bytes - start.body) * t / threads)));
  bounds.push_back(size_error ? std::uintmax_t(-1) : input_bytes);
  file.reset();
  // The shards' subscriber ranges, from samples of both files: 32 points a shard in each
  // keeps a shard's share of the rows within about a tenth of the others'. The account
  // log's bytes weigh double, as in the shard count.
  std::vector<subscriber_ranges::sample> samples;
  auto sample = [&](const std::string& path, const std::string& file_name, std::uintmax_t body,
                    std::uintmax_t end, const auto& file_columns, std::uint64_t factor) {
    if (end == std::uintmax_t(-1)) end = body + budget;  // an unknown size, as above
    const std::uintmax_t span = end > body ? end - body : 0;
    const std::size_t points =  // and at most one per 4 KiB: a small file is read about once
        static_cast<std::size_t>(std::min<std::uintmax_t>(32 * shards, span / 4096 + 1));
    sample_subscribers(path, file_name, body, end, file_columns, points, span * factor / points,
                       samples);
  };
  sample(read_from, name, start.body, bounds.back(), columns, 1);
  if (log_start)
    sample(log_from, log_name, log_start->body, log_bounds.back(), *log_start->columns, 2);
  const subscriber_ranges ranges(std::move(samples), shards);
  const std::size_t readers = bounds.size() - 1;
  std::vector<std::unique_ptr<shard_router>> routers;
  std::vector<std::size_t> rows_of(readers, 0), lines_of(readers, 0);
  std::vector<std::uint64_t> row_bytes_of(readers, 0);
  const stream_closing* const closing = options.closing;
  std::vector<std::string> outside_of(readers);  // framed rows outside the cycles, per reader
  // What the files' lines may hold in memory while they are read: three quarters of the
  // budget together (the last quarter is the rendered output's, spilled past it; a shard
  // being rated takes its lines out of what is held), the account log's lines at most a
  // quarter of it and what they need, the usage rows the rest. A spilled line is written
  // and read back: a month that fits is not spilled (a 250 MB file in the default budget
  // ran 25% slower spilled).
  const std::size_t log_share = accounts.log == nullptr
                                    ? 0
                                    : static_cast<std::size_t>(std::min<std::uintmax_t>(
                                          budget / 4, log_bytes + log_bytes / 4));
  const std::size_t rows_share = budget / 4 * 3 - log_share;
  for (std::size_t t = 0; t < readers; ++t) {
    routers.push_back(std::make_unique<shard_router>(ranges, rows_share / readers, dir,
                                                     fmt::format("rows-{}-", t)));
    if (!size_error) routers[t]->expect(bounds[t + 1] - bounds[t]);
  }
  // The account log's lines likewise, into routers of their own.
  const std::size_t log_readers = log_bounds.empty() ? 0 : log_bounds.size() - 1;
  std::vector<std::unique_ptr<shard_router>> log_routers;
  std::vector<std::size_t> log_lines_of(log_readers, 0);
  for (std::size_t t = 0; t < log_readers; ++t)
    log_routers.push_back(std::make_unique<shard_router>(ranges, log_share / log_readers, dir,
                                                         fmt::format("accounts-{}-", t)));
  enter(progress, run_phase::reading, &batch_progress::read,
        size_error ? 0 : input_bytes - start.body);
  {
    std::exception_ptr reading_failure;
    std::mutex reading_mutex;
    auto read = [&](std::size_t t) {
      try {
        if (t < readers) {
          route_range(read_from, name, bounds[t], bounds[t + 1], columns, block_size, *routers[t],
                      rows_of[t], row_bytes_of[t], lines_of[t],
                      progress ? &progress->read.done : nullptr, cycles.front().start,
                      cycles.back().end, closing != nullptr ? &outside_of[t] : nullptr,
                      options.shard_index, options.shard_count);
          routers[t]->finish();
        }
        if (t < log_readers) {
          route_account_range(log_from, log_name, log_bounds[t], log_bounds[t + 1],
                              *log_start->columns, block_size, *log_routers[t], log_lines_of[t],
                              nullptr);
          log_routers[t]->finish();
        }
      } catch (...) {
        std::lock_guard lock(reading_mutex);
        if (!reading_failure) reading_failure = std::current_exception();
      }
    };
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < std::max(readers, log_readers); ++t) pool.emplace_back(read, t);
    read(0);
    pool.clear();  // joins
    if (reading_failure) std::rethrow_exception(reading_failure);
  }
  // Line numbers: each range's lines continue where the ranges before it end.
  std::vector<std::size_t> line_base(readers, start.lines_before_body);
  for (std::size_t t = 1; t < readers; ++t) line_base[t] = line_base[t - 1] + lines_of[t - 1];
  std::vector<std::size_t> log_line_base(log_readers, log_start ? log_start->lines_before_body : 0);
  for (std::size_t t = 1; t < log_readers; ++t)
    log_line_base[t] = log_line_base[t - 1] + log_lines_of[t - 1];
  std::size_t rows = 0;
  for (std::size_t r : rows_of) rows += r;
  std::uint64_t row_bytes = 0;
  for (std::uint64_t b : row_bytes_of) row_bytes += b;
  if (progress != nullptr) progress->records_total = rows;
  // A shard's rows, from every reader, one part each in the readers' order, with their line
  // numbers in the file; `bytes` gets what they were in the file as route_range counts them
  // (a framed row's 8-byte prefix stands for one line end).
  auto take_parts = [](std::vector<std::unique_ptr<shard_router>>& from,
                       const std::vector<std::size_t>& bases, const std::string& file,
                       std::size_t s, std::uint64_t& bytes) {
    std::vector<std::string> parts;
    std::size_t framed_rows = 0;
    bytes = 0;
    for (std::size_t t = 0; t < from.size(); ++t) {
      std::string part = from[t]->take(s);
      framed_rows += renumber(part, bases[t], file);
      bytes += part.size();
      parts.push_back(std::move(part));
    }
    bytes -= 7 * std::uint64_t{framed_rows};
    return parts;
  };
  // The usage rows stay in their parts (parse_usage_rows parses each where it lies: joining
  // them copied the later readers' rows a second time, into new pages).
  auto take = [&](std::size_t s, std::uint64_t& bytes) {
    return take_parts(routers, line_base, name, s, bytes);
  };
  // The account log's lines, joined: its parser reads one text.
  auto take_joined = [&](std::vector<std::unique_ptr<shard_router>>& from,
                         const std::vector<std::size_t>& bases, const std::string& file,
                         std::size_t s, std::uint64_t& bytes) {
    std::vector<std::string> parts = take_parts(from, bases, file, s, bytes);
    std::string text = parts.empty() ? std::string() : std::move(parts.front());
    for (std::size_t p = 1; p < parts.size(); ++p) text += parts[p];
    return text;
  };

  // Each shard bills the accounts that hash to it (accounts with no record still get one).
  auto billed_here = [&](const std::string& subscriber) {
    return options.shard_count <= 1 ||
           subscriber_shard(subscriber, options.shard_count) == options.shard_index;
  };
  std::vector<std::vector<const account_book_entry*>> shard_accounts(shards);
  if (accounts.book != nullptr)
    for (const account_book_entry& entry : accounts.book->histories())
      if (billed_here(entry.first)) shard_accounts[ranges.shard_of(entry.first)].push_back(&entry);
  // With the account log: each shard's histories, folded when the shard is rated. A shard
  // whose log cannot be folded stops the rating; the others' logs are still folded, so that
  // the error reported is the one the whole log gives.
  std::vector<std::optional<account_log_failure>> log_failures(shards);
  std::atomic<bool> log_failed{false};
  auto fold_shard_log = [&](std::size_t s, account_book& book) {
    std::uint64_t bytes = 0;
    std::string framed = take_joined(log_routers, log_line_base, log_name, s, bytes);
    std::vector<account_entry> entries;
    try {
      entries = parse_account_rows(*log_start->columns, framed);
    } catch (const input_error& malformed) {
      log_failures[s] = account_log_failure{malformed, std::nullopt};
      return false;
    }
    std::string().swap(framed);
    detail::partial_fold fold =
        detail::fold_account_part(std::move(entries), plan, max_history_lines);
    if (fold.failure) {
      log_failures[s] = account_log_failure{std::nullopt, std::move(fold.failure)};
      return false;
    }
    book = std::move(fold.book);
    return true;
  };

  // A close: the caller deals with the rows outside the cycles first; then what the shards
  // go on from is split among them, as the accounts are.
  std::vector<std::vector<set_aside_record>> set_aside(closing != nullptr ? shards : 0);
  std::vector<carried_book> shard_from(closing != nullptr ? shards : 0);
  std::vector<adjustment_book> shard_adjustments(closing != nullptr ? shards : 0);
  if (closing != nullptr) {
    assert(closing->from != nullptr && closing->render && closing->take);
    std::string outside;
    for (std::size_t t = 0; t < readers; ++t) {
      renumber(outside_of[t], line_base[t], name);
      outside += outside_of[t];
      std::string().swap(outside_of[t]);
    }
    if (closing->outside_rows) {
      const usage_batch outside_batch = parse_usage_rows(columns, std::move(outside), name);
      for (set_aside_record& r : closing->outside_rows(outside_batch))
        set_aside[ranges.shard_of(r.subscriber)].push_back(std::move(r));
      for (std::vector<set_aside_record>& list : set_aside)
        std::sort(
            list.begin(), list.end(),
            [](const set_aside_record& a, const set_aside_record& b) { return a.line < b.line; });
    }
    for (const auto& [id, state] : *closing->from)
      shard_from[ranges.shard_of(id)].emplace(id, state);
    if (closing->adjustments != nullptr)
      for (const auto& [id, list] : *closing->adjustments)
        shard_adjustments[ranges.shard_of(id)].emplace(id, list);
  }

  // Rendered output held in memory past a quarter of the budget goes to disk. A shard's
  // bills are held only while a shard before it is still being rated.
  std::atomic<std::size_t> output_held{0};
  struct shard_result {
    std::vector<reject> rejects;        // all, or the first rejects_kept with reject_rows
    std::vector<duplicate> duplicates;  // likewise
    std::size_t rows_read = 0, rated = 0, bills = 0, rejected = 0, duplicated = 0;
    std::uint64_t rendered_bytes = 0;  // of the parts handed to output.write
    shard_output out;
    bool out_spilled = false;
    shard_output reject_rows;  // with options.reject_rows: (line, row) entries in line order
  };
  // Spills a shard's held output once the run holds more than a quarter of the budget.
  auto hold = [&](shard_output& held, std::string what) {
    if (output_held.fetch_add(held.memory.size()) + held.memory.size() <= budget / 4) {
      held.counted = held.memory.size();
      return;
    }
    output_held -= held.memory.size();
    held.file = dir.create(std::move(what));
    held.file.append(held.memory);
    std::string().swap(held.memory);
  };
  std::vector<shard_result> results(shards);
  const bool stream_rejects = static_cast<bool>(options.reject_rows);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  std::mutex closing_taken;  // stream_closing::take: one worker at a time
  const std::string source_name = usage.string();

  // The bills go out shard after shard, in the shards' order (their subscribers' order),
  // each as soon as it and the shards before it are rated, by whichever worker finished
  // the last of them: one writer at a time, the others rating on.
  std::mutex writing;
  std::size_t next_to_write = 0;  // these three under `writing`
  bool writer_busy = false;
  std::vector<char> ready(shards, 0);
  auto write_shard = [&](std::size_t s) {
    shard_output& out = results[s].out;
    results[s].out_spilled = static_cast<bool>(out.file);
    output_held -= out.counted;
    shard_entry_reader entries(out, output.parts);
    std::uint64_t written = 0;
    while (entries.next()) {
      output.write(entries.parts);
      for (const std::string& p : entries.parts) written += p.size();
    }
    std::string().swap(out.memory);  // (assigning an empty string would keep its memory)
    out.file = spill_file();
    if (progress != nullptr) progress->written.done.fetch_add(written, std::memory_order_relaxed);
  };
  auto publish = [&](std::size_t s) {
    std::unique_lock lock(writing);
    if (writer_busy || s != next_to_write) {
      lock.unlock();
      hold(results[s].out, fmt::format("rendered bills of shard {}", s));
      lock.lock();
      ready[s] = 1;
      if (writer_busy || s != next_to_write) return;  // the writer, or shard s's turn, takes it
    }
    ready[s] = 1;
    writer_busy = true;
    while (next_to_write < shards && ready[next_to_write] != 0) {
      const std::size_t w = next_to_write;
      lock.unlock();
      write_shard(w);  // a failure leaves writer_busy set: nothing is written after it
      lock.lock();
      ++next_to_write;
    }
    writer_busy = false;
  };

  auto rate_shard = [&](std::size_t s) {
    shard_result& r = results[s];
    account_book shard_book;
    const account_book* book = accounts.book;
    if (accounts.log != nullptr) {
      if (!fold_shard_log(s, shard_book)) log_failed = true;
      if (log_failed) return;  // no bill is written: only the logs are still checked
      book = &shard_book;
      for (const account_book_entry& entry : shard_book.histories())
        if (billed_here(entry.first)) shard_accounts[s].push_back(&entry);
    }
    std::uint64_t input_bytes_of_shard = 0;
    usage_batch batch = parse_usage_rows(columns, take(s, input_bytes_of_shard), source_name);
    const std::vector<set_aside_record>* aside = closing != nullptr ? &set_aside[s] : nullptr;
    if (aside != nullptr && !aside->empty()) set_aside_billed(batch, *aside);
    batch_result rated =
        closing == nullptr
            ? detail::rate_batch_of(plan, *book, shard_accounts[s], batch, cycles, 1, progress)
            : detail::rate_batch_of(plan, *book, shard_accounts[s], batch, cycles, 1, progress,
                                    &shard_from[s], &shard_adjustments[s]);
    std::vector<const account_book_entry*>().swap(shard_accounts[s]);
    if (aside != nullptr && !aside->empty()) count_late(rated, *aside);
    r.bills = rated.bills.size();
    // Rendered first: a close needs the rejects, which are moved out below.
    if (closing != nullptr) hand_over_closing(*closing, cycles, batch, rated, closing_taken);
    std::vector<std::string> parts(output.parts);
    for (std::size_t i = 0, end = 0; i < rated.bills.size(); i = end) {
      end = i + 1;  // the subscriber's bills are consecutive, in cycle order
      while (end < rated.bills.size() && rated.bills[end].subscriber == rated.bills[i].subscriber)
        ++end;
      for (std::string& p : parts) p.clear();
      output.render(std::span<const bill>(rated.bills).subspan(i, end - i), parts);
      append_field(r.out.memory, rated.bills[i].subscriber);
      for (const std::string& p : parts) {
        append_field(r.out.memory, p);
        r.rendered_bytes += p.size();
      }
    }
    r.rejects = std::move(rated.rejects);
    r.duplicates = std::move(rated.duplicates);
    r.rejected = r.rejects.size();
    r.duplicated = r.duplicates.size();
    if (stream_rejects) {
      // The rejects file's rows leave the shard as text, spilled like bills when the run
      // holds too much: 3 million rejects cost what their rows take on disk, not a vector.
      std::sort(r.rejects.begin(), r.rejects.end(),
                [](const reject& a, const reject& b) { return a.line < b.line; });
      std::sort(r.duplicates.begin(), r.duplicates.end(),
                [](const duplicate& a, const duplicate& b) { return a.line < b.line; });
      std::size_t j = 0, d = 0;
      std::string entry;
      while (j < r.rejects.size() || d < r.duplicates.size()) {
        const bool take_reject = d == r.duplicates.size() ||
                                 (j < r.rejects.size() && r.rejects[j].line < r.duplicates[d].line);
        const std::uint32_t line = take_reject ? r.rejects[j].line : r.duplicates[d].line;
        entry.assign(reinterpret_cast<const char*>(&line), sizeof line);
        entry +=
            take_reject ? reject_csv_row(r.rejects[j++]) : duplicate_csv_row(r.duplicates[d++]);
        append_field(r.reject_rows.memory, entry);
      }
      if (r.rejects.size() > options.rejects_kept) r.rejects.resize(options.rejects_kept);
      if (r.duplicates.size() > options.rejects_kept) r.duplicates.resize(options.rejects_kept);
      r.rejects.shrink_to_fit();
      r.duplicates.shrink_to_fit();
      hold(r.reject_rows, fmt::format("rejects of shard {}", s));
    }
    r.rows_read = rated.rows_read;
    r.rated = rated.rated;
    if (progress != nullptr)
      progress->rated.done.fetch_add(input_bytes_of_shard, std::memory_order_relaxed);
    publish(s);
  };
  auto worker = [&] {
    for (std::size_t s = next++; s < shards && !failed; s = next++) {
      try {
        rate_shard(s);
      } catch (...) {
        std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    }
  };
  enter(progress, run_phase::rating, &batch_progress::rated, row_bytes);
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
  }
  if (failure) std::rethrow_exception(failure);
  if (log_failed) {
    const account_log_failure* first = nullptr;
    for (const std::optional<account_log_failure>& f : log_failures)
      if (f && (first == nullptr || f->reported_before(*first))) first = &*f;
    throw first->error();
  }

  assert(next_to_write == shards);  // every shard rated, so every shard written
  std::uint64_t rendered_bytes = 0;
  for (const shard_result& r : results) rendered_bytes += r.rendered_bytes;
  // The bills are out; the rejects' rows, if streamed, are merged now.
  enter(progress, run_phase::writing, &batch_progress::written, rendered_bytes);
  if (stream_rejects) {
    // The rejects' rows, merged by line across the shards (each in line order).
    std::vector<std::unique_ptr<shard_entry_reader>> rows_of_shard;
    using row_head = std::pair<std::uint32_t, std::size_t>;
    std::priority_queue<row_head, std::vector<row_head>, std::greater<>> row_heads;
    const auto line_of = [](const std::string& entry) {
      std::uint32_t line = 0;
      std::memcpy(&line, entry.data(), sizeof line);
      return line;
    };
    for (std::size_t s = 0; s < shards; ++s) {
      rows_of_shard.push_back(std::make_unique<shard_entry_reader>(results[s].reject_rows, 0));
      if (rows_of_shard[s]->next()) row_heads.emplace(line_of(rows_of_shard[s]->subscriber), s);
    }
    while (!row_heads.empty()) {
      const std::size_t s = row_heads.top().second;
      row_heads.pop();
      options.reject_rows(
          std::string_view(rows_of_shard[s]->subscriber).substr(sizeof(std::uint32_t)));
      if (rows_of_shard[s]->next()) row_heads.emplace(line_of(rows_of_shard[s]->subscriber), s);
    }
  }
  enter(progress, run_phase::done);

  stream_result result;
  result.shards = shards;
  for (const auto& router : routers) result.spilled |= router->spilled();
  for (shard_result& r : results) {
    result.rows_read += r.rows_read;
    result.rated += r.rated;
    result.bills += r.bills;
    result.rejected += r.rejected;
    result.duplicated += r.duplicated;
    result.rejects.insert(result.rejects.end(), std::make_move_iterator(r.rejects.begin()),
                          std::make_move_iterator(r.rejects.end()));
    result.duplicates.insert(result.duplicates.end(), std::make_move_iterator(r.duplicates.begin()),
                             std::make_move_iterator(r.duplicates.end()));
    result.spilled |= r.out_spilled;
  }
  std::sort(result.rejects.begin(), result.rejects.end(),
            [](const reject& a, const reject& b) { return a.line < b.line; });
  std::sort(result.duplicates.begin(), result.duplicates.end(),
            [](const duplicate& a, const duplicate& b) { return a.line < b.line; });
  if (result.rejects.size() > options.rejects_kept) result.rejects.resize(options.rejects_kept);
  if (result.duplicates.size() > options.rejects_kept)
    result.duplicates.resize(options.rejects_kept);
  assert(result.rows_read == rows);
  return result;
}

}  // namespace

stream_result rate_file(const rule_plan& plan, const account_book& accounts, const fs::path& usage,
                        std::span<const billing_cycle> cycles, const bill_output& output,
                        const stream_options& options) {
  return rate_streamed(plan, {&accounts, nullptr}, usage, cycles, output, options);
}

stream_result rate_file(const rule_plan& plan, const fs::path& account_log, const fs::path& usage,
                        std::span<const billing_cycle> cycles, const bill_output& output,
                        const stream_options& options) {
  return rate_streamed(plan, {nullptr, &account_log}, usage, cycles, output, options);
}

}  // namespace ratel
