// Internal: subscriber id -> a small number, in the order the ids are first seen, for the
// loops that group a batch's records by subscriber (run/batch.cpp, run/stream.cpp). Open
// addressing on detail::string_hash, each slot keeping the hash so that a probe rarely
// compares keys; grown past half full. No node per subscriber, as std::unordered_map would
// allocate: with a million subscribers those allocations cost a tenth of a run.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "engine/hash.hpp"

namespace ratel::detail {

class subscriber_index {
 public:
  static constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

  explicit subscriber_index(std::size_t expected)
      : slots_(std::bit_ceil(std::max<std::size_t>(64, 2 * expected))) {
    ids_.reserve(expected);
  }

  /// The number of `id`; a new id gets the next one (the count of ids before it). The id's
  /// characters must outlive the index.
  std::uint32_t find_or_add(std::string_view id) {
    const std::uint64_t hash = string_hash(id);
    slot& s = slots_[probe(id, hash)];
    if (s.number_plus_one != 0) return s.number_plus_one - 1;
    const auto number = static_cast<std::uint32_t>(ids_.size());
    ids_.push_back(id);
    s = {hash, number + 1};
    if (ids_.size() * 2 > slots_.size()) grow();
    return number;
  }

  /// The number of `id`, or `none` when it was never added.
  std::uint32_t find(std::string_view id) const {
    const slot& s = slots_[probe(id, string_hash(id))];
    return s.number_plus_one != 0 ? s.number_plus_one - 1 : none;
  }

  std::size_t size() const noexcept { return ids_.size(); }

 private:
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t number_plus_one = 0;  // 0: empty
  };
  // The slot holding `id`, or the empty one where it would go.
  std::size_t probe(std::string_view id, std::uint64_t hash) const {
    for (std::size_t at = hash & (slots_.size() - 1);; at = (at + 1) & (slots_.size() - 1)) {
      const slot& s = slots_[at];
      if (s.number_plus_one == 0 || (s.hash == hash && ids_[s.number_plus_one - 1] == id))
        return at;
    }
  }
  void grow() {
    std::vector<slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const slot& s : old) {
      if (s.number_plus_one == 0) continue;
      std::size_t at = s.hash & (slots_.size() - 1);
      while (slots_[at].number_plus_one != 0) at = (at + 1) & (slots_.size() - 1);
      slots_[at] = s;
    }
  }
  std::vector<slot> slots_;
  std::vector<std::string_view> ids_;
};

}  // namespace ratel::detail
