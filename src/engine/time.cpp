// ratel/time.cpp: RFC 3339 parsing, cached IANA zone tables, billing cycles.
//
// The zone table is the reason this file exists: rating a record needs the local day and
// hour of its start, and asking a tz library per record means a search of the zone's
// transitions (and, with date/tz, building a sys_info with its abbreviation string). A
// zone's offset changes at most a few hundred times in three centuries, so we list the
// periods once and binary-search them (measured: ~12 ns per offset_at against ~35 ns per
// date/tz get_info, -O2, Europe/London).
//
// The offsets come from Google's cctz, not from date/tz (issue 14 item 13). The system's
// zone files (TZif v2+) list transitions only up to 2037; after that the rule is the
// POSIX TZ string in the file's footer (Europe/London: GMT0BST,M3.5.0/1,M10.5.0). date
// 3.0.1 built with USE_OS_TZDB ignores the footer and answers GMT for every summer from
// 2038 on; cctz applies it (tests/unit/time_test.cpp checks every zone of the system
// tzdata against glibc's localtime_r, which reads the footers too). date stays the
// authority for zone names and for all the calendar types.
//
// Cost: cctz reads a zone file whole and extends it by 400 years of the footer's
// transitions, so the first locate of a zone with summer time takes ~0.5 ms instead of
// ~0.1 ms (bench/README.md); once per zone per process.
#include "ratel/time.hpp"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <map>
#include <mutex>
#include <stdexcept>

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>
#include <fmt/format.h>

namespace ratel {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// ---------------------------------------------------------------------------------------
// RFC 3339
// ---------------------------------------------------------------------------------------

namespace {

/// What a parser found at a column, for an error message ("'x'", "a space", ...).
std::string describe_found(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "the end of the text";
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c == ' ') return "a space";
  if (c > 0x20 && c < 0x7f) return fmt::format("'{}'", static_cast<char>(c));
  return fmt::format("byte 0x{:02X}", static_cast<unsigned>(c));
}

/// A hand-written cursor over the text. It never allocates on the success path: an
/// error message is built only when a parse fails and the caller asked for it.
class rfc3339_reader {
 public:
  rfc3339_reader(std::string_view text, time_parse_error* error) : text_(text), error_(error) {}

  std::size_t pos() const noexcept { return pos_; }
  bool at_end() const noexcept { return pos_ >= text_.size(); }
  char peek() const noexcept { return at_end() ? '\0' : text_[pos_]; }
  void advance() noexcept { ++pos_; }

  /// Reads exactly `count` ASCII digits (at most 4) into `out`; `what` names the field
  /// for the error message, e.g. "the month (MM)".
  bool digits(int count, int& out, std::string_view what) {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') {
        // Point at the offending character, not at the start of the field: that is the
        // one the user has to fix.
        return fail(pos_, [&] {
          return fmt::format("expected {} as {} digits, found {}", what, count,
                             describe_found(text_, pos_));
        });
      }
      value = value * 10 + (c - '0');
      advance();
    }
    out = value;
    return true;
  }

  bool literal(char expected, std::string_view between) {
    if (peek() != expected || at_end()) {
      return fail(pos_, [&] {
        return fmt::format("expected '{}' {}, found {}", expected, between,
                           describe_found(text_, pos_));
      });
    }
    advance();
    return true;
  }

  /// Records an error at the 0-based position `at` (reported 1-based). `make_message` is
  /// only called when the caller wants the message, so a failing parse in a hot loop
  /// that ignores the reason does not allocate either.
  template <typename MakeMessage>
  bool fail(std::size_t at, MakeMessage&& make_message) {
    if (error_ != nullptr) {
      error_->column = static_cast<std::uint32_t>(at + 1);
      error_->message = make_message();
    }
    return false;
  }

  std::string_view text() const noexcept { return text_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  time_parse_error* error_;
};

}  // namespace

namespace {

// The layout nearly every record has, "YYYY-MM-DDTHH:MM:SS+HH:MM" (or "...Z"), read with
// fixed offsets and no error bookkeeping. nullopt means "not this layout, or not valid":
// the general reader below then decides, and says why.
std::optional<instant> parse_rfc3339_canonical(std::string_view t, seconds& offset) noexcept {
  if (t.size() != 25 && t.size() != 20) return std::nullopt;
  auto digit = [&](std::size_t i) { return static_cast<unsigned>(t[i]) - '0'; };
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (digit(i) > 9) return std::nullopt;
  if (t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':')
    return std::nullopt;
  const int year = static_cast<int>(digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3));
  const unsigned month = digit(5) * 10 + digit(6), day = digit(8) * 10 + digit(9);
  const unsigned hour = digit(11) * 10 + digit(12), minute = digit(14) * 10 + digit(15);
  const unsigned second = digit(17) * 10 + digit(18);
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{month}, date::day{day}};
  if (!ymd.ok()) return std::nullopt;
  offset = seconds{0};
  if (t.size() == 20) {
    if (t[19] != 'Z') return std::nullopt;
  } else {
    if ((t[19] != '+' && t[19] != '-') || t[22] != ':') return std::nullopt;
    for (std::size_t i : {20, 21, 23, 24})
      if (digit(i) > 9) return std::nullopt;
    const unsigned offset_hour = digit(20) * 10 + digit(21),
                   offset_minute = digit(23) * 10 + digit(24);
    if (offset_hour > 23 || offset_minute > 59) return std::nullopt;
    offset = hours{offset_hour} + minutes{offset_minute};
    if (t[19] == '-') offset = -offset;
  }
  return instant{date::sys_days{ymd}} + hours{hour} + minutes{minute} + seconds{second} - offset;
}

// Every time read is printed again in UTC (rejects, events, traces), and that text must
// parse back: "0000-01-01T00:00:00+01:00" is in year -1 in UTC and "9999-12-31T23:30:00-01:00"
// in year 10000, which YYYY cannot write. Both readers refuse such times.
bool in_printable_years(instant t) noexcept {
  constexpr instant earliest{date::sys_days{date::year{0} / 1 / 1}};
  constexpr instant latest{date::sys_days{date::year{9999} / 12 / 31} + hours{23} + minutes{59} +
                           seconds{59}};
  return t >= earliest && t <= latest;
}

}  // namespace

std::optional<instant> parse_rfc3339(std::string_view text, time_parse_error* error,
                                     seconds* written_offset) {
  seconds offset{0};
  // The fast path decides only what it accepts; anything else, the general reader explains.
  if (std::optional<instant> t = parse_rfc3339_canonical(text, offset);
      t && in_printable_years(*t)) {
    if (written_offset != nullptr) *written_offset = offset;
    return t;
  }
  rfc3339_reader in(text, error);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;

  // Date: YYYY-MM-DD. Field columns are fixed, which the error positions rely on.
  if (!in.digits(4, year, "the year (YYYY)")) return std::nullopt;
  // "10000-01-01": say what is wrong (the year), not only which character surprised us.
  if (in.peek() >= '0' && in.peek() <= '9') {
    in.fail(in.pos(), [] {
      return std::string("the year has more than four digits (RFC 3339 years are 0000 to 9999)");
    });
    return std::nullopt;
  }
  if (!in.literal('-', "between year and month")) return std::nullopt;
  const std::size_t month_pos = in.pos();
  if (!in.digits(2, month, "the month (MM)")) return std::nullopt;
  if (month < 1 || month > 12) {
    in.fail(month_pos, [&] { return fmt::format("month {:02} is not 01..12", month); });
    return std::nullopt;
  }
  if (!in.literal('-', "between month and day")) return std::nullopt;
  const std::size_t day_pos = in.pos();
  if (!in.digits(2, day, "the day (DD)")) return std::nullopt;
  if (day < 1 || day > 31) {
    in.fail(day_pos, [&] { return fmt::format("day {:02} is not 01..31", day); });
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    in.fail(day_pos, [&] {
      return fmt::format("{:04}-{:02}-{:02} is not a calendar date", year, month, day);
    });
    return std::nullopt;
  }

  // Separator: RFC 3339 section 5.6 allows 't' and, by its NOTE, a space.
  {
    const char c = in.peek();
    if (in.at_end() || (c != 'T' && c != 't' && c != ' ')) {
      in.fail(in.pos(), [&] {
        return fmt::format("expected 'T' between date and time, found {}",
                           describe_found(in.text(), in.pos()));
      });
      return std::nullopt;
    }
    in.advance();
  }

  // Time: HH:MM:SS.
  const std::size_t hour_pos = in.pos();
  if (!in.digits(2, hour, "the hour (HH)")) return std::nullopt;
  if (hour > 23) {
    in.fail(hour_pos, [&] { return fmt::format("hour {:02} is not 00..23", hour); });
    return std::nullopt;
  }
  if (!in.literal(':', "between hour and minute")) return std::nullopt;
  const std::size_t minute_pos = in.pos();
  if (!in.digits(2, minute, "the minute (MM)")) return std::nullopt;
  if (minute > 59) {
    in.fail(minute_pos, [&] { return fmt::format("minute {:02} is not 00..59", minute); });
    return std::nullopt;
  }
  if (!in.literal(':', "between minute and second")) return std::nullopt;
  const std::size_t second_pos = in.pos();
  if (!in.digits(2, second, "the second (SS)")) return std::nullopt;
  if (second > 60) {
    in.fail(second_pos, [&] {
      return fmt::format("second {:02} is not 00..60 (60 only for a leap second)", second);
    });
    return std::nullopt;
  }
  // D27: a leap second (RFC 3339 allows :60) is read as second 59 of the same minute:
  // UTC time as the system clock keeps it has no 61st second, and the record then stays in
  // the minute, the day and the cycle the network wrote.
  if (second == 60) second = 59;

  // Fraction: any number of digits, ignored. Truncation toward the earlier second is
  // exactly "drop the digits" because the fraction is always non-negative.
  if (in.peek() == '.' && !in.at_end()) {
    in.advance();
    const std::size_t first_digit = in.pos();
    while (!in.at_end() && in.peek() >= '0' && in.peek() <= '9') in.advance();
    if (in.pos() == first_digit) {
      in.fail(first_digit, [&] {
        return fmt::format("expected digits after '.', found {}",
                           describe_found(in.text(), first_digit));
      });
      return std::nullopt;
    }
  }

  // Offset: Z | +HH:MM | -HH:MM. Mandatory: a local time without an offset is ambiguous
  // and the engine never guesses a zone for an input record.
  offset = seconds{0};
  const std::size_t offset_pos = in.pos();
  if (in.at_end()) {
    in.fail(offset_pos, [] { return std::string("missing UTC offset (add Z or +08:00)"); });
    return std::nullopt;
  }
  const char sign = in.peek();
  if (sign == 'Z' || sign == 'z') {
    in.advance();
  } else if (sign == '+' || sign == '-') {
    in.advance();
    int offset_hour = 0, offset_minute = 0;
    const std::size_t offset_hour_pos = in.pos();
    if (!in.digits(2, offset_hour, "the offset hour (HH)")) return std::nullopt;
    if (offset_hour > 23) {
      in.fail(offset_hour_pos,
              [&] { return fmt::format("offset hour {:02} is not 00..23", offset_hour); });
      return std::nullopt;
    }
    if (!in.literal(':', "between offset hour and minute")) return std::nullopt;
    const std::size_t offset_minute_pos = in.pos();
    if (!in.digits(2, offset_minute, "the offset minute (MM)")) return std::nullopt;
    if (offset_minute > 59) {
      in.fail(offset_minute_pos,
              [&] { return fmt::format("offset minute {:02} is not 00..59", offset_minute); });
      return std::nullopt;
    }
    offset = hours{offset_hour} + minutes{offset_minute};
    if (sign == '-') offset = -offset;
  } else {
    in.fail(offset_pos, [&] {
      return fmt::format("expected a UTC offset (Z, +HH:MM or -HH:MM), found {}",
                         describe_found(in.text(), offset_pos));
    });
    return std::nullopt;
  }

  if (!in.at_end()) {
    in.fail(in.pos(), [&] {
      return fmt::format("unexpected {} after the UTC offset", describe_found(in.text(), in.pos()));
    });
    return std::nullopt;
  }

  // local = utc + offset, so utc = local - offset.
  const instant t =
      instant{date::sys_days{ymd}} + hours{hour} + minutes{minute} + seconds{second} - offset;
  if (!in_printable_years(t)) {  // refused at the year
    in.fail(0, [] { return std::string("the time in UTC is outside the years 0000..9999"); });
    return std::nullopt;
  }
  if (written_offset != nullptr) *written_offset = offset;
  return t;
}

std::string format_rfc3339(instant t, seconds utc_offset, bool utc_as_z) {
  std::string text;
  append_rfc3339(text, t, utc_offset, utc_as_z);
  return text;
}

void append_rfc3339(std::string& out, instant t, seconds utc_offset, bool utc_as_z) {
  // RFC 3339 offsets have no seconds field; historic LMT offsets do (Shanghai was
  // +08:05:43). Truncate the offset to whole minutes toward zero and print the local time
  // for that offset, so the text still denotes exactly the instant t.
  const seconds printed_offset = std::chrono::duration_cast<minutes>(utc_offset);
  const date::local_seconds local{(t + printed_offset).time_since_epoch()};
  const date::local_days day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> clock{local - day};

  // The common case (years 0000..9999, offsets under 100 hours) written digit by digit:
  // the same text as the fmt calls below, without parsing a format string per event.
  const int year = static_cast<int>(ymd.year());
  const auto offset_minutes = std::chrono::duration_cast<minutes>(printed_offset).count();
  const auto offset_magnitude = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  if (year >= 0 && year <= 9999 && offset_magnitude / 60 < 100) {
    char buf[25];
    auto put2 = [](char* p, unsigned v) {
      p[0] = static_cast<char>('0' + v / 10);
      p[1] = static_cast<char>('0' + v % 10);
    };
    put2(buf, static_cast<unsigned>(year / 100));
    put2(buf + 2, static_cast<unsigned>(year % 100));
    buf[4] = '-';
    put2(buf + 5, static_cast<unsigned>(ymd.month()));
    buf[7] = '-';
    put2(buf + 8, static_cast<unsigned>(ymd.day()));
    buf[10] = 'T';
    put2(buf + 11, static_cast<unsigned>(clock.hours().count()));
    buf[13] = ':';
    put2(buf + 14, static_cast<unsigned>(clock.minutes().count()));
    buf[16] = ':';
    put2(buf + 17, static_cast<unsigned>(clock.seconds().count()));
    if (utc_as_z && printed_offset == seconds{0}) {
      buf[19] = 'Z';
      out.append(buf, 20);
      return;
    }
    buf[19] = offset_minutes < 0 ? '-' : '+';
    put2(buf + 20, static_cast<unsigned>(offset_magnitude / 60));
    buf[22] = ':';
    put2(buf + 23, static_cast<unsigned>(offset_magnitude % 60));
    out.append(buf, 25);
    return;
  }

  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                 static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                 static_cast<unsigned>(ymd.day()), clock.hours().count(), clock.minutes().count(),
                 clock.seconds().count());
  if (utc_as_z && printed_offset == seconds{0}) {
    out += 'Z';
    return;
  }
  const auto total_minutes = std::chrono::duration_cast<minutes>(printed_offset).count();
  const auto magnitude = total_minutes < 0 ? -total_minutes : total_minutes;
  fmt::format_to(std::back_inserter(out), "{}{:02}:{:02}", total_minutes < 0 ? '-' : '+',
                 magnitude / 60, magnitude % 60);
}

// ---------------------------------------------------------------------------------------
// zone
// ---------------------------------------------------------------------------------------

/// The precomputed offset periods of one IANA zone. Immutable once built, shared by every
/// `zone` of that name, so it is safe to read from any number of threads.
struct zone::table {
  /// One stretch of time with a constant UTC offset: [begin, next period's begin).
  struct period {
    instant begin;
    seconds offset;
  };

  std::string name;
  /// The zone's rules: its file's transitions, then its footer's rule.
  cctz::time_zone rules;
  /// Sorted by begin, adjacent periods have different offsets (a transition that changes
  /// only the abbreviation or the dst flag is merged away because only the offset matters
  /// here). Never empty.
  std::vector<period> periods;
  /// End of the last period; [periods.front().begin, covered_end) is answered from the
  /// table, anything outside from `rules` directly.
  instant covered_end;

  /// Offsets in tzdata stay well inside +-26 h (the extremes are around +-15:57 LMT), so
  /// a local time can only be produced by periods within this distance of it.
  static constexpr seconds max_offset = hours{26};

  /// Index of the period containing t; requires t inside the covered span.
  std::size_t index_of(instant t) const noexcept {
    const auto next = std::upper_bound(periods.begin(), periods.end(), t,
                                       [](instant x, const period& p) { return x < p.begin; });
    assert(next != periods.begin());
    return static_cast<std::size_t>(next - periods.begin()) - 1;
  }
  instant end_of(std::size_t i) const noexcept {
    return i + 1 < periods.size() ? periods[i + 1].begin : covered_end;
  }
  bool covers(instant t) const noexcept { return periods.front().begin <= t && t < covered_end; }
};

namespace {

// The span to list: the table covers exactly [table_from, table_until). 1900 is before
// standard time in most zones that matter to an operator; 2200 is far past any cycle we
// will rate. Outside it the answers come from cctz directly, with the same rules.
constexpr instant table_from{date::sys_days{date::year{1900} / 1 / 1}};
constexpr instant table_until{date::sys_days{date::year{2200} / 1 / 1}};

// Where date/tz (USE_OS_TZDB, Linux) lists the zone names from. cctz is given the file of
// that directory by its full path, so the names and the data come from the same files
// whatever TZDIR says (cctz honours TZDIR, date 3.0.1 does not).
constexpr std::string_view zoneinfo_dir = "/usr/share/zoneinfo";

// cctz and date both count whole seconds of system_clock since 1970-01-01T00:00:00Z; the
// casts are exact and keep the code right where the two reps differ.
cctz::time_point<cctz::seconds> to_cctz(instant t) {
  return std::chrono::time_point_cast<cctz::seconds>(t);
}
instant from_cctz(cctz::time_point<cctz::seconds> t) {
  return std::chrono::time_point_cast<seconds>(t);
}

/// The offset in force at t, from the zone's rules without the table.
seconds rules_offset_at(const cctz::time_zone& rules, instant t) {
  return seconds{rules.lookup(to_cctz(t)).offset};
}

/// The instant of a local time from the zone's rules without the table, resolved as
/// date::choose resolves it (zone::to_instant's contract): a time in a gap maps to the
/// transition, the end of the gap, for both choices; a time in an overlap to its earlier
/// (pre-transition offset) or later (post-transition offset) occurrence.
instant rules_to_instant(const cctz::time_zone& rules, date::local_seconds local,
                         date::choose choice) {
  const date::local_days day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<seconds> clock{local - day};
  const cctz::civil_second civil(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                 static_cast<unsigned>(ymd.day()), clock.hours().count(),
                                 clock.minutes().count(), clock.seconds().count());
  const cctz::time_zone::civil_lookup found = rules.lookup(civil);
  switch (found.kind) {
    case cctz::time_zone::civil_lookup::UNIQUE:
      return from_cctz(found.pre);
    case cctz::time_zone::civil_lookup::SKIPPED:
      return from_cctz(found.trans);
    case cctz::time_zone::civil_lookup::REPEATED:
      return from_cctz(choice == date::choose::earliest ? found.pre : found.post);
  }
  assert(false && "cctz returned a civil_lookup kind it does not document");
  return from_cctz(found.pre);
}

}  // namespace

// The registry lives inside zone::locate because only members may name the private
// zone::table, and locate is the only way to obtain a zone.
zone zone::locate(std::string_view name) {
  // Process-wide registry: one table per zone name for the life of the process. Tables
  // are never evicted, so a name() string_view stays valid as long as any zone exists
  // (indeed forever). Building happens under the mutex too, so threads racing on a
  // new name get one table; once published a table is immutable and read without locks.
  static std::mutex registry_mutex;
  static std::map<std::string, std::shared_ptr<const table>, std::less<>> registry;

  const std::lock_guard<std::mutex> lock(registry_mutex);
  if (const auto found = registry.find(name); found != registry.end()) return zone(found->second);

  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(name);
  } catch (const std::exception& e) {
    throw time_error(
        fmt::format("unknown time zone '{}' (not in the system tzdata: {})", name, e.what()));
  }

  // Key by date's own name too, in case it differs from the spelling asked for, so two
  // spellings of one date::time_zone share one table.
  if (const auto found = registry.find(tz->name()); found != registry.end()) {
    registry.emplace(std::string(name), found->second);
    return zone(found->second);
  }

  // Only a name date lists reaches cctz: cctz 2.3 would open any path given as a name.
  const std::string file = fmt::format("{}/{}", zoneinfo_dir, tz->name());
  cctz::time_zone rules;
  if (!cctz::load_time_zone(file, &rules)) {
    throw time_error(
        fmt::format("time zone '{}' is in the system tzdata, but cctz cannot read {}", name, file));
  }

  auto built = std::make_shared<table>();
  built->name = tz->name();
  built->rules = rules;
  // The file's transitions and, after its last one (2037 in the zones zic writes "fat"),
  // the footer rule's, as cctz generates them.
  built->periods.push_back({table_from, rules_offset_at(rules, table_from)});
  cctz::time_zone::civil_transition change;
  for (instant after = table_from; rules.next_transition(to_cctz(after), &change);) {
    // cctz's own idiom for the instant of a transition: the civil time just after it.
    const instant at = from_cctz(rules.lookup(change.to).trans);
    if (at >= table_until) break;
    if (at <= after) {
      // A walk that does not advance would leave the table short while claiming to cover
      // its span: refuse the zone rather than answer from a table with a hole.
      throw time_error(fmt::format("time zone '{}': cctz gives the transition after {} at {}", name,
                                   format_rfc3339(after, seconds{0}, true),
                                   format_rfc3339(at, seconds{0}, true)));
    }
    const seconds offset = rules_offset_at(rules, at);
    if (offset != built->periods.back().offset) built->periods.push_back({at, offset});
    after = at;
  }
  built->covered_end = table_until;

  std::shared_ptr<const table> shared = std::move(built);
  registry.emplace(shared->name, shared);
  if (shared->name != name) registry.emplace(std::string(name), shared);
  return zone(std::move(shared));
}

std::string_view zone::name() const noexcept {
  return table_->name;
}

seconds zone::offset_at(instant t) const {
  const table& tb = *table_;
  if (!tb.covers(t)) return rules_offset_at(tb.rules, t);
  return tb.periods[tb.index_of(t)].offset;
}

zone::offset_span zone::offset_span_at(instant t) const {
  const table& tb = *table_;
  // Outside the table the rules answer for the one instant asked.
  if (!tb.covers(t)) return {t, t + seconds{1}, rules_offset_at(tb.rules, t)};
  const std::size_t i = tb.index_of(t);
  return {tb.periods[i].begin, tb.end_of(i), tb.periods[i].offset};
}

instant zone::to_instant(date::local_seconds local, date::choose choice) const {
  const table& tb = *table_;
  // The local time read as if it were UTC; the real instant is this minus the offset.
  const instant as_utc{local.time_since_epoch()};

  if (as_utc < tb.periods.front().begin + table::max_offset ||
      as_utc >= tb.covered_end - table::max_offset) {
    // Outside the table: the rules themselves, resolved the same way.
    return rules_to_instant(tb.rules, local, choice);
  }

  // Every period that could map some instant to `local` lies within max_offset of it.
  const std::size_t first = tb.index_of(as_utc - table::max_offset);
  const std::size_t last = tb.index_of(as_utc + table::max_offset);
  std::optional<instant> earliest, latest;
  for (std::size_t i = first; i <= last; ++i) {
    const instant candidate = as_utc - tb.periods[i].offset;
    if (tb.periods[i].begin <= candidate && candidate < tb.end_of(i)) {
      if (!earliest) earliest = candidate;
      latest = candidate;
    }
  }
  if (earliest) return choice == date::choose::earliest ? *earliest : *latest;

  // Nonexistent: the clock jumped over `local` at the start of some period i; before i
  // the local time had not been reached yet, from i on it is already past. The first
  // instant whose local time is later than `local` is that transition.
  for (std::size_t i = first + 1; i <= last; ++i) {
    const instant before = as_utc - tb.periods[i - 1].offset;
    const instant after = as_utc - tb.periods[i].offset;
    if (before >= tb.periods[i].begin && after < tb.periods[i].begin) return tb.periods[i].begin;
  }
  // Unreachable with consistent tzdata; keep the rules' answer rather than assert on data.
  return rules_to_instant(tb.rules, local, choice);
}

// ---------------------------------------------------------------------------------------
// billing cycles
// ---------------------------------------------------------------------------------------

date::days billing_cycle::length_in_days() const noexcept {
  // Elapsed time rounded to the nearest whole day: a DST month is 31 days +-1 h and is
  // still 31 days; a zone that skipped a calendar day (Pacific/Apia, December 2011) gets
  // the days that really existed.
  return date::floor<date::days>(end - start + hours{12});
}

billing_cycle calendar_month_cycle(date::year_month month, const zone& z) {
  if (!month.ok()) {
    throw time_error(fmt::format("invalid year-month {}-{} for a billing cycle",
                                 static_cast<int>(month.year()),
                                 static_cast<unsigned>(month.month())));
  }
  const date::year_month next = month + date::months{1};
  return billing_cycle{month, z.start_of_day(date::local_days{month / 1}),
                       z.start_of_day(date::local_days{next / 1})};
}

billing_cycle cycle_containing(instant t, const zone& z) {
  const date::year_month_day local{z.local_day(t)};
  billing_cycle cycle = calendar_month_cycle(local.year() / local.month(), z);
  // Consecutive cycles tile the time line, but a zone whose clocks go back across
  // midnight on the 1st can show an instant after the cycle start with the previous
  // month's local date. Step to the cycle that really holds t.
  while (t >= cycle.end) cycle = calendar_month_cycle(cycle.month + date::months{1}, z);
  while (t < cycle.start) cycle = calendar_month_cycle(cycle.month - date::months{1}, z);
  return cycle;
}

// ---------------------------------------------------------------------------------------
// small text forms
// ---------------------------------------------------------------------------------------

namespace {

/// Exactly `count` ASCII digits at text[pos..]; -1 otherwise. No locale, no sign.
int fixed_digits(std::string_view text, std::size_t pos, std::size_t count) noexcept {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<date::year_month> parse_year_month(std::string_view text) noexcept {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  const int year = fixed_digits(text, 0, 4);
  const int month = fixed_digits(text, 5, 2);
  if (year < 0 || month < 1 || month > 12) return std::nullopt;
  return date::year{year} / date::month{static_cast<unsigned>(month)};
}

std::string to_string(date::year_month ym) {
  const int year = static_cast<int>(ym.year());
  const unsigned month = static_cast<unsigned>(ym.month());
  if (year < 0 || year > 9999)  // not a billing month; written as fmt would
    return fmt::format("{:04}-{:02}", year, month);
  // Every bill names its cycle: by hand, a tenth of fmt's cost.
  std::string text = "0000-00";
  text[0] = static_cast<char>('0' + year / 1000);
  text[1] = static_cast<char>('0' + year / 100 % 10);
  text[2] = static_cast<char>('0' + year / 10 % 10);
  text[3] = static_cast<char>('0' + year % 10);
  text[5] = static_cast<char>('0' + month / 10);
  text[6] = static_cast<char>('0' + month % 10);
  return text;
}

std::optional<minutes> parse_time_of_day(std::string_view text) noexcept {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  const int hour = fixed_digits(text, 0, 2);
  const int minute = fixed_digits(text, 3, 2);
  if (hour < 0 || minute < 0 || minute > 59) return std::nullopt;
  if (hour > 24 || (hour == 24 && minute != 0)) return std::nullopt;
  return hours{hour} + minutes{minute};
}

std::string to_string(date::local_days day) {
  const date::year_month_day ymd{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::optional<std::pair<date::year_month, date::year_month>> parse_month_range(
    std::string_view text) noexcept {
  const std::size_t dots = text.find("..");
  const auto first = parse_year_month(text.substr(0, dots));
  const auto last =
      dots == std::string_view::npos ? first : parse_year_month(text.substr(dots + 2));
  if (!first || !last || *last < *first) return std::nullopt;
  return std::pair(*first, *last);
}

}  // namespace ratel
