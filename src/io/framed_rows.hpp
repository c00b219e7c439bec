// framed_rows.hpp (private): rows of a CSV file routed to shards (run/stream.cpp), each
// with the line number it had in the file, so that a shard parsed on its own reports
// file:line as a whole file would. Used for usage rows (usage_framing.hpp) and account-log
// rows (account_rows.hpp) alike.
#pragma once

#include <cassert>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

namespace ratel {

/// Appends one row to a framed text: its 1-based line number and byte length (each a
/// uint32 in native byte order: a shard is read back by the process that wrote it), then
/// the row's bytes, without its line terminator.
inline void append_framed_row(std::string& shard, std::uint32_t line, std::string_view row) {
  assert(row.size() <= std::numeric_limits<std::uint32_t>::max());
  const std::uint32_t size = static_cast<std::uint32_t>(row.size());
  char frame[8];
  std::memcpy(frame, &line, 4);
  std::memcpy(frame + 4, &size, 4);
  shard.append(frame, 8);
  shard.append(row);
}

/// Calls `on_row(line, row)` for each row of a framed text, in the order they were appended.
template <typename OnRow>
void for_each_framed_row(std::string_view framed, OnRow&& on_row) {
  for (std::size_t at = 0; at < framed.size();) {
    assert(framed.size() - at >= 8);
    std::uint32_t line = 0, size = 0;
    std::memcpy(&line, framed.data() + at, 4);
    std::memcpy(&size, framed.data() + at + 4, 4);
    on_row(line, framed.substr(at + 8, size));
    at += 8 + size;
  }
}

}  // namespace ratel
