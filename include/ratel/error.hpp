// ratel/error.hpp: the error raised for bad input that stops a run.
//
// Concept: a catalog, an account log, a command line or a file header that cannot be
// used. It names where the problem is (file, 1-based line and column) and which field,
// so the person who wrote the file can fix it without reading ratel's code. A bad *usage
// record* is not an input_error: it becomes a reject and the run goes on (usage.hpp).
//
//   throw input_error{{"tariffs/x.toml", 12, 9}, "products[2].fee", "has 7 decimals"};
//   // what(): "tariffs/x.toml:12:9: products[2].fee: has 7 decimals"
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace ratel {

/// A place in a text file. line and column are 1-based; 0 means "not known".
struct source_position {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// Bad input that stops a run (catalog, account log, CLI argument, unreadable file).
class input_error : public std::runtime_error {
 public:
  input_error(source_position where, std::string field, std::string message);

  const source_position& where() const noexcept { return where_; }
  const std::string& field() const noexcept { return field_; }
  const std::string& message() const noexcept { return message_; }

 private:
  source_position where_;
  std::string field_;
  std::string message_;
};

}  // namespace ratel
