// The progress line's estimate of a phase's time left (src/cli/time_left.hpp), on made-up
// timelines: steady work, a slow first chunk, chunks finishing in steps, and the cases that
// must show no estimate at all.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <optional>

#include "cli/time_left.hpp"

using ratel::cli::time_left;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t mb = std::uint64_t{1} << 20;
const time_left::clock::time_point t0{};

time_left::clock::time_point at(double seconds) {
  return t0 + std::chrono::duration_cast<time_left::clock::duration>(
                  std::chrono::duration<double>(seconds));
}

}  // namespace

TEST_SUITE("progress: time left") {
  TEST_CASE("steady work: 10 MB/s, 20 of 100 MB done at 2 s: 8 s left") {
    time_left e;
    e.start(at(0), 0);
    for (int i = 1; i <= 20; ++i) e.observe(at(0.1 * i), static_cast<std::uint64_t>(i) * mb);
    const std::optional<double> left = e.seconds_left(at(2), 100 * mb);
    REQUIRE(left);
    CHECK(*left == doctest::Approx(8.0).epsilon(0.01));  // 80 MB at 10 MB/s
  }

  TEST_CASE("the time since the last move is taken off, not counted as idle") {
    time_left e;
    e.start(at(0), 0);
    for (int i = 1; i <= 20; ++i) e.observe(at(0.1 * i), static_cast<std::uint64_t>(i) * mb);
    // 0.5 s later, nothing new has been seen (a chunk is in flight): 8 - 0.5 s.
    e.observe(at(2.5), 20 * mb);
    CHECK(*e.seconds_left(at(2.5), 100 * mb) == doctest::Approx(7.5).epsilon(0.01));
  }

  TEST_CASE("a slow first chunk does not hold the estimate up") {
    // 8 MB shards: the first takes 1.3 s (first allocations, first files), then one every
    // 0.5 s; 104 MB in all. At 3.3 s, 40 MB are done and 64 MB (4 s) are left. A rate from
    // the phase's start (40 MB / 3.3 s) would say 5.3 s. From the first move (1.3 s), the
    // second half of the span starts at 2.3 s, with 24 MB done: 16 MB / 1.0 s, 4 s.
    time_left e;
    e.start(at(0), 0);
    e.observe(at(1.3), 8 * mb);
    for (int i = 1; i <= 4; ++i)
      e.observe(at(1.3 + 0.5 * i), static_cast<std::uint64_t>(8 + 8 * i) * mb);
    const std::optional<double> left = e.seconds_left(at(3.3), 104 * mb);
    REQUIRE(left);
    CHECK(*left == doctest::Approx(4.0).epsilon(0.01));
    // The first chunk alone is no rate: 8 MB in 1.3 s would have said 12 s.
    time_left first;
    first.start(at(0), 0);
    first.observe(at(1.3), 8 * mb);
    CHECK_FALSE(first.seconds_left(at(1.4), 104 * mb));
  }

  TEST_CASE("two workers finishing shards in pairs: the steps average out") {
    // Each worker rates an 8 MB shard in 1 s; their counts land 0.1 s apart, 16 MB a
    // second, 160 MB in all. At 4.1 s, 64 MB are done: 96 MB at 16 MB/s is 6 s left. From
    // the first move (1 s), the second half of the span starts at 2.55 s, at the move of
    // 2.1 s (32 MB): 32 MB in 2 s, 16 MB/s. (From the phase's start the half would begin at
    // the move of 2 s: 40 MB in 2.1 s, 5.04 s; from the first move in full, 56 MB in 3.1 s,
    // 5.3 s: the pair that lands with the first move makes either a little hopeful.)
    time_left e;
    e.start(at(0), 0);
    for (int i = 1; i <= 4; ++i) {
      e.observe(at(i), static_cast<std::uint64_t>(16 * i - 8) * mb);
      e.observe(at(i + 0.1), static_cast<std::uint64_t>(16 * i) * mb);
    }
    const std::optional<double> left = e.seconds_left(at(4.1), 160 * mb);
    REQUIRE(left);
    CHECK(*left == doctest::Approx(6.0).epsilon(0.01));
  }

  TEST_CASE("no estimate before a second of the phase, before 2% of it, or under a second") {
    time_left e;
    e.start(at(0), 0);
    for (int i = 1; i <= 9; ++i) e.observe(at(0.1 * i), static_cast<std::uint64_t>(5 * i) * mb);
    CHECK_FALSE(e.seconds_left(at(0.9), 100 * mb));  // 0.8 s since the first move

    time_left little;
    little.start(at(0), 0);
    for (int i = 1; i <= 20; ++i)
      little.observe(at(0.1 * i), static_cast<std::uint64_t>(i) * (mb / 20));
    CHECK_FALSE(little.seconds_left(at(2), 100 * mb));  // 1 MB: 1% is not a rate yet

    time_left ending;
    ending.start(at(0), 0);
    for (int i = 1; i <= 19; ++i)
      ending.observe(at(0.1 * i), static_cast<std::uint64_t>(5 * i) * mb);
    // 95 of 100 MB at 50 MB/s: 0.1 s left, which is not worth "about 0 s left".
    CHECK_FALSE(ending.seconds_left(at(1.9), 100 * mb));
    // Done, or a total not known: nothing to estimate.
    ending.observe(at(2.0), 100 * mb);
    CHECK_FALSE(ending.seconds_left(at(2.0), 100 * mb));
    CHECK_FALSE(e.seconds_left(at(0.9), 0));
  }

  TEST_CASE("a phase first seen late is measured from what was done by then") {
    // The display saw the phase 0.1 s after it began, with 1 MB done: that MB is not
    // counted as done in no time. 1 MB per 0.1 s after: 10 MB/s, 30 MB left at 2.1 s.
    time_left e;
    e.start(at(0.1), 1 * mb);
    for (int i = 2; i <= 21; ++i) e.observe(at(0.1 * i), static_cast<std::uint64_t>(i) * mb);
    CHECK(*e.seconds_left(at(2.1), 51 * mb) == doctest::Approx(3.0).epsilon(0.01));
  }
}
