// ratel/io/output.hpp: files that appear complete or not at all, only where they were asked.
//
// Concept: every file a run writes is a transaction (docs/design.md section 7). Its bytes
// go to a file beside the final one that has no name yet (O_TMPFILE; on a file system
// without it, a hidden `.ratel-tmp-*` name created exclusively, never through a symbolic
// link); every write is checked; commit() flushes the bytes to the disk and renames the
// file into place (a free final name is linked at once; a taken one is replaced by a
// rename from a hidden `.ratel-tmp-*` name). A file destroyed without commit() leaves
// nothing behind. A kill -9 never leaves a partial file under a final name; killed in the
// instant between the two steps of a replacement, it leaves a hidden temporary name,
// which the next output_dir on that folder removes. A path naming an existing device or pipe
// (/dev/null, /dev/stdout, a FIFO) cannot be replaced: it is written in place, every write checked.
//
// Under --out DIR every file is created inside DIR through a handle on DIR itself, so no
// name can leave it, and the name made from a subscriber id is encoded (bill_file_name):
// no id (`..`, `/`, NUL, control characters, a very long id) can leave DIR, hide another
// file or collide with another id.
//
// Errors: output_error, whose what() names the file and gives the system's reason
// ("bills/x.json: cannot write: No space left on device").
//
//   output_dir out("bills");
//   atomic_file f = out.create(bill_file_name("13800000001", date::year{2012} / 7, "json"));
//   f.write(json);
//   f.commit();
#pragma once

#include <cstddef>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <date/date.h>

namespace ratel {

/// A file that could not be created, written, flushed, closed or renamed; what() is
/// "<file>: <what failed>: <the system's reason>".
class output_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file written whole or not at all (see the file comment). Move-only.
class atomic_file {
 public:
  /// A new file to become `path` on commit(), in `path`'s folder (which must exist); or,
  /// when `path` is a device or a pipe, that file opened for writing in place. A folder is
  /// refused.
  static atomic_file create(const std::filesystem::path& path);

  atomic_file(atomic_file&& other) noexcept;
  atomic_file& operator=(atomic_file&& other) noexcept;
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  /// Without commit(): removes the temporary file.
  ~atomic_file();

  /// Appends bytes (buffered). Throws output_error.
  void write(std::string_view bytes);
  /// Flushes, syncs to the disk, closes and renames the file to its final name, replacing
  /// whatever entry had that name (a symbolic link there is replaced, never followed).
  /// Throws output_error; the temporary file is then removed.
  void commit();

  /// The final name, as given (for messages).
  const std::string& name() const noexcept { return name_; }

 private:
  friend class output_dir;
  atomic_file() = default;
  atomic_file(int dir_fd, bool owns_dir, std::string final_name, std::string shown_name);
  static atomic_file in_place(int fd, std::string shown_name);
  void flush_buffer();
  void discard() noexcept;

  int dir_ = -1;           // the folder the file is created in
  bool owns_dir_ = false;  // dir_ is this file's own handle, closed with it
  int fd_ = -1;            // the temporary file, until commit
  bool in_place_ = false;  // fd_ is the device or pipe itself
  std::string final_;      // name inside dir_
  std::string temporary_;  // name inside dir_, empty while the file has none
  std::string name_;       // shown in messages
  std::string buffer_;
};

/// The folder of --out DIR. Created if missing (its parents must exist or be creatable);
/// refused if it is not a directory. Files are created in it by name, never elsewhere.
/// Opening it removes the hidden temporary files of runs that were killed.
class output_dir {
 public:
  explicit output_dir(const std::filesystem::path& dir);
  output_dir(const output_dir&) = delete;
  output_dir& operator=(const output_dir&) = delete;
  ~output_dir();

  /// A new file `file_name` in the folder. `file_name` must be one plain name (no '/', not
  /// "." or "..", no NUL); bill_file_name gives such names.
  atomic_file create(std::string_view file_name) const;
  /// Syncs the folder itself, so that the renames of committed files survive a crash.
  void sync() const;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  friend class file_batch;
  void remove_stale_temporaries() const;

  std::filesystem::path path_;
  int fd_ = -1;
};

/// Many small files for one output_dir (a bill per subscriber under --out DIR), each whole
/// or absent like an atomic_file, without a flush to the disk per file: 20,000 bills took
/// 36 s with one fsync each, nearly all of it waiting on the disk. Each file is written to
/// a hidden `.ratel-tmp-*` name and closed; every `files_per_flush` files, and at finish(),
/// one syncfs puts every pending file on the disk at once, then each is renamed to its
/// final name (replacing what had it, a symbolic link included, never following it) and
/// the folder is synced. A kill leaves whole files under final names and hidden temporary
/// names, which the next output_dir on the folder removes; destroyed before finish(), or
/// after a failure, the batch removes its pending temporaries. add() may be called from
/// several threads.
class file_batch {
 public:
  explicit file_batch(const output_dir& dir, std::size_t files_per_flush = 1024);
  file_batch(const file_batch&) = delete;
  file_batch& operator=(const file_batch&) = delete;
  ~file_batch();

  /// Writes `bytes` as the future file `file_name` (a plain name, as output_dir::create
  /// takes). Throws output_error.
  void add(std::string_view file_name, std::string_view bytes);
  /// Puts every pending file in place and syncs the folder. Throws output_error.
  void finish();

 private:
  void flush_pending();  // with mutex_ held

  const output_dir& dir_;
  std::size_t files_per_flush_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> pending_;  // (temporary, final) names
};

/// The file name of a bill under --out DIR: `<subscriber>-<cycle>.<extension>`, with the
/// subscriber id encoded so that the name is one plain file name and different ids give
/// different names. Letters, digits, '+', '-' and '_' stand for themselves, and so does
/// '.' except at the start of the id; every other byte is written `%XX` (upper-case hex),
/// '%' included, so the encoding is reversible. An id whose encoding is longer than 160
/// bytes keeps its first 120 encoded bytes, then `~` and 16 hex digits of a hash of the
/// whole id (file names are at most 255 bytes on common file systems); output_dir users
/// check such names for collisions.
std::string bill_file_name(std::string_view subscriber, date::year_month cycle,
                           std::string_view extension);

}  // namespace ratel
