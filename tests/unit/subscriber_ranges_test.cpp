// The subscriber ranges of a streamed run's shards (src/run/subscriber_ranges.hpp): the
// shards follow the ids' byte order, so that a shard's bills may be written as soon as the
// shards before it are; and the bounds split the sampled weight about evenly.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "run/subscriber_ranges.hpp"

using ratel::detail::subscriber_ranges;

namespace {

// The shard by definition: the number of bounds at or before the id, compared as strings.
std::size_t shard_by_strings(const std::vector<std::string>& firsts, const std::string& id) {
  return static_cast<std::size_t>(std::upper_bound(firsts.begin(), firsts.end(), id) -
                                  firsts.begin());
}

}  // namespace

TEST_SUITE("subscriber ranges") {
  TEST_CASE("a shard holds the ids from its bound to the next, in the ids' byte order") {
    // Ids of every length from 0 to 20 bytes over a small alphabet that includes the zero
    // byte and bytes above 127, so that ids share long prefixes, differ past the 16 bytes
    // compared as numbers, end where another goes on with a zero byte, and must compare as
    // unsigned bytes. Samples, then ids never sampled: every one must fall in the shard the
    // string comparison gives.
    std::mt19937 rng(19);
    const std::string alphabet{'\0', '1', '3', '8', 'a', '\x7f', '\x80', '\xff'};
    auto random_id = [&] {
      std::string id(rng() % 21, ' ');
      for (char& c : id) c = alphabet[rng() % alphabet.size()];
      if (rng() % 4 == 0) id = "1380001" + id;  // many with one prefix
      return id;
    };
    for (const std::size_t shards : {1u, 2u, 7u, 64u, 511u}) {
      std::vector<subscriber_ranges::sample> samples;
      for (int i = 0; i < 2000; ++i) samples.push_back({random_id(), 1 + rng() % 100});
      const subscriber_ranges ranges(samples, shards);
      REQUIRE(ranges.shards() == shards);
      // The bounds themselves, recovered as the first id of each shard among the samples.
      std::vector<std::string> sorted;
      for (const auto& s : samples) sorted.push_back(s.subscriber);
      std::sort(sorted.begin(), sorted.end());
      std::vector<std::string> firsts;
      for (const std::string& id : sorted)
        while (firsts.size() < ranges.shard_of(id)) firsts.push_back(id);
      // Shards after the last sample's start at (at most) the largest id.
      while (firsts.size() + 1 < shards) firsts.push_back(sorted.back());
      for (int i = 0; i < 20000; ++i) {
        const std::string id = i % 2 == 0 ? random_id() : sorted[rng() % sorted.size()];
        CHECK(ranges.shard_of(id) == shard_by_strings(firsts, id));
      }
    }
  }

  TEST_CASE("the bounds split the samples' weight about evenly") {
    // 40,000 ids 13800000000.., each sampled once with weight 100 but one, 13800020000,
    // weighing 1,000,100 (a subscriber with a fifth of the records): 5,000,000 in all, so 4
    // shards start where the weight before them reaches 1,250,000, 2,500,000 and 3,750,000:
    // shard 1 after 12,500 ids (at 13800012500); shard 2 after the heavy id, which takes the
    // weight from 2,000,000 to 3,000,100 (at 13800020001); shard 3 after 7,499 more ids'
    // 749,900 (at 13800027500). Shard 1 holds 1,750,100: a range never splits a subscriber.
    std::vector<subscriber_ranges::sample> samples;
    for (int i = 0; i < 40000; ++i)
      samples.push_back({fmt::format("138{:08}", i), i == 20000 ? 1000100u : 100u});
    const subscriber_ranges ranges(samples, 4);
    CHECK(ranges.shard_of("") == 0);
    CHECK(ranges.shard_of("13800012499") == 0);
    CHECK(ranges.shard_of("13800012500") == 1);
    CHECK(ranges.shard_of("13800020000") == 1);
    CHECK(ranges.shard_of("13800020001") == 2);
    CHECK(ranges.shard_of("13800027499") == 2);
    CHECK(ranges.shard_of("13800027500") == 3);
    CHECK(ranges.shard_of("2") == 3);
  }

  TEST_CASE("without samples, every subscriber is in the last shard") {
    const subscriber_ranges ranges({}, 3);
    CHECK(ranges.shards() == 3);
    CHECK(ranges.shard_of("") == 2);
    CHECK(ranges.shard_of("13800000000") == 2);
  }
}
