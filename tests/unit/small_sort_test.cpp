// detail::stable_sort_small (src/engine/small_sort.hpp), the stable sort of a cycle's and a
// bill's short lists: the order std::stable_sort gives, equal elements in their first order.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "engine/small_sort.hpp"

TEST_CASE("stable_sort_small orders as std::stable_sort does, short lists and long") {
  // Pairs (key, position) sorted on the key only, with few distinct keys so that most
  // elements have equals: the positions then show whether equal keys kept their order.
  std::mt19937 rng(5);
  for (std::size_t size = 0; size <= 80; ++size)  // past 32 it hands over to std::stable_sort
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<std::pair<int, std::size_t>> items;
      for (std::size_t i = 0; i < size; ++i) items.emplace_back(static_cast<int>(rng() % 5), i);
      auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
      std::vector<std::pair<int, std::size_t>> expected = items;
      std::stable_sort(expected.begin(), expected.end(), by_key);
      ratel::detail::stable_sort_small(items.begin(), items.end(), by_key);
      CHECK(items == expected);
    }
}
