// Bill JSON (DESIGN 4.3), written directly (see io/bill_writer.hpp).
#include "ratel/io/bill_writer.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <charconv>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "io/amount_text.hpp"
#include "io/csv.hpp"

namespace ratel {
namespace {

// Bill JSON written straight into a string, in the layout of nlohmann's dump(2) with
// ordered keys (the bytes every golden file and the DESIGN 4.3 consumers know), without
// building a document first: building one cost a third of a --format json run. The writer
// keeps its own end in the string (grown ahead, cut back when it is done): a piece of a bill
// is a bounds check and a copy, not a call into std::string's append.
class json_writer {
 public:
  /// `indent`: the spaces before the lines of the value written next (0 for a document,
  /// 2 for an element of the top-level array). Writes after what `out` holds.
  json_writer(std::string& out, std::size_t indent) : out_(out), at_(out.size()), indent_(indent) {}
  json_writer(const json_writer&) = delete;
  json_writer& operator=(const json_writer&) = delete;
  ~json_writer() { out_.resize(at_); }  // shrinking: never throws

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// Starts a member of the current object: what follows is its value. `name` is one of
  /// this file's keys, which need no escaping.
  void key(std::string_view name) {
    next_item();
    char* p = room(name.size() + 4);
    *p++ = '"';
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    std::memcpy(p, "\": ", 3);
    pending_value_ = true;
  }
  void value(std::string_view text) {
    next_item();
    append_string(text);
  }
  void value(std::int64_t number) {
    next_item();
    char digits[24];
    const std::to_chars_result r = std::to_chars(digits, digits + sizeof digits, number);
    put(std::string_view(digits, static_cast<std::size_t>(r.ptr - digits)));
  }
  void member(std::string_view name, std::string_view text) {
    key(name);
    value(text);
  }
  void member(std::string_view name, std::int64_t number) {
    key(name);
    value(number);
  }

 private:
  // A bill nests four deep (bill, lines, line, records): levels are a fixed array, not a
  // vector allocated for every bill.
  static constexpr std::size_t max_depth = 8;

  // `n` bytes at the end, to be written now. The string is grown a kilobyte ahead (its own
  // capacity grows geometrically; the bytes past at_ are only filled once, when grown).
  char* room(std::size_t n) {
    if (out_.size() - at_ < n) out_.resize(at_ + n + 1024);
    char* p = out_.data() + at_;
    at_ += n;
    return p;
  }
  void put(std::string_view text) { std::memcpy(room(text.size()), text.data(), text.size()); }
  void put(char c) { *room(1) = c; }
  void new_line(std::size_t spaces) {
    char* p = room(1 + spaces);
    *p = '\n';
    std::memset(p + 1, ' ', spaces);
  }

  // Before a value: a member's value follows its key; an array element gets its own line.
  void next_item() {
    if (pending_value_) {
      pending_value_ = false;
      return;
    }
    if (depth_ == 0) return;
    bool& empty = empty_[depth_ - 1];
    if (!empty) put(',');
    empty = false;
    new_line(indent_ + 2 * depth_);
  }
  void open(char c) {
    next_item();
    put(c);
    assert(depth_ < max_depth);
    empty_[depth_++] = true;
  }
  void close(char c) {
    const bool empty = empty_[--depth_];
    if (!empty) new_line(indent_ + 2 * depth_);
    put(c);
  }
  // JSON string escaping as nlohmann does it: the short escapes, \u00xx for other control
  // characters, UTF-8 as is. Input is valid UTF-8 (the readers refuse anything else); a
  // byte that is not would be written as U+FFFD rather than as invalid JSON.
  void append_string(std::string_view text) {
    // At most six bytes for each byte ("\u001f"; U+FFFD's "\ufffd" for one byte), and the
    // quotes: the room taken, then what was not used given back.
    char* const start = room(2 + 6 * text.size());
    char* p = start;
    *p++ = '"';
    for (std::size_t i = 0; i < text.size();) {
      // The run of bytes written as they are (printable ASCII but the quote and the
      // backslash: nearly all of a bill) goes in one copy, not a byte at a time.
      std::size_t plain = i;
      // Eight bytes at a time while none of them needs escaping (SWAR: each test sets the
      // 0x80 bit of some byte when one is below 0x20, a quote, a backslash, or not ASCII).
      constexpr std::uint64_t ones = 0x0101010101010101U, highs = 0x8080808080808080U;
      while (plain + 8 <= text.size()) {
        std::uint64_t v = 0;
        std::memcpy(&v, text.data() + plain, 8);
        const std::uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
        const std::uint64_t below_space = (v - ones * 0x20U) & ~v & highs;  // a byte < 0x20
        const std::uint64_t is_quote = (quote - ones) & ~quote & highs;     // a zero byte
        const std::uint64_t is_backslash = (backslash - ones) & ~backslash & highs;
        if ((below_space | is_quote | is_backslash | (v & highs)) != 0) break;
        plain += 8;
      }
      while (plain < text.size()) {
        const auto c = static_cast<unsigned char>(text[plain]);
        if (c < 0x20U || c >= 0x80U || c == '"' || c == '\\') break;
        ++plain;
      }
      std::memcpy(p, text.data() + i, plain - i);
      p += plain - i;
      i = plain;
      if (i == text.size()) break;
      const auto c = static_cast<unsigned char>(text[i]);
      auto emit = [&p](std::string_view escaped) {
        std::memcpy(p, escaped.data(), escaped.size());
        p += escaped.size();
      };
      if (c >= 0x80U) {
        const std::size_t length = detail::csv::utf8_length_at(text, i);
        if (length == 0) {
          emit("\\ufffd");
          ++i;
        } else {
          emit(text.substr(i, length));
          i += length;
        }
        continue;
      }
      switch (c) {
        case '"':
          emit("\\\"");
          break;
        case '\\':
          emit("\\\\");
          break;
        case '\b':
          emit("\\b");
          break;
        case '\f':
          emit("\\f");
          break;
        case '\n':
          emit("\\n");
          break;
        case '\r':
          emit("\\r");
          break;
        case '\t':
          emit("\\t");
          break;
        default: {
          // below 0x20: the only bytes left here
          constexpr char hex[] = "0123456789abcdef";
          const char u[6] = {'\\', 'u', '0', '0', hex[c >> 4U], hex[c & 0xFU]};
          emit(std::string_view(u, 6));
        }
      }
      ++i;
    }
    *p++ = '"';
    at_ -= static_cast<std::size_t>(start + 2 + 6 * text.size() - p);  // the room not used
  }

  std::string& out_;
  std::size_t at_;  // the end of what is written; out_ may hold room past it
  std::size_t indent_;
  // empty_[k]: nothing written inside level k yet, so it closes on its line ("[]").
  std::array<bool, max_depth> empty_{};
  std::size_t depth_ = 0;
  bool pending_value_ = false;
};

void write_bill_json(const bill& b, std::string& out, std::size_t indent) {
  json_writer j(out, indent);
  j.begin_object();
  j.member("subscriber", b.subscriber);
  j.member("cycle", to_string(b.cycle));
  j.member("currency", b.money_unit.code());
  j.key("lines");
  j.begin_array();
  for (const bill_line& l : b.lines) {
    j.begin_object();
    j.member("product", l.product);
    j.member("kind", to_string(l.kind));
    j.member("description", l.description);
    j.member("amount", amount(l.amount));
    if (l.svc) j.member("service", to_string(*l.svc));
    if (!l.country.empty()) j.member("country", l.country);
    if (!l.band.empty()) j.member("band", l.band);
    if (l.used) j.member("quantity", l.used->to_string());
    if (l.size) j.member("allowance", l.size->to_string());
    if (!l.rate.empty()) j.member("rate", l.rate);
    if (l.corrects) j.member("corrects", to_string(*l.corrects));
    if (l.adjusts) j.member("adjusts", to_string(*l.adjusts));
    if (!l.records.empty()) {
      j.key("records");
      j.begin_array();
      for (const auto& id : l.records) j.value(id);
      j.end_array();
    }
    j.end_object();
  }
  j.end_array();
  j.member("total", amount(b.total));
  j.key("events");
  j.begin_array();
  for (const bill_event& e : b.events) {
    j.begin_object();
    j.member("time", e.time);
    j.member("kind", to_string(e.what.kind));
    if (!e.what.product.empty()) j.member("product", e.what.product);
    if (!e.what.record.empty()) j.member("record", e.what.record);
    if (!e.what.threshold.empty()) j.member("threshold", e.what.threshold);
    if (!e.what.counter.empty()) j.member("counter", e.what.counter);
    if (e.what.limit_kbps) j.member("limit_kbps", *e.what.limit_kbps);
    if (!e.what.reason.empty()) j.member("reason", e.what.reason);
    // The file name only: the same log gives the same bill wherever it is stored.
    if (e.what.from.line != 0)
      j.member("source",
               fmt::format("{}:{}", std::filesystem::path(e.what.from.file).filename().string(),
                           e.what.from.line));
    j.end_object();
  }
  j.end_array();
  if (b.points) {
    const points_statement& p = *b.points;
    j.key("points");
    j.begin_object();
    j.member("earned", p.earned);
    j.member("credited", p.credited);
    j.member("redeemed", p.redeemed);
    j.member("expired", p.expired);
    j.member("forfeited", p.forfeited);
    j.member("balance", p.balance);
    j.key("cohorts");
    j.begin_array();
    for (const points_cohort& c : p.cohorts) {
      j.begin_object();
      j.member("credited", to_string(c.credited));
      j.member("points", c.points);
      j.member("remaining", c.remaining);
      j.member("expires",
               to_string(date::local_days(date::year_month_day(c.last_month / date::last))));
      j.end_object();
    }
    j.end_array();
    j.end_object();
  }
  j.end_object();
}

}  // namespace

std::string bill_to_json(const bill& b) {
  std::string out;
  write_bill_json(b, out, 0);
  out += '\n';
  return out;
}

std::string bill_to_json_element(const bill& b) {
  // Rendered alone, indented as an element of the array, so that no document of all the
  // bills is held in memory; the bytes are those of the whole array's.
  std::string out;
  out.reserve(1024);  // a bill of a few lines: no regrowing on the way
  append_bill_json_element(out, b);
  return out;
}

void append_bill_json_element(std::string& out, const bill& b) {
  out += "  ";
  write_bill_json(b, out, 2);
}

std::string bills_to_json(const std::vector<bill>& bills, unsigned threads) {
  if (bills.empty()) return "[]\n";
  // The bills can be rendered in parallel: each element lands at its index.
  std::vector<std::string> elements(bills.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < bills.size(); i = next++)
      elements[i] = bill_to_json_element(bills[i]);
  };
  {
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
    worker();
  }
  std::size_t size = 4;
  for (const std::string& e : elements) size += e.size() + 2;
  std::string out;
  out.reserve(size);
  out += "[\n";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) out += ",\n";
    out += elements[i];
  }
  out += "\n]\n";
  return out;
}

}  // namespace ratel
