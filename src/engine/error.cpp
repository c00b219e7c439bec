#include "ratel/error.hpp"

#include <fmt/format.h>

namespace ratel {
namespace {
std::string describe(const source_position& where, const std::string& field,
                     const std::string& message) {
  std::string text = where.file.empty() ? std::string("<input>") : where.file;
  if (where.line != 0) {
    text += fmt::format(":{}", where.line);
    if (where.column != 0) text += fmt::format(":{}", where.column);
  }
  text += ": ";
  if (!field.empty()) text += field + ": ";
  return text + message;
}
}  // namespace

input_error::input_error(source_position where, std::string field, std::string message)
    : std::runtime_error(describe(where, field, message)),
      where_(std::move(where)),
      field_(std::move(field)),
      message_(std::move(message)) {}

}  // namespace ratel
