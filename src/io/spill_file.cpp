// Unnamed temporary files (see spill_file.hpp).
#include "ratel/io/spill_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "ratel/io/output.hpp"

namespace ratel {
namespace {

namespace fs = std::filesystem;

// What to do when a spill fails: said once, in every spill message.
std::string spill_advice(const fs::path& folder) {
  return fmt::format(
      "the spill folder is {} ($TMPDIR, /tmp if unset): give it more room, set TMPDIR "
      "to a folder with room, or raise --memory-budget so that less spills",
      folder.string());
}

}  // namespace

spill_space::spill_space(fs::path base) : base_(std::move(base)) {
  if (base_.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    base_ = tmpdir != nullptr && *tmpdir != '\0' ? fs::path(tmpdir) : fs::path("/tmp");
  }
}

spill_file spill_space::create(std::string what) const {
  int fd = ::open(base_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    // No O_TMPFILE on this file system: a unique name, unlinked as soon as it is open.
    std::string pattern = (base_ / "ratel-spill-XXXXXX").string();
    fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(pattern.c_str());
  }
  if (fd < 0) {
    const int error = errno;
    throw output_error(fmt::format("cannot make a spill file ({}) in {}: {}; {}", what,
                                   base_.string(), std::strerror(error), spill_advice(base_)));
  }
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) {
    const int error = errno;
    ::close(fd);
    throw output_error(fmt::format("cannot open a spill file ({}) in {}: {}", what, base_.string(),
                                   std::strerror(error)));
  }
  return spill_file(file, std::move(what), base_);
}

void spill_file::append(std::string_view bytes) {
  if (bytes.empty()) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size())
    fail("cannot write", errno);
  written_ += bytes.size();
}

void spill_file::rewind_for_reading() {
  if (std::fflush(file_.get()) != 0 || std::ferror(file_.get()) != 0) fail("cannot write", errno);
  struct stat status {};
  if (::fstat(::fileno(file_.get()), &status) != 0) fail("cannot read its size", errno);
  if (static_cast<std::uint64_t>(status.st_size) != written_)
    throw output_error(fmt::format("{}: holds {} of the {} bytes written; {}", describe(),
                                   status.st_size, written_, spill_advice(folder_)));
  std::rewind(file_.get());
  read_ = 0;
}

bool spill_file::read(void* data, std::size_t size) {
  if (read_ == written_) return false;
  if (written_ - read_ < size || std::fread(data, 1, size, file_.get()) != size)
    fail("cannot read back", std::ferror(file_.get()) != 0 ? errno : EIO);
  read_ += size;
  return true;
}

std::size_t spill_file::read_some(void* data, std::size_t size) {
  const std::uint64_t left = written_ - read_;
  if (left < size) size = static_cast<std::size_t>(left);
  if (size == 0) return 0;
  read(data, size);
  return size;
}

void spill_file::read_at(std::uint64_t offset, void* data, std::size_t size) {
  if (offset > written_ || written_ - offset < size) fail("cannot read back", EIO);
  auto* at = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t got = ::pread(::fileno(file_.get()), at, size, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail("cannot read back", got < 0 ? errno : EIO);
    at += got;
    offset += static_cast<std::uint64_t>(got);
    size -= static_cast<std::size_t>(got);
  }
}

void spill_file::read_all(std::string& out) {
  rewind_for_reading();
  const std::size_t had = out.size();
  out.resize(had + static_cast<std::size_t>(written_));
  if (written_ > 0) read(out.data() + had, static_cast<std::size_t>(written_));
}

std::string spill_file::reopen_path() const {
  return fmt::format("/proc/self/fd/{}", ::fileno(file_.get()));
}

std::string spill_file::describe() const {
  return fmt::format("spill file ({}) in {}", what_, folder_.string());
}

void spill_file::fail(std::string_view failed, int error) const {
  throw output_error(fmt::format("{}: {}: {}; {}", describe(), failed, std::strerror(error),
                                 spill_advice(folder_)));
}

}  // namespace ratel
