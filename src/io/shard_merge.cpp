// Merging the outputs of --shard runs (see shard_merge.hpp).
#include "ratel/io/shard_merge.hpp"

#include <cstdint>
#include <fstream>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ratel/error.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/rejects_csv.hpp"

namespace ratel {
namespace {

namespace fs = std::filesystem;

bool is_csv(shard_output kind) {
  return kind == shard_output::bills_csv || kind == shard_output::events_csv ||
         kind == shard_output::rejects_csv;
}

std::string_view csv_header(shard_output kind) {
  std::string_view h = kind == shard_output::bills_csv    ? bills_csv_header()
                       : kind == shard_output::events_csv ? events_csv_header()
                                                          : rejects_csv_header();
  return h.substr(0, h.size() - 1);  // without its newline
}

// One shard's file, read one entry at a time: a bill (JSON element or text block) or a CSV
// row, with the key the whole output is ordered by (the subscriber; for rejects the line).
class entry_reader {
 public:
  entry_reader(shard_output kind, const fs::path& path)
      : kind_(kind), name_(path.string()), in_(path, std::ios::binary) {
    if (!in_) fail(0, "cannot read it");
    std::string first;
    if (is_csv(kind_)) {
      if (!read_line(first) || first != csv_header(kind_))
        fail(1, fmt::format("not a shard's {}: its first line is not \"{}\"", what(),
                            csv_header(kind_)));
    } else if (kind_ == shard_output::bills_json) {
      if (!read_line(first) || (first != "[" && first != "[]"))
        fail(1, "not a shard's JSON bills: it does not start with [");
      done_ = first == "[]";
    }
  }

  /// The next entry into text and key; false at the end of the file.
  bool next() {
    const std::string previous = key;
    const std::uint64_t previous_line = line_key;
    const bool got = kind_ == shard_output::bills_json   ? next_json()
                     : kind_ == shard_output::bills_text ? next_text()
                                                         : next_csv();
    if (got && started_ && before({key, line_key}, {previous, previous_line}))
      fail(entry_line_, fmt::format("not in the order ratel writes {} in (\"{}\" after \"{}\"): "
                                    "not one shard's output",
                                    what(), key, previous));
    started_ = started_ || got;
    return got;
  }

  /// Whether key a comes before key b in the whole output.
  bool before(const std::pair<std::string_view, std::uint64_t>& a,
              const std::pair<std::string_view, std::uint64_t>& b) const {
    return kind_ == shard_output::rejects_csv ? a.second < b.second : a.first < b.first;
  }

  std::string text;            // the entry as the whole output has it
  std::string key;             // its subscriber (for rejects, the line as written)
  std::uint64_t line_key = 0;  // rejects: the line number

 private:
  std::string what() const {
    switch (kind_) {
      case shard_output::bills_json:
        return "JSON bills";
      case shard_output::bills_csv:
        return "CSV bills";
      case shard_output::bills_text:
        return "text bills";
      case shard_output::events_csv:
        return "events";
      case shard_output::rejects_csv:
        return "rejects";
    }
    return "output";
  }
  [[noreturn]] void fail(std::uint64_t line, const std::string& why) const {
    throw input_error({name_, static_cast<std::uint32_t>(line), 0}, "", why);
  }
  bool read_line(std::string& line) {
    if (!std::getline(in_, line)) {
      if (in_.bad()) fail(line_, "cannot read it to the end");
      return false;
    }
    ++line_;
    return true;
  }

  // A CSV row (a quoted field may hold line ends: lines are joined while quotes are open).
  bool next_csv() {
    std::string line;
    if (!read_line(line)) return false;
    entry_line_ = line_;
    text = line;
    auto quotes = [](std::string_view s) { return std::count(s.begin(), s.end(), '"'); };
    for (auto open = quotes(line) % 2; open != 0; open = (open + quotes(line)) % 2) {
      if (!read_line(line)) fail(entry_line_, "ends inside a quoted field");
      text += '\n';
      text += line;
    }
    text += '\n';
    // The first field: the subscriber (bills, events) or the line (rejects).
    key.clear();
    if (!text.empty() && text.front() == '"') {
      for (std::size_t i = 1; i < text.size(); ++i) {
        if (text[i] != '"') {
          key += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '"') {
          key += '"';
          ++i;
        } else {
          break;
        }
      }
    } else {
      key = text.substr(0, text.find_first_of(",\n"));
    }
    if (kind_ == shard_output::rejects_csv) {
      line_key = 0;
      if (key.empty() || key.size() > 10 || key.find_first_not_of("0123456789") != key.npos)
        fail(entry_line_, fmt::format("not a rejects row: its line \"{}\" is not a number", key));
      for (char c : key) line_key = line_key * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
  }

  // A JSON bill: the lines from "  {" to "  }" (",": another follows).
  bool next_json() {
    if (done_) {
      std::string rest;
      if (read_line(rest)) fail(line_, "text after the end of the bills");
      return false;
    }
    std::string line;
    if (!read_line(line) || line != "  {") fail(line_, "a bill does not start here");
    entry_line_ = line_;
    text = line;
    key.clear();
    for (;;) {
      if (!read_line(line)) fail(entry_line_, "the bill that starts here does not end");
      if (line == "  }" || line == "  },") {
        text += "\n  }";
        if (line == "  }") {
          if (!read_line(line) || line != "]") fail(line_, "the bills do not end with ]");
          done_ = true;
        }
        break;
      }
      text += '\n';
      text += line;
      constexpr std::string_view field = "    \"subscriber\": ";
      if (key.empty() && line.starts_with(field)) {
        std::string_view value(line);
        value.remove_prefix(field.size());
        if (value.ends_with(',')) value.remove_suffix(1);
        try {
          key = nlohmann::json::parse(value).get<std::string>();
        } catch (const nlohmann::json::exception&) {
          fail(line_, "the bill's subscriber is not a JSON string");
        }
      }
    }
    if (key.empty()) fail(entry_line_, "the bill that starts here names no subscriber");
    return true;
  }

  // A text bill: "Bill SUBSCRIBER for CYCLE (CURRENCY)" and its lines, up to a blank line.
  bool next_text() {
    std::string line;
    while (read_line(line) && line.empty()) {
    }
    if (!in_ && line.empty()) return false;
    entry_line_ = line_;
    const std::size_t for_at = line.rfind(" for ");
    if (!line.starts_with("Bill ") || for_at == std::string::npos || for_at < 5)
      fail(line_, "a bill does not start here (\"Bill SUBSCRIBER for CYCLE\")");
    key = line.substr(5, for_at - 5);
    text = line + '\n';
    while (in_.peek() != std::char_traits<char>::eof() && in_.peek() != '\n' && read_line(line)) {
      text += line;
      text += '\n';
    }
    return true;
  }

  shard_output kind_;
  std::string name_;
  std::ifstream in_;
  std::uint64_t line_ = 0;        // lines read
  std::uint64_t entry_line_ = 0;  // where the current entry starts
  bool done_ = false;             // JSON: the closing ] was read
  bool started_ = false;
};

}  // namespace

void merge_shard_outputs(shard_output kind, std::span<const fs::path> shards,
                         const std::function<void(std::string_view)>& write) {
  std::vector<std::unique_ptr<entry_reader>> readers;
  for (const fs::path& p : shards) readers.push_back(std::make_unique<entry_reader>(kind, p));
  // The smallest key first; a subscriber (or line) is in one shard only, so ties are
  // between entries of one shard, which its index keeps in their order.
  auto later = [&](std::size_t a, std::size_t b) {
    const entry_reader& x = *readers[a];
    const entry_reader& y = *readers[b];
    if (x.before({y.key, y.line_key}, {x.key, x.line_key})) return true;
    if (y.before({x.key, x.line_key}, {y.key, y.line_key})) return false;
    return a > b;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heads(later);
  for (std::size_t i = 0; i < readers.size(); ++i)
    if (readers[i]->next()) heads.push(i);

  if (is_csv(kind)) {
    write(csv_header(kind));
    write("\n");
  }
  bool first = true;
  while (!heads.empty()) {
    const std::size_t i = heads.top();
    heads.pop();
    if (kind == shard_output::bills_json) write(first ? "[\n" : ",\n");
    if (kind == shard_output::bills_text && !first) write("\n");
    write(readers[i]->text);
    first = false;
    if (readers[i]->next()) heads.push(i);
  }
  if (kind == shard_output::bills_json) write(first ? "[]\n" : "\n]\n");
}

}  // namespace ratel
