// Internal: asks the kernel to back a large buffer that is about to be filled with 2 MiB
// pages. Every first touch of a 4 KiB page is a page fault, and on a virtual machine a
// fault costs microseconds: filling the shards of a 250 MB month took 120,000 of them, a
// fifth of the run. With transparent huge pages in `madvise` mode (Debian's default) one
// fault then maps 512 pages. Advice only: nothing happens where the kernel has no huge
// pages or the buffer holds no whole 2 MiB page; the bytes are the same either way.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ratel::detail {

inline void prefer_huge_pages(const void* data, std::size_t size) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
  const std::uintptr_t start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t begin = (start + huge - 1) & ~(huge - 1);
  const std::uintptr_t end = (start + size) & ~(huge - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)size;
#endif
}

}  // namespace ratel::detail
