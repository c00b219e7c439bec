// io/file.hpp (private): how every reader opens and reads an input file.
//
// Concept: one way to open a file for every format (catalog, usage, account log, disputed
// bill) and the stream run, so that a file that cannot be used gives the same input_error
// wherever it is named: the file, no line ("usage.csv: cannot open: No such file or
// directory"), and the system's reason. Files are read as bytes (binary): a reader decides
// what "\r\n" and a byte order mark mean.
//
//   std::string text = detail::read_text_file("tariffs/cmcc-2012.toml");
//   detail::file_ptr in = detail::open_input("usage.csv");  // closes itself
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "ratel/error.hpp"

namespace ratel::detail {

struct file_closer {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
/// A C stdio file that closes itself.
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

/// Opens an input file for reading (binary). Throws input_error naming the file and the
/// system's reason when it cannot be opened.
inline file_ptr open_input(const std::string& name) {
  errno = 0;
  file_ptr file(std::fopen(name.c_str(), "rb"));
  if (!file)
    throw input_error({name, 0, 0}, "", fmt::format("cannot open: {}", std::strerror(errno)));
  return file;
}

/// No line of a text input (a catalog, an account log, a disputed bill, even one written on
/// a single line) comes near this: past it the input is not text (a binary file,
/// /dev/zero), and reading on would only grow memory.
inline constexpr std::size_t longest_text_line = std::size_t{16} << 20;

/// The whole content of a file. Throws input_error naming the file when it cannot be read
/// (missing, a directory, no permission, I/O error), and at file:line when a line is longer
/// than longest_text_line.
inline std::string read_text_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  const file_ptr file = open_input(name);
  std::string text;
  // A hint only: a pipe or /dev/stdin has no size, and the loop below reads to the end.
  std::error_code size_error;
  const std::uintmax_t size = std::filesystem::file_size(path, size_error);
  if (!size_error) text.reserve(static_cast<std::size_t>(size));
  char buffer[1 << 16];
  std::size_t line = 1, line_start = 0;  // the line being read, and where it starts in text
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    const std::size_t before = text.size();
    text.append(buffer, got);
    for (std::size_t at = text.find('\n', before); at != std::string::npos;
         at = text.find('\n', at + 1)) {
      ++line;
      line_start = at + 1;
    }
    if (text.size() - line_start > longest_text_line)
      throw input_error(
          {name, static_cast<std::uint32_t>(std::min<std::size_t>(line, UINT32_MAX)), 1}, "",
          fmt::format("a line longer than {} MiB: not a text file", longest_text_line >> 20));
    if (got < sizeof buffer) break;
  }
  if (std::ferror(file.get()))
    throw input_error({name, 0, 0}, "", fmt::format("cannot read: {}", std::strerror(errno)));
  return text;
}

}  // namespace ratel::detail
