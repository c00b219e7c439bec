// ratel/io/spill_file.hpp: unnamed temporary files whose every byte is checked.
//
// Concept: what a run holds beyond its memory (rows and rendered bills of the streaming
// pipeline, run/stream.hpp), or must not show before it is final (the bills of a close,
// until the store has committed it), goes to files in the spill folder (a folder given,
// else $TMPDIR, else /tmp; an empty TMPDIR counts as unset, as for other programs). Each
// file is created already unlinked (O_TMPFILE, or a unique name removed at once where the
// file system lacks it), so nothing is left behind however the run ends: an exception,
// SIGTERM, Ctrl-C or kill -9 all free the space with the last descriptor. Every write is
// checked, and the bytes written are counted so that reading back finds every one of them
// or fails (a full disk can surface at any write or only at the flush; a short file must
// never read as a shorter text). Failures throw output_error (io/output.hpp) naming the
// folder and what to do.
//
//   spill_space space({});
//   spill_file held = space.create("the bills");
//   held.append(text);
//   held.rewind_for_reading();
//   while (std::size_t got = held.read_some(block.data(), block.size())) ...
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace ratel {

class spill_file;

/// The folder spill files are made in.
class spill_space {
 public:
  /// `base`: the folder; empty: $TMPDIR, or /tmp when it is unset or empty.
  explicit spill_space(std::filesystem::path base);

  /// A new empty file, open for reading and writing; `what` names it in messages.
  spill_file create(std::string what) const;

  const std::filesystem::path& folder() const noexcept { return base_; }

 private:
  std::filesystem::path base_;
};

/// One spilled file (see the file comment).
class spill_file {
 public:
  spill_file() = default;

  explicit operator bool() const noexcept { return static_cast<bool>(file_); }

  /// Appends `bytes`; throws output_error when they cannot be written.
  void append(std::string_view bytes);
  /// Flushes what was written, checks that the file holds all of it, and rewinds it.
  void rewind_for_reading();
  /// Reads exactly `size` bytes, or returns false at the end of what was written.
  bool read(void* data, std::size_t size);
  /// Reads up to `size` bytes; returns how many (0: the end of what was written).
  std::size_t read_some(void* data, std::size_t size);
  /// Reads exactly `size` bytes from `offset`, wherever reading is (after
  /// rewind_for_reading: several readers may take turns, each at its own offset).
  void read_at(std::uint64_t offset, void* data, std::size_t size);
  /// The whole file, appended to `out`.
  void read_all(std::string& out);
  /// A path that opens this (unlinked) file again, for readers that open by name.
  std::string reopen_path() const;

 private:
  friend class spill_space;
  struct closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  spill_file(std::FILE* file, std::string what, std::filesystem::path folder)
      : file_(file), what_(std::move(what)), folder_(std::move(folder)) {}
  std::string describe() const;
  [[noreturn]] void fail(std::string_view failed, int error) const;

  std::unique_ptr<std::FILE, closer> file_;
  std::string what_;
  std::filesystem::path folder_;
  std::uint64_t written_ = 0;
  std::uint64_t read_ = 0;
};

}  // namespace ratel
