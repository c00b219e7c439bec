// Internal: a stable sort for the short lists of one cycle or bill (its fees, events,
// buckets, usage lines). std::stable_sort asks the heap for a buffer on every call, even
// for two elements: one allocation per list per subscriber, 400,000 of them in a month of
// 200,000 subscribers. An insertion sort is stable too and needs none; past a few dozen
// elements std::stable_sort is used.
#pragma once

#include <algorithm>
#include <iterator>
#include <utility>

namespace ratel::detail {

template <typename It, typename Less>
void stable_sort_small(It first, It last, Less less) {
  if (last - first > 32) {
    std::stable_sort(first, last, less);
    return;
  }
  if (first == last) return;
  for (It i = std::next(first); i != last; ++i) {
    if (!less(*i, *std::prev(i))) continue;  // already in place: equal elements stay after
    auto moving = std::move(*i);
    It j = i;
    do {
      *j = std::move(*std::prev(j));
      --j;
    } while (j != first && less(moving, *std::prev(j)));
    *j = std::move(moving);
  }
}

}  // namespace ratel::detail
