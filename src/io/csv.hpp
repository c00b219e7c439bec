// io/csv.hpp (private): the CSV tokenizer shared by the usage and account-log readers.
//
// Concept: RFC 4180 CSV, read one physical line at a time, without allocating per field.
//  - Lines end in "\n" or "\r\n"; a last line without a newline is still a line; a UTF-8
//    byte order mark at the start of the text is skipped (spreadsheets write one).
//  - A line splits into fields at commas. A field that starts with '"' is quoted: it ends
//    at the next lone '"', may contain commas, and writes a '"' as '""'. Such a field is
//    returned still escaped, with `has_escaped_quote` set, so that the caller unescapes it
//    into storage it owns; every other field is a plain view into the line.
//  - Quoted fields may not span lines: the readers are line-oriented (a reject names one
//    line), so a quote left open at the end of a line makes the row malformed, as do text
//    after a closing quote (`"ab"c`) and a '"' inside an unquoted field (`ab"c`). The
//    last two are accepted by some tools, but they mean the producer's quoting is broken,
//    and guessing the value of a billing record is worse than rejecting it.
//  - Fields are not trimmed: " 12" is not "12". Header names are (see `header`).
//  - Columns are 1-based and count Unicode code points (UTF-8 lead bytes), not bytes,
//    so that an error's line:col is where an editor shows it. The BOM is not a column.
//
//   csv::line_reader lines(text);
//   std::vector<csv::field> fields;
//   while (auto l = lines.next()) {
//     if (csv::is_blank(l->text)) continue;
//     csv::split_result r = csv::split(l->text, fields);
//     ...
//   }
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ratel/error.hpp"

namespace ratel::detail::csv {

/// One physical line, without its terminator ("\n" or "\r\n").
struct line {
  std::string_view text;
  std::size_t number = 0;  ///< 1-based
};

/// Iterates the lines of a text. Views into the text, which must outlive the reader.
class line_reader {
 public:
  /// Skips a UTF-8 byte order mark at the start of `text`.
  explicit line_reader(std::string_view text) noexcept : rest_(text) {
    if (rest_.starts_with(byte_order_mark)) rest_.remove_prefix(byte_order_mark.size());
  }

  /// The next line, or nullopt at the end. "a\nb" and "a\nb\n" both have two lines;
  /// "a\n\n" has two, the second blank; "" has none.
  std::optional<line> next() noexcept {
    if (rest_.empty()) return std::nullopt;
    std::string_view text;
    const std::size_t newline = rest_.find('\n');
    if (newline == std::string_view::npos) {
      text = rest_;
      rest_ = {};
    } else {
      text = rest_.substr(0, newline);
      rest_.remove_prefix(newline + 1);
    }
    if (text.ends_with('\r')) text.remove_suffix(1);
    return line{text, ++number_};
  }

  static constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

 private:
  std::string_view rest_;
  std::size_t number_ = 0;
};

/// True for a line of nothing but spaces and tabs: the readers skip it and do not count
/// it as a row (an editor's trailing empty line is not a record).
constexpr bool is_blank(std::string_view text) noexcept {
  for (char c : text)
    if (c != ' ' && c != '\t') return false;
  return true;
}

/// True for the first byte of a UTF-8 sequence (and for ASCII): what a column counts.
constexpr bool starts_code_point(char c) noexcept {
  return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
}

/// The 1-based column of the byte at `offset` in `text` (code points before it, plus 1).
constexpr std::uint32_t column_at(std::string_view text, std::size_t offset) noexcept {
  std::uint32_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i)
    if (starts_code_point(text[i])) ++column;
  return column;
}

/// The length (1..4) of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF) starting at `text[i]`, or 0 if there is none.
constexpr std::size_t utf8_length_at(std::string_view text, std::size_t i) noexcept {
  auto byte = [&](std::size_t k) -> unsigned {
    return k < text.size() ? static_cast<unsigned char>(text[k]) : 0U;
  };
  auto continuation = [&](std::size_t k, unsigned low = 0x80U, unsigned high = 0xBFU) {
    return byte(k) >= low && byte(k) <= high;
  };
  const unsigned b = byte(i);
  if (b < 0x80U) return 1;
  if (b >= 0xC2U && b <= 0xDFU) return continuation(i + 1) ? 2 : 0;
  if (b >= 0xE0U && b <= 0xEFU) {
    const unsigned low = b == 0xE0U ? 0xA0U : 0x80U;   // E0 80..9F would be overlong
    const unsigned high = b == 0xEDU ? 0x9FU : 0xBFU;  // ED A0..BF would be a surrogate
    return continuation(i + 1, low, high) && continuation(i + 2) ? 3 : 0;
  }
  if (b >= 0xF0U && b <= 0xF4U) {
    const unsigned low = b == 0xF0U ? 0x90U : 0x80U;   // F0 80..8F would be overlong
    const unsigned high = b == 0xF4U ? 0x8FU : 0xBFU;  // F4 90.. would be above U+10FFFF
    return continuation(i + 1, low, high) && continuation(i + 2) && continuation(i + 3) ? 4 : 0;
  }
  return 0;
}

/// One field of a line.
struct field {
  /// Unquoted: the field as written. Quoted: what is between the quotes, with each '"'
  /// still written '""' when has_escaped_quote (then use `unescape`).
  std::string_view text;
  std::uint32_t column = 0;  ///< 1-based column of the field's first character (or its '"')
  bool quoted = false;
  bool has_escaped_quote = false;
};

/// Why a line is not a well-formed CSV row.
enum class row_problem : std::uint8_t {
  none,
  unterminated_quote,       ///< a quoted field has no closing quote on its line
  text_after_quote,         ///< `"ab"c`: neither ',' nor the end of the line after a quote
  quote_in_unquoted_field,  ///< `ab"c`: a '"' inside a field that did not start with one
  invalid_utf8,             ///< bytes that are not UTF-8 (the files are UTF-8, DESIGN 4)
};

/// The result of `split`.
struct split_result {
  row_problem problem = row_problem::none;
  std::uint32_t column = 0;  ///< 1-based column of the offending character; 0 when none
  explicit operator bool() const noexcept { return problem == row_problem::none; }
};

/// Appends the fields of a plain row to `out` as their ends (the commas, then the row's
/// end) are found: each field is the text since the last end, at the column of its byte
/// offset plus one.
class plain_fields {
 public:
  plain_fields(std::string_view text, std::vector<field>& out) noexcept : text_(text), out_(out) {}
  void end_at(std::size_t end) {
    field f;
    f.text = text_.substr(start_, end - start_);
    f.column = static_cast<std::uint32_t>(start_ + 1);
    out_.push_back(f);
    start_ = end + 1;
  }

 private:
  std::string_view text_;
  std::vector<field>& out_;
  std::size_t start_ = 0;
};

/// `split_plain_ascii` with the C library: a `memchr` for a quote, one per field.
inline bool split_plain_ascii_by_memchr(std::string_view text, std::vector<field>& out) {
  const std::size_t n = text.size();
  if (n > 0 && std::memchr(text.data(), '"', n) != nullptr) return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80U) return false;
  plain_fields fields(text, out);
  for (std::size_t from = 0; from < n;) {
    const void* comma = std::memchr(text.data() + from, ',', n - from);
    if (comma == nullptr) break;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(comma) - text.data());
    fields.end_at(at);
    from = at + 1;
  }
  fields.end_at(n);
  return true;
}

#if defined(__SSE2__)
/// `split_plain_ascii` sixteen bytes at a time (SSE2, which every x86-64 has): one compare
/// finds a chunk's commas and one its quotes, where a `memchr` per field cost a call each
/// (bench/README.md, issue 19).
inline bool split_plain_ascii_by_sse2(std::string_view text, std::vector<field>& out) {
  const std::size_t n = text.size();
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i quote = _mm_set1_epi8('"');
  plain_fields fields(text, out);
  // The bytes of `chunk` from its `skip`th on, which start at the row's byte `at`: false if
  // one is a quote or >= 0x80 (movemask takes each byte's top bit: set for a byte >= 0x80,
  // or where a compare matched), else the fields ended by its commas.
  const auto look = [&](__m128i chunk, std::size_t at, unsigned skip) {
    const auto mask = [&](__m128i bytes) {
      return static_cast<unsigned>(_mm_movemask_epi8(bytes)) >> skip;
    };
    if ((mask(_mm_cmpeq_epi8(chunk, quote)) | mask(chunk)) != 0) return false;
    for (unsigned commas = mask(_mm_cmpeq_epi8(chunk, comma)); commas != 0; commas &= commas - 1)
      fields.end_at(at + static_cast<std::size_t>(__builtin_ctz(commas)));
    return true;
  };
  std::size_t at = 0;
  for (; n - at >= 16; at += 16)
    if (!look(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at)), at, 0))
      return false;
  if (at < n) {
    if (n >= 16) {  // the row's last sixteen bytes, those before `at` looked at already
      const auto skip = static_cast<unsigned>(16 - (n - at));
      if (!look(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + n - 16)), at, skip))
        return false;
    } else {  // a row shorter than a chunk, padded with zeros (no comma, quote or high byte)
      alignas(16) char row[16] = {};
      std::memcpy(row, text.data(), n);
      if (!look(_mm_load_si128(reinterpret_cast<const __m128i*>(row)), 0, 0)) return false;
    }
  }
  fields.end_at(n);
  return true;
}
#endif

/// The fields of a row that is plain ASCII without a quote (nearly every row): the text
/// between commas, each at the column of its byte offset plus one. Returns false, leaving
/// `out` partly filled, when the row holds a '"' or a byte >= 0x80: `split` then reads it
/// byte by byte.
inline bool split_plain_ascii(std::string_view text, std::vector<field>& out) {
#if defined(__SSE2__)
  return split_plain_ascii_by_sse2(text, out);
#else
  return split_plain_ascii_by_memchr(text, out);
#endif
}

/// Splits `text` (one line, without its terminator) into `out`, which is cleared first;
/// reusing one vector across lines makes splitting allocation-free once it has grown.
/// On a problem, `out` holds the fields that ended before it (still usable: a reject can
/// name the subscriber when it comes before the damage). An empty line is one empty field.
inline split_result split(std::string_view text, std::vector<field>& out) {
  out.clear();
  if (split_plain_ascii(text, out)) return {};
  out.clear();
  const std::size_t n = text.size();
  std::size_t i = 0;
  std::uint32_t column = 1;
  for (;;) {
    field f;
    f.column = column;
    if (i < n && text[i] == '"') {
      const std::uint32_t open_column = column;
      ++i;
      ++column;
      const std::size_t start = i;
      for (;;) {
        if (i >= n) return {row_problem::unterminated_quote, open_column};
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            f.has_escaped_quote = true;
            i += 2;
            column += 2;
            continue;
          }
          break;
        }
        // Checked here so that every value read from a CSV file is valid UTF-8, as the
        // JSON writers (bills, dispute reports) require of every string they write.
        const std::size_t length = utf8_length_at(text, i);
        if (length == 0) return {row_problem::invalid_utf8, column};
        i += length;
        ++column;
      }
      f.text = text.substr(start, i - start);
      f.quoted = true;
      ++i;  // the closing quote
      ++column;
      if (i < n && text[i] != ',') return {row_problem::text_after_quote, column};
    } else {
      const std::size_t start = i;
      while (i < n && text[i] != ',') {
        if (text[i] == '"') return {row_problem::quote_in_unquoted_field, column};
        const std::size_t length = utf8_length_at(text, i);
        if (length == 0) return {row_problem::invalid_utf8, column};
        i += length;
        ++column;
      }
      f.text = text.substr(start, i - start);
    }
    out.push_back(f);
    if (i >= n) return {};
    ++i;  // the comma
    ++column;
  }
}

/// Appends the value of a quoted field's text to `out`, turning each '""' into '"'.
inline void append_unescaped(std::string_view escaped, std::string& out) {
  out.reserve(out.size() + escaped.size());
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    out.push_back(escaped[i]);
    if (escaped[i] == '"' && i + 1 < escaped.size() && escaped[i + 1] == '"') ++i;
  }
}

/// The value of a field as an owned string (unescaped if needed).
inline std::string to_owned(const field& f) {
  if (!f.has_escaped_quote) return std::string(f.text);
  std::string value;
  append_unescaped(f.text, value);
  return value;
}

/// The value of field `column` of a raw row (unescaped; may view into `row` or `scratch`),
/// for routing a row by one field without validating it: empty when the row cannot be
/// split as far as that field (the row is reported when it is parsed).
inline std::string_view field_at(std::string_view row, std::size_t column, std::string& scratch) {
  // The common row has no quote before the end of the field: skip commas. Any
  // '"' there (a quoted field) takes the full tokenizer, which knows commas inside quotes.
  const char* const begin = row.data();
  const char* const end = begin + row.size();
  const char* p = begin;
  for (std::size_t k = 0; k < column; ++k) {
    const void* comma = std::memchr(p, ',', static_cast<std::size_t>(end - p));
    if (comma == nullptr) {
      p = nullptr;
      break;
    }
    p = static_cast<const char*>(comma) + 1;
  }
  if (p != nullptr) {
    const void* comma = std::memchr(p, ',', static_cast<std::size_t>(end - p));
    const char* field_end = comma ? static_cast<const char*>(comma) : end;
    if (std::memchr(begin, '"', static_cast<std::size_t>(field_end - begin)) == nullptr)
      return {p, static_cast<std::size_t>(field_end - p)};
  }
  std::vector<field> fields;
  (void)split(row, fields);  // on a problem, the fields before it are still whole
  if (fields.size() <= column) return {};
  const field& f = fields[column];
  if (!f.has_escaped_quote) return f.text;
  scratch.clear();
  append_unescaped(f.text, scratch);
  return scratch;
}

/// For messages: "an unterminated quote at column 17 (quoted fields cannot span lines)".
inline std::string describe(const split_result& r) {
  switch (r.problem) {
    case row_problem::none:
      return "well-formed";
    case row_problem::unterminated_quote:
      return fmt::format(
          "the quote at column {} is not closed on this line (quoted fields cannot span lines)",
          r.column);
    case row_problem::text_after_quote:
      return fmt::format(
          "text after a closing quote at column {} (a quoted field must be "
          "followed by ',' or the end of the line)",
          r.column);
    case row_problem::quote_in_unquoted_field:
      return fmt::format(
          "a '\"' at column {} inside an unquoted field (quote the whole field "
          "and write the '\"' as '\"\"')",
          r.column);
    case row_problem::invalid_utf8:
      return fmt::format("the byte at column {} is not UTF-8 (the file must be UTF-8 text)",
                         r.column);
  }
  return "malformed";
}

/// The column names of a header line, mapped to field indices.
class header {
 public:
  /// Reads the header line `text` (line `line_number` of `file`). Names are unescaped and
  /// trimmed of spaces and tabs, so "id, subscriber" names "subscriber". Throws
  /// input_error for a malformed line or a name that appears twice (which column would
  /// the reader take?). Empty names are allowed, and never match a column.
  static header parse(std::string_view text, const std::string& file, std::uint32_t line_number) {
    std::vector<field> fields;
    const split_result r = split(text, fields);
    if (!r) throw input_error({file, line_number, r.column}, "header", describe(r));
    header h;
    h.names_.reserve(fields.size());
    for (const field& f : fields) {
      std::string name = to_owned(f);
      const std::size_t first = name.find_first_not_of(" \t");
      if (first == std::string::npos) {
        name.clear();
      } else {
        name.erase(name.find_last_not_of(" \t") + 1);
        name.erase(0, first);
      }
      if (!name.empty()) {
        if (auto earlier = h.find(name))
          throw input_error(
              {file, line_number, f.column}, name,
              fmt::format("appears twice in the header (first as field {})", *earlier + 1));
      }
      h.names_.push_back(std::move(name));
    }
    return h;
  }

  /// Index of the column called `name`, if the header has it.
  std::optional<std::size_t> find(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (!names_[i].empty() && names_[i] == name) return i;
    return std::nullopt;
  }
  /// Number of fields in the header: every row must have exactly this many.
  std::size_t size() const noexcept { return names_.size(); }
  /// The name of column `index` (0-based), trimmed.
  const std::string& name(std::size_t index) const noexcept { return names_[index]; }
  /// "id,subscriber,time" for messages that show what the header held.
  std::string joined() const { return fmt::format("{}", fmt::join(names_, ",")); }

 private:
  std::vector<std::string> names_;
};

/// Checks that a line number fits the 32-bit line fields of records and positions.
inline std::uint32_t checked_line_number(std::size_t number, const std::string& file) {
  if (number > std::numeric_limits<std::uint32_t>::max())
    throw input_error({file, 0, 0}, "",
                      fmt::format("more than {} lines; split the file",
                                  std::numeric_limits<std::uint32_t>::max()));
  return static_cast<std::uint32_t>(number);
}

/// A field as RFC 4180 writes it: quoted (with quotes doubled) only when it holds a comma,
/// a quote or a line break. Used by every CSV writer (bills, rejects).
/// The field appended to `out` as quote() writes it, without a string of its own. One pass
/// over the bytes (find_first_of with a set tests each byte against the set by a call).
inline void append_quoted(std::string& out, std::string_view field) {
  bool plain = true;
  for (char c : field)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      plain = false;
      break;
    }
  if (plain) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

inline std::string quote(std::string_view field) {
  std::string out;
  append_quoted(out, field);
  return out;
}

}  // namespace ratel::detail::csv
