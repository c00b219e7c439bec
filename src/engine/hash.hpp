// Internal: a hash of short strings (subscribers, record ids) for in-memory tables and
// shard routing. Never stored or written: only its spread matters, and every table that
// uses it compares the keys on equal hashes. It also says which `--shard I/N` a subscriber
// is in (run/stream.hpp, subscriber_shard): the shards of one run must use one ratel.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace ratel::detail {

/// 8 bytes at a time, each word multiplied in, then a final avalanche (the splitmix64
/// finaliser). About a third of std::hash's instructions on 11-20 byte keys.
inline std::uint64_t string_hash(std::string_view s) noexcept {
  const char* p = s.data();
  const std::size_t size = s.size();
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ (size * 0xff51afd7ed558ccdULL);
  auto add = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
  };
  std::uint64_t w = 0;
  if (size >= 8) {
    // Whole words, then the last 8 bytes (overlapping the last word read): fixed-size
    // loads only.
    for (std::size_t at = 0; at + 8 < size; at += 8) {
      std::memcpy(&w, p + at, 8);
      add(w);
    }
    std::memcpy(&w, p + size - 8, 8);
  } else if (size >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + size - 4, 4);
    w = lo | static_cast<std::uint64_t>(hi) << 32;
  } else if (size > 0) {
    w = static_cast<unsigned char>(p[0]) |
        static_cast<std::uint64_t>(static_cast<unsigned char>(p[size / 2])) << 8 |
        static_cast<std::uint64_t>(static_cast<unsigned char>(p[size - 1])) << 16;
  }
  add(w);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

/// For std::unordered_map<std::string_view, ...>.
struct string_hasher {
  std::size_t operator()(std::string_view s) const noexcept { return string_hash(s); }
};

}  // namespace ratel::detail
