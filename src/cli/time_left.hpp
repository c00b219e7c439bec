// The time one phase of a run has left, estimated from how its byte count has moved (for
// `ratel rate`'s progress line; header-only so that tests/unit can feed it made-up times).
//
// The rate is measured from the first time the count moved to the last, over the second
// half of that span:
//  - from the first move, not from the start of the phase: the first chunks are slower
//    (memory and files made for the first time; on a pseudo-terminal, with --out DIR, the
//    first shards of a generated month took 1.3 to 1.9 s and the next ones 0.1 to 0.5 s),
//    and a rate that counts them said "about 23 s left" with 4 s to go;
//  - over the second half: when several workers start together, their first chunks land
//    in a cluster just after the first move, and would make the rate look faster than it
//    is; half the span leaves the cluster behind, and still spans chunks of every worker;
//  - up to the last move, not to now: the count moves a chunk at a time, and the wait for
//    the next chunk is not time in which nothing was done; the time since the last move
//    is taken off the estimate instead.
// No estimate before a second has passed since the first move and 2% of the phase is done
// (a chunk or two is not yet a rate), and none under a second: "about 0 s left" says
// nothing.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace ratel::cli {

class time_left {
 public:
  using clock = std::chrono::steady_clock;

  /// The phase was first seen at `now`, with `done` bytes of it done already.
  void start(clock::time_point now, std::uint64_t done) { moves_.assign(1, {now, done}); }

  /// The count seen at `now` (later than every earlier call).
  void observe(clock::time_point now, std::uint64_t done) {
    if (moves_.empty()) start(now, done);
    if (done != moves_.back().second) moves_.emplace_back(now, done);
  }

  /// Seconds the phase has left at `now` to do `total` bytes; nullopt when there is no
  /// estimate worth showing (see the file comment), or the total is not known (0).
  std::optional<double> seconds_left(clock::time_point now, std::uint64_t total) const {
    if (moves_.size() < 2 || total == 0) return std::nullopt;
    const std::uint64_t start_done = moves_.front().second;
    const auto [first_time, first_done] = moves_[1];
    const auto [last_time, last_done] = moves_.back();
    if (last_done >= total || seconds(last_time - first_time) < 1 ||
        (last_done - start_done) * 50 < total)
      return std::nullopt;
    // The count at the middle of the span: the last move at or before it.
    const clock::time_point middle = first_time + (last_time - first_time) / 2;
    const auto after = std::upper_bound(
        moves_.begin() + 1, moves_.end(), middle,
        [](clock::time_point t, const std::pair<clock::time_point, std::uint64_t>& move) {
          return t < move.first;
        });
    const auto [from_time, from_done] = *std::prev(after);
    const double per_second =
        static_cast<double>(last_done - from_done) / seconds(last_time - from_time);
    if (!(per_second > 0)) return std::nullopt;
    const double left =
        static_cast<double>(total - last_done) / per_second - seconds(now - last_time);
    if (left < 1) return std::nullopt;
    return left;
  }

 private:
  static double seconds(clock::duration d) { return std::chrono::duration<double>(d).count(); }

  // (when, count): where the phase was first seen, then every move of the count.
  std::vector<std::pair<clock::time_point, std::uint64_t>> moves_;
};

}  // namespace ratel::cli
