// tests/fuzz/fuzz_rfc3339.cpp: libFuzzer target for parse_rfc3339 (time.hpp).
//
// Every usage record and account line goes through this parser. It never throws; beyond
// "no crash" this checks:
//  - a failure names a column inside the text (1 .. size + 1) and has a message;
//  - a success round-trips: format_rfc3339 of the instant, in UTC with 'Z' and at the
//    offset the text was written with, parses back to the same instant (the contract of
//    format_rfc3339: "the text always parses back to exactly t");
//  - parsing is a pure function: the same text with and without an error sink agrees.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ratel/time.hpp"

namespace {

/// The offset a successfully parsed text ends with: "Z" or "+HH:MM" / "-HH:MM".
std::chrono::seconds written_offset(std::string_view text) {
  const char last = text.back();
  if (last == 'Z' || last == 'z') return std::chrono::seconds{0};
  const std::string_view o = text.substr(text.size() - 6);  // +HH:MM
  const int hh = (o[1] - '0') * 10 + (o[2] - '0');
  const int mm = (o[4] - '0') * 10 + (o[5] - '0');
  const std::chrono::seconds magnitude = std::chrono::hours{hh} + std::chrono::minutes{mm};
  return o[0] == '-' ? -magnitude : magnitude;
}

void check_round_trip(ratel::instant t, std::chrono::seconds offset, bool utc_as_z) {
  const std::string text = ratel::format_rfc3339(t, offset, utc_as_z);
  ratel::time_parse_error error;
  const std::optional<ratel::instant> back = ratel::parse_rfc3339(text, &error);
  RATEL_FUZZ_CHECK(back.has_value(),
                   "format_rfc3339 wrote \"" + text + "\", which does not parse: " + error.message);
  RATEL_FUZZ_CHECK(*back == t, "\"" + text + "\" parses to another instant");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ratel::time_parse_error error;
  const std::optional<ratel::instant> t = ratel::parse_rfc3339(text, &error);
  RATEL_FUZZ_CHECK(ratel::parse_rfc3339(text) == t, "the result depends on the error sink");
  if (!t) {
    RATEL_FUZZ_CHECK(error.column >= 1 && error.column <= size + 1,
                     "error column outside the text");
    RATEL_FUZZ_CHECK(!error.message.empty(), "a failure without a message");
    return 0;
  }
  std::chrono::seconds reported{0};
  RATEL_FUZZ_CHECK(
      ratel::parse_rfc3339(text, nullptr, &reported) == t && reported == written_offset(text),
      "the offset reported is not the one written");
  check_round_trip(*t, std::chrono::seconds{0}, true);
  check_round_trip(*t, std::chrono::seconds{0}, false);
  check_round_trip(*t, written_offset(text), false);
  return 0;
}
