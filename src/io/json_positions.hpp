// Internal to the formats layer: where each value of a JSON text is, for errors that name
// file:line:col after nlohmann has parsed the text (disputed bills, carried states).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "ratel/error.hpp"

namespace ratel::detail {

// Where each value of a JSON text is, by its path ("[0].lines[2].amount"), so that errors
// found after parsing can still name file:line:col. nlohmann's DOM keeps no positions.
class json_positions {
 public:
  explicit json_positions(std::string_view text) : text_(text) {
    // A byte order mark (which nlohmann skips) is not a column: without this, the document
    // looked like one scalar and no error after parsing had a position.
    if (text_.starts_with(csv::line_reader::byte_order_mark))
      i_ = csv::line_reader::byte_order_mark.size();
    value("");
  }

  source_position at(const std::string& file, const std::string& path) const {
    auto it = where_.find(path);
    if (it == where_.end()) return {file, 0, 0};
    return {file, it->second.first, it->second.second};
  }

 private:
  void skip_space() {
    while (i_ < text_.size() &&
           (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\r' || text_[i_] == '\n'))
      advance();
  }
  void advance() {
    if (text_[i_] == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(text_[i_]) & 0xC0) != 0x80) {
      ++column_;  // count code points, as an editor does
    }
    ++i_;
  }
  std::string string() {  // at '"'; returns the raw text between the quotes
    advance();
    std::string out;
    while (i_ < text_.size() && text_[i_] != '"') {
      if (text_[i_] == '\\') {
        out += text_[i_];
        advance();
      }
      if (i_ < text_.size()) {
        out += text_[i_];
        advance();
      }
    }
    if (i_ < text_.size()) advance();
    return out;
  }
  void value(const std::string& path) {
    skip_space();
    if (i_ >= text_.size()) return;
    where_[path] = {line_, column_};
    const char c = text_[i_];
    if (c == '{') {
      advance();
      for (;;) {
        skip_space();
        if (i_ >= text_.size() || text_[i_] == '}') break;
        if (text_[i_] != '"') return;  // malformed: nlohmann reports it
        const std::string key = string();
        skip_space();
        if (i_ < text_.size() && text_[i_] == ':') advance();
        value(path.empty() ? key : path + "." + key);
        skip_space();
        if (i_ < text_.size() && text_[i_] == ',') advance();
      }
      if (i_ < text_.size()) advance();
    } else if (c == '[') {
      advance();
      for (std::size_t n = 0;; ++n) {
        skip_space();
        if (i_ >= text_.size() || text_[i_] == ']') break;
        value(fmt::format("{}[{}]", path, n));
        skip_space();
        if (i_ < text_.size() && text_[i_] == ',') advance();
      }
      if (i_ < text_.size()) advance();
    } else if (c == '"') {
      string();
    } else {
      while (i_ < text_.size() && text_[i_] != ',' && text_[i_] != '}' && text_[i_] != ']' &&
             text_[i_] != ' ' && text_[i_] != '\n' && text_[i_] != '\r' && text_[i_] != '\t')
        advance();
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  std::map<std::string, std::pair<std::uint32_t, std::uint32_t>> where_;
};

}  // namespace ratel::detail
