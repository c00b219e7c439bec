// cli/standard_output.hpp: a command's result written to stdout, or a failure that says why.
//
// Concept: every command's output is checked like a file's (docs/design.md section 7): a
// write or the final flush that fails (a full disk, a closed pipe, /dev/full) is an
// output_error "stdout: cannot write <what>: <the system's reason>", and the command exits 1
// instead of 0 with its result cut short.
//
//   standard_output out("the report");
//   out.write(text);
//   out.finish();  // flushes; throws output_error
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ratel/io/output.hpp"

namespace ratel::cli {

class standard_output {
 public:
  explicit standard_output(std::string what) : what_(std::move(what)) {}

  void write(std::string_view text) {
    if (!text.empty() && error_ == 0 &&
        std::fwrite(text.data(), 1, text.size(), stdout) != text.size())
      error_ = errno;
  }

  /// Flushes; throws output_error if any write or the flush failed.
  void finish() {
    if (std::fflush(stdout) != 0 && error_ == 0) error_ = errno;
    if (error_ != 0)
      throw output_error(fmt::format("stdout: cannot write {}: {}", what_, std::strerror(error_)));
  }

 private:
  std::string what_;
  int error_ = 0;
};

}  // namespace ratel::cli
