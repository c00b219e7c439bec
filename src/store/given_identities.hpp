// given_identities.hpp (private): the identities of the records a close is given, as
// fingerprints (record_blobs.hpp), each with the order and the caller's line it came with,
// read back once, sorted by fingerprint, when the close is committed. They are gathered in
// sorted runs of a million (16 MiB), the runs past the first spilled to an unnamed file
// (io/spill_file.hpp) and merged as they are read, so a close of any size holds 16 MiB of
// them, not 16 bytes per record.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

#include "ratel/io/spill_file.hpp"
#include "ratel/store/cycle_store.hpp"

namespace ratel::store_blobs {

struct given_identity {
  std::uint64_t fingerprint;
  std::uint32_t order;  // 0 for the first given
  std::uint32_t line;   // billed_record::line
  bool operator<(const given_identity& o) const {
    return fingerprint != o.fingerprint ? fingerprint < o.fingerprint : order < o.order;
  }
  bool operator>(const given_identity& o) const { return o < *this; }
};

class given_identities {
 public:
  /// `run_entries`: how many are held before a run is sorted and spilled.
  explicit given_identities(std::size_t run_entries = std::size_t{1} << 20)
      : run_entries_(run_entries) {}

  void add(std::uint64_t fingerprint, std::uint32_t line) {
    if (count_ == std::numeric_limits<std::uint32_t>::max())
      throw store_error("a close was given more than 4,294,967,295 records");
    // A whole run's room at once: growing by doubling would copy and fault it in again.
    if (run_.capacity() == 0) run_.reserve(run_entries_);
    run_.push_back({fingerprint, count_++, line});
    if (run_.size() == run_entries_) spill_run();
  }

  /// Calls `each(const given_identity&)` for every identity given, in (fingerprint, order)
  /// order. Once: the identities are gone after.
  template <class Each>
  void for_each_sorted(Each&& each) {
    if (!spilled_) {
      sort_run();
      for (const given_identity& g : run_) each(g);
      run_ = {};
      return;
    }
    if (!run_.empty()) spill_run();
    run_ = {};
    spilled_->rewind_for_reading();
    std::vector<cursor> cursors;
    for (std::size_t i = 0; i + 1 < run_bounds_.size(); ++i)
      cursors.push_back({run_bounds_[i], run_bounds_[i + 1], {}, 0});
    using head = std::pair<given_identity, std::size_t>;  // a run's next, and which run
    std::priority_queue<head, std::vector<head>, std::greater<>> heads;
    for (std::size_t i = 0; i < cursors.size(); ++i)
      if (std::optional<given_identity> g = next(cursors[i])) heads.push({*g, i});
    while (!heads.empty()) {
      const auto [g, from] = heads.top();
      heads.pop();
      each(g);
      if (std::optional<given_identity> n = next(cursors[from])) heads.push({*n, from});
    }
  }

 private:
  static constexpr std::size_t read_entries = 4096;  // per run, while merging

  // A spilled run being read: entries [at, end) of the file, a block of them in memory.
  struct cursor {
    std::uint64_t at, end;
    std::vector<given_identity> block;
    std::size_t in_block;
  };

  std::optional<given_identity> next(cursor& c) {
    if (c.in_block == c.block.size()) {
      if (c.at == c.end) return std::nullopt;
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(read_entries, c.end - c.at));
      c.block.resize(n);
      spilled_->read_at(c.at * sizeof(given_identity), c.block.data(), n * sizeof(given_identity));
      c.at += n;
      c.in_block = 0;
    }
    return c.block[c.in_block++];
  }

  // The run in (fingerprint, order) order. Fingerprints are uniform: one pass places each
  // by its top 16 bits, and the buckets left (16 entries each in a full run) sort in cache.
  void sort_run() {
    constexpr unsigned bits = 16;
    if (run_.size() < (std::size_t{1} << bits)) {
      std::sort(run_.begin(), run_.end());
      return;
    }
    std::vector<std::size_t> starts((std::size_t{1} << bits) + 1, 0);
    for (const given_identity& g : run_) ++starts[(g.fingerprint >> (64 - bits)) + 1];
    for (std::size_t b = 1; b < starts.size(); ++b) starts[b] += starts[b - 1];
    std::vector<given_identity> placed(run_.size());
    std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
    for (const given_identity& g : run_) placed[next[g.fingerprint >> (64 - bits)]++] = g;
    for (std::size_t b = 0; b + 1 < starts.size(); ++b)
      std::sort(placed.begin() + static_cast<std::ptrdiff_t>(starts[b]),
                placed.begin() + static_cast<std::ptrdiff_t>(starts[b + 1]));
    run_.swap(placed);
  }

  void spill_run() {
    sort_run();
    if (!spilled_) {
      spilled_ = spill_space({}).create("the record identities of a close");
      run_bounds_.push_back(0);
    }
    spilled_->append(std::string_view(reinterpret_cast<const char*>(run_.data()),
                                      run_.size() * sizeof(given_identity)));
    run_bounds_.push_back(run_bounds_.back() + run_.size());
    run_.clear();
  }

  std::size_t run_entries_;
  std::vector<given_identity> run_;
  std::optional<spill_file> spilled_;
  std::vector<std::uint64_t> run_bounds_;  // in entries: run i is [bounds[i], bounds[i + 1])
  std::uint32_t count_ = 0;
};

}  // namespace ratel::store_blobs
