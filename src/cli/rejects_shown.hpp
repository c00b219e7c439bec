// cli/rejects_shown.hpp: rejected records as a command shows them on stderr: a screenful
// (the rest counted; --rejects FILE writes them all), each detail made printable.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ratel::cli {

/// Reject lines shown on stderr: a screenful; the rest are counted.
inline constexpr std::size_t rejects_shown = 20;

/// A reject's text as stderr shows it: control bytes (a record may hold any) as \xNN, so
/// that a line stays one line and cannot move the cursor.
inline std::string printable(std::string_view text) {
  std::string shown;
  shown.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f)
      shown += fmt::format("\\x{:02x}", byte);
    else
      shown += c;
  }
  return shown;
}

}  // namespace ratel::cli
