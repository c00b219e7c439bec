// Internal: which shard of a streamed run (run/stream.cpp) a subscriber belongs to. Shards
// hold consecutive ranges of subscribers, in the order the bills are written (their ids'
// bytes), so that each shard's bills follow the previous shard's and go out as soon as it
// is rated: no rendered bill is held for a merge or spilled to wait for one.
// The ranges' bounds are quantiles of subscribers sampled from the input files, each sample
// weighted by the bytes it stands for, so that the shards get about equal shares of the
// rows. A poor sample only makes shards uneven, never changes a bill.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace ratel::detail {

class subscriber_ranges {
 public:
  struct sample {
    std::string subscriber;
    std::uint64_t weight = 0;  // the bytes of input it stands for
  };

  /// `shards` ranges (at least 1) splitting the samples' weight about evenly. Without
  /// samples every subscriber is in the last shard.
  subscriber_ranges(std::vector<sample> samples, std::size_t shards) {
    std::sort(samples.begin(), samples.end(),
              [](const sample& a, const sample& b) { return a.subscriber < b.subscriber; });
    std::uint64_t total = 0;
    for (const sample& s : samples) total += s.weight;
    firsts_.reserve(shards - 1);
    keys_.reserve(shards - 1);
    std::uint64_t before = 0;  // the weight of the samples before samples[i]
    std::size_t i = 0;
    for (std::size_t k = 1; k < shards; ++k) {
      // Shard k starts at the first sample with a k/shards share of the weight before it.
      const std::uint64_t share = total / shards * k + total % shards * k / shards;
      while (i < samples.size() && before < share) before += samples[i++].weight;
      std::string first = i < samples.size() ? samples[i].subscriber
                          : samples.empty()  ? std::string()
                                             : samples.back().subscriber;
      keys_.push_back(key_of(first));
      firsts_.push_back(std::move(first));
    }
  }

  std::size_t shards() const noexcept { return keys_.size() + 1; }

  /// The shard of `subscriber`: the number of ranges that start at or before it. Called
  /// for every row read, so ids are compared by their first 16 bytes as one 128-bit
  /// number, in a search without branches to mispredict; only an id whose number equals a
  /// bound's is compared as a string.
  std::size_t shard_of(std::string_view subscriber) const noexcept {
    if (keys_.empty()) return 0;
    const key id = key_of(subscriber);
    // The bounds whose keys are below the id's (a lower bound found without branches)...
    const key* base = keys_.data();
    for (std::size_t count = keys_.size(); count > 1;) {
      const std::size_t half = count / 2;
      base = base[half] < id ? base + half : base;
      count -= half;
    }
    std::size_t shard = static_cast<std::size_t>(base - keys_.data()) + (*base < id ? 1 : 0);
    // ...and those with the id's key that start at or before it.
    while (shard < keys_.size() && keys_[shard] == id && firsts_[shard] <= subscriber) ++shard;
    return shard;
  }

 private:
  // An id's first 16 bytes, zero-padded, as one big-endian number: its order is the ids'
  // order except where two numbers are equal (a longer id, or one padded with zero bytes of
  // its own), and there the ids themselves are compared. (GCC's and Clang's 128-bit
  // integer: compared without a branch.)
  __extension__ using key = unsigned __int128;
  static std::uint64_t big_endian(const char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return __builtin_bswap64(w);
  }
  static key key_of(std::string_view id) noexcept {
    const char* p = id.data();
    const std::size_t n = id.size();
    if (n >= 16) return key{big_endian(p)} << 64 | big_endian(p + 8);
    if (n > 8)  // bytes 8..n, from the last 8 bytes shifted past those of the head
      return key{big_endian(p)} << 64 | big_endian(p + n - 8) << (16 - n) * 8;
    if (n == 8) return key{big_endian(p)} << 64;
    std::uint64_t head = 0;
    for (std::size_t i = 0; i < 8; ++i)
      head = head << 8 | (i < n ? static_cast<unsigned char>(p[i]) : 0);
    return key{head} << 64;
  }

  // Shard k + 1 starts at firsts_[k]; keys_[k] is its key.
  std::vector<std::string> firsts_;
  std::vector<key> keys_;
};

}  // namespace ratel::detail
