// Files written whole or not at all, only inside the folder asked for (io/output.hpp).
//
// POSIX calls rather than std::ofstream: the file is created relative to a handle on its
// folder (openat), exclusively and without following a link (O_EXCL | O_NOFOLLOW), synced
// (fsync) and renamed into place (renameat), and every failure has an errno to report.
#include "ratel/io/output.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace ratel {
namespace {

[[noreturn]] void fail(const std::string& name, std::string_view what, int error) {
  throw output_error(fmt::format("{}: {}: {}", name, what, std::strerror(error)));
}

// Temporary names are short and unique in the process: <final> may already use most of
// the 255 bytes a name can have.
std::string temporary_name() {
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format(".ratel-tmp-{}-{}", static_cast<long>(::getpid()), counter++);
}

int open_dir(const std::filesystem::path& dir, const std::string& shown) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(shown, "cannot open the folder", errno);
  return fd;
}

bool plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." &&
         name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

// FNV-1a, 64 bits: stable across runs and machines, so a long id's file name is too.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

atomic_file::atomic_file(int dir_fd, bool owns_dir, std::string final_name, std::string shown_name)
    : dir_(dir_fd),
      owns_dir_(owns_dir),
      final_(std::move(final_name)),
      name_(std::move(shown_name)) {
  // A file with no name at all until it is complete (O_TMPFILE): a kill at any moment
  // leaves nothing. 0666 and the umask, as any file a user's program creates.
  fd_ = ::openat(dir_, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // A file system without O_TMPFILE: a hidden temporary name, exclusive, never a link.
    temporary_ = temporary_name();
    fd_ = ::openat(dir_, temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0666);
  }
  if (fd_ < 0) {
    const int error = errno;
    if (owns_dir_) ::close(dir_);
    dir_ = -1;
    fail(name_, "cannot create", error);
  }
}

atomic_file atomic_file::in_place(int fd, std::string shown_name) {
  atomic_file file;
  file.fd_ = fd;
  file.in_place_ = true;
  file.name_ = std::move(shown_name);
  return file;
}

atomic_file atomic_file::create(const std::filesystem::path& path) {
  const std::string shown = path.string();
  // A device or a pipe (/dev/null, /dev/stdout, a FIFO) cannot be replaced: it is written
  // as it is, every write still checked.
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0 && !S_ISREG(status.st_mode)) {
    if (S_ISDIR(status.st_mode))
      throw output_error(fmt::format("{}: is a folder, not a file", shown));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(shown, "cannot open for writing", errno);
    return in_place(fd, shown);
  }
  const std::string file = path.filename().string();
  if (!plain_name(file)) throw output_error(fmt::format("{}: not a file name", shown));
  return atomic_file(open_dir(path.parent_path(), shown), true, file, shown);
}

atomic_file::atomic_file(atomic_file&& other) noexcept
    : dir_(std::exchange(other.dir_, -1)),
      owns_dir_(other.owns_dir_),
      fd_(std::exchange(other.fd_, -1)),
      in_place_(other.in_place_),
      final_(std::move(other.final_)),
      temporary_(std::move(other.temporary_)),
      name_(std::move(other.name_)),
      buffer_(std::move(other.buffer_)) {}

atomic_file& atomic_file::operator=(atomic_file&& other) noexcept {
  if (this != &other) {
    discard();
    dir_ = std::exchange(other.dir_, -1);
    owns_dir_ = other.owns_dir_;
    fd_ = std::exchange(other.fd_, -1);
    in_place_ = other.in_place_;
    final_ = std::move(other.final_);
    temporary_ = std::move(other.temporary_);
    name_ = std::move(other.name_);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

atomic_file::~atomic_file() {
  discard();
}

void atomic_file::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    if (!temporary_.empty()) ::unlinkat(dir_, temporary_.c_str(), 0);
    fd_ = -1;
  }
  if (dir_ >= 0 && owns_dir_) ::close(dir_);
  dir_ = -1;
}

void atomic_file::write(std::string_view bytes) {
  constexpr std::size_t buffer_size = 1 << 20;
  if (buffer_.size() + bytes.size() > buffer_size) flush_buffer();
  if (bytes.size() > buffer_size) {
    buffer_ = bytes;  // written at once below
    flush_buffer();
    return;
  }
  buffer_ += bytes;
}

void atomic_file::flush_buffer() {
  std::string_view rest = buffer_;
  while (!rest.empty()) {
    const ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      discard();
      fail(name_, "cannot write", error);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  buffer_.clear();
}

void atomic_file::commit() {
  if (fd_ < 0) throw output_error(fmt::format("{}: already committed or discarded", name_));
  flush_buffer();
  if (in_place_) {
    if (::close(std::exchange(fd_, -1)) != 0) fail(name_, "cannot close", errno);
    return;
  }
  if (::fsync(fd_) != 0) {
    const int error = errno;
    discard();
    fail(name_, "cannot flush to the disk", error);
  }
  if (temporary_.empty()) {
    // Give the anonymous file a hidden name (linkat cannot replace a file), then rename
    // it over the final name: a reader sees the old file or the new one, never a part.
    // Where the final name is free, the file gets it at once (a link is atomic).
    const std::string self = fmt::format("/proc/self/fd/{}", fd_);
    if (::linkat(AT_FDCWD, self.c_str(), dir_, final_.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      const int fd = std::exchange(fd_, -1);
      const int error = ::close(fd) != 0 ? errno : 0;
      discard();
      if (error != 0) fail(name_, "cannot close", error);
      return;
    }
    if (errno != EEXIST) {
      const int error = errno;
      discard();
      fail(name_, "cannot name the new file", error);
    }
    temporary_ = temporary_name();
    if (::linkat(AT_FDCWD, self.c_str(), dir_, temporary_.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      const int error = errno;
      temporary_.clear();
      discard();
      fail(name_, "cannot name the new file", error);
    }
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlinkat(dir_, temporary_.c_str(), 0);
    discard();
    fail(name_, "cannot close", error);
  }
  if (::renameat(dir_, temporary_.c_str(), dir_, final_.c_str()) != 0) {
    const int error = errno;
    ::unlinkat(dir_, temporary_.c_str(), 0);
    discard();
    fail(name_, "cannot move into place", error);
  }
  discard();  // closes an own folder handle
}

output_dir::output_dir(const std::filesystem::path& dir) : path_(dir) {
  const std::string shown = dir.string();
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw output_error(fmt::format("{}: cannot create the folder: {}", shown, error.message()));
  fd_ = open_dir(dir, shown);
  remove_stale_temporaries();
}

void output_dir::remove_stale_temporaries() const {
  // `.ratel-tmp-<pid>-<n>` of a process that no longer runs: a run killed in the instant
  // between naming a file and renaming it (or on a file system without O_TMPFILE).
  const int fd = ::dup(fd_);
  if (fd < 0) return;
  DIR* listing = ::fdopendir(fd);
  if (listing == nullptr) {
    ::close(fd);
    return;
  }
  constexpr std::string_view prefix = ".ratel-tmp-";
  while (const dirent* entry = ::readdir(listing)) {
    const std::string_view name = entry->d_name;
    if (!name.starts_with(prefix)) continue;
    long pid = 0;
    const auto [end, error] =
        std::from_chars(name.data() + prefix.size(), name.data() + name.size(), pid);
    if (error != std::errc() || end == name.data() + name.size() || *end != '-' || pid <= 0)
      continue;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      ::unlinkat(fd_, entry->d_name, 0);
  }
  ::closedir(listing);
}

output_dir::~output_dir() {
  if (fd_ >= 0) ::close(fd_);
}

atomic_file output_dir::create(std::string_view file_name) const {
  const std::string shown = (path_ / std::string(file_name)).string();
  if (!plain_name(file_name)) throw output_error(fmt::format("{}: not a plain file name", shown));
  return atomic_file(fd_, false, std::string(file_name), shown);
}

void output_dir::sync() const {
  if (::fsync(fd_) != 0) fail(path_.string(), "cannot flush the folder to the disk", errno);
}

file_batch::file_batch(const output_dir& dir, std::size_t files_per_flush)
    : dir_(dir), files_per_flush_(files_per_flush == 0 ? 1 : files_per_flush) {}

file_batch::~file_batch() {
  for (const auto& [temporary, final_name] : pending_) ::unlinkat(dir_.fd_, temporary.c_str(), 0);
}

void file_batch::add(std::string_view file_name, std::string_view bytes) {
  const std::string shown = (dir_.path() / std::string(file_name)).string();
  if (!plain_name(file_name)) throw output_error(fmt::format("{}: not a plain file name", shown));
  std::string temporary = temporary_name();
  const int fd = ::openat(dir_.fd_, temporary.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) fail(shown, "cannot create", errno);
  auto give_up = [&](std::string_view what, int error) {
    ::close(fd);
    ::unlinkat(dir_.fd_, temporary.c_str(), 0);
    fail(shown, what, error);
  };
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      give_up("cannot write", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlinkat(dir_.fd_, temporary.c_str(), 0);
    fail(shown, "cannot close", error);
  }
  std::lock_guard lock(mutex_);
  pending_.emplace_back(std::move(temporary), std::string(file_name));
  if (pending_.size() >= files_per_flush_) flush_pending();
}

void file_batch::finish() {
  std::lock_guard lock(mutex_);
  flush_pending();
  dir_.sync();
}

void file_batch::flush_pending() {
  if (pending_.empty()) return;
  // One flush of the file system for the whole batch: the bytes of every pending file are
  // on the disk before any of them gets its final name (syncfs reports write-back errors
  // since Linux 5.8).
  if (::syncfs(dir_.fd_) != 0)
    fail(dir_.path().string(), "cannot flush the files to the disk", errno);
  while (!pending_.empty()) {
    const auto& [temporary, final_name] = pending_.back();
    if (::renameat(dir_.fd_, temporary.c_str(), dir_.fd_, final_name.c_str()) != 0)
      fail((dir_.path() / final_name).string(), "cannot move into place", errno);
    pending_.pop_back();
  }
}

std::string bill_file_name(std::string_view subscriber, date::year_month cycle,
                           std::string_view extension) {
  std::string encoded;
  encoded.reserve(subscriber.size());
  for (std::size_t i = 0; i < subscriber.size(); ++i) {
    const auto c = static_cast<unsigned char>(subscriber[i]);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '+' || c == '-' || c == '_' || (c == '.' && i > 0);
    if (plain)
      encoded += static_cast<char>(c);
    else
      encoded += fmt::format("%{:02X}", c);
  }
  constexpr std::size_t longest = 160, kept = 120;
  if (encoded.size() > longest) {
    std::size_t cut = kept;
    // Never cut inside a %XX.
    if (encoded[cut - 1] == '%')
      cut -= 1;
    else if (encoded[cut - 2] == '%')
      cut -= 2;
    encoded = fmt::format("{}~{:016x}", encoded.substr(0, cut), fnv1a(subscriber));
  }
  return fmt::format("{}-{:04}-{:02}.{}", encoded, static_cast<int>(cycle.year()),
                     static_cast<unsigned>(cycle.month()), extension);
}

}  // namespace ratel
