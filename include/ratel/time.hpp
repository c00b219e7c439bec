// ratel/time.hpp: instants, IANA zones, local days and billing cycles.
//
// Concept: an instant is a UTC second (`date::sys_seconds`). Everything calendar-shaped
// (the day a roaming session belongs to, the hour band of a call, the month of a bill) is
// computed in a named IANA zone of the system tzdata, with Howard Hinnant's date for the
// calendar types (local days, year_month, choose).
//
// Invariants:
//  - inputs carry an explicit UTC offset (RFC 3339); a time without one is an error;
//  - a `zone` is immutable and cheap to copy; it precomputes the zone's offset periods
//    once, so mapping an instant to local time is a binary search over a small table and
//    never a tz database search on the hot path;
//  - a zone's offsets follow its rules in every year: the transitions its zone file lists
//    (up to 2037) and after them the rule of the file's footer, so summer time goes on in
//    2038, 2050 and 2100 under the rule in force today (issue 14 item 13);
//  - a billing cycle is the half-open interval [start, end) of instants;
//  - a local time that does not exist (spring-forward gap) or exists twice (autumn
//    overlap) is resolved only by an explicit `date::choose` at the call site.
//
// Example:
//   auto shanghai = zone::locate("Asia/Shanghai");
//   instant t = *parse_rfc3339("2012-07-31T23:30:00+08:00");
//   billing_cycle july = calendar_month_cycle(date::year{2012} / date::July, shanghai);
//   assert(july.contains(t));
//   date::local_days d = shanghai.local_day(t);   // 2012-07-31
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

namespace ratel {

/// A point in time, UTC, whole seconds.
using instant = date::sys_seconds;

/// Why a time text could not be read: the 1-based column (in bytes) of the offending
/// character, or one past the end for a text that stops short, and a message.
struct time_parse_error {
  std::uint32_t column = 0;
  std::string message;
};

/// Parses RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`; 'T' may be 't' or
/// a space, 'Z' may be 'z'. A fraction of a second is truncated toward the earlier
/// second (a usage record belongs to the second it started in). Validates the calendar
/// date (no 2012-02-30), hours < 24, minutes < 60 and seconds < 60 (a leap second :60 is
/// read as :59 of the same minute, D27), offset hours <= 23, and the instant in UTC in the years
/// 0000..9999 (so that format_rfc3339 can write it back in UTC). On failure returns nullopt and, if
/// `error` is given, fills it in. On success, `written_offset` (if given) receives the UTC offset
/// the text was written with, so the time can be shown again as written.
std::optional<instant> parse_rfc3339(std::string_view text, time_parse_error* error = nullptr,
                                     std::chrono::seconds* written_offset = nullptr);

/// `2012-07-03T22:00:00+08:00` (or `...Z` when offset is zero and `utc_as_z`). RFC 3339
/// offsets have no seconds, so an offset like LMT +08:05:43 is truncated toward zero to
/// whole minutes (+08:05) and the local time is printed for that offset: the text always
/// parses back to exactly t (when the local date is in the years 0000..9999, as it is for
/// every instant parse_rfc3339 returns, printed in UTC or at the offset it was written with).
std::string format_rfc3339(instant t, std::chrono::seconds utc_offset, bool utc_as_z = false);
/// format_rfc3339's text appended to `out` (no string of its own: a store writes millions).
void append_rfc3339(std::string& out, instant t, std::chrono::seconds utc_offset,
                    bool utc_as_z = false);

/// Thrown for an unknown zone name (the catalog loader adds file:line:col).
class time_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An IANA time zone with its offset periods cached (see the file comment).
class zone {
 public:
  /// Throws time_error (naming the zone) if the system tzdata has no zone of that name,
  /// or if its zone file cannot be read.
  /// The zone's table is built on the first call for a name and shared by every later
  /// call (a process-wide registry under a mutex); locate is for setup, not the hot path.
  static zone locate(std::string_view name);

  std::string_view name() const noexcept;
  /// UTC offset in force at t (local = t + offset), in any year: after the last
  /// transition of the zone file, from the rule of its footer.
  std::chrono::seconds offset_at(instant t) const;
  /// The offset in force at t and the span [begin, end) around t it holds for, so that a
  /// caller walking instants in order looks the table up once per span, not per instant.
  struct offset_span {
    instant begin;
    instant end;
    std::chrono::seconds offset;
    bool holds(instant t) const noexcept { return begin <= t && t < end; }
  };
  offset_span offset_span_at(instant t) const;
  date::local_seconds to_local(instant t) const {
    return date::local_seconds{(t + offset_at(t)).time_since_epoch()};
  }
  date::local_days local_day(instant t) const { return date::floor<date::days>(to_local(t)); }
  /// Seconds since local midnight of t's local day (0 .. 86399).
  std::chrono::seconds time_of_day(instant t) const {
    const date::local_seconds local = to_local(t);  // one table lookup, not two
    return local - date::floor<date::days>(local);
  }
  /// The instant of a local time. A nonexistent time (gap) maps to the end of the gap for
  /// both choices; an ambiguous one (overlap) to its earlier or later occurrence.
  instant to_instant(date::local_seconds local, date::choose choice) const;
  /// First instant of a local day: local midnight, or the end of a gap that swallows it.
  instant start_of_day(date::local_days day) const {
    return to_instant(day, date::choose::earliest);
  }

  friend bool operator==(const zone& a, const zone& b) noexcept { return a.table_ == b.table_; }

 private:
  struct table;
  explicit zone(std::shared_ptr<const table> t) : table_(std::move(t)) {}
  std::shared_ptr<const table> table_;
};

/// A billing cycle: the half-open interval [start, end), labelled by its month.
struct billing_cycle {
  date::year_month month;
  instant start;
  instant end;
  bool contains(instant t) const noexcept { return start <= t && t < end; }
  /// Calendar days in the cycle (28..31 for a calendar month): the elapsed time rounded
  /// to the nearest whole day, so a month with a 23- or 25-hour DST day still has its
  /// calendar length, and a month in which a zone skipped a day (Pacific/Apia, December
  /// 2011) counts only the days that existed (30).
  date::days length_in_days() const noexcept;
};

/// D3: the calendar month `month` in `z`: [1st 00:00 local, next 1st 00:00 local), each
/// bound taken with `zone::start_of_day` (the end of a gap if midnight does not exist).
/// Throws time_error if `month` is not ok().
billing_cycle calendar_month_cycle(date::year_month month, const zone& z);
/// The calendar-month cycle (in z) that contains t: consecutive cycles tile the time
/// line, so exactly one has start <= t < end.
billing_cycle cycle_containing(instant t, const zone& z);

/// "2012-07" -> July 2012; nullopt unless exactly YYYY-MM with a month 01..12.
std::optional<date::year_month> parse_year_month(std::string_view text) noexcept;
/// "2012-07" -> [July 2012, July 2012]; "2012-06..2012-09" -> [June, September 2012]. nullopt
/// unless both ends are YYYY-MM and the first is not after the last.
std::optional<std::pair<date::year_month, date::year_month>> parse_month_range(
    std::string_view text) noexcept;

/// July 2012 -> "2012-07".
std::string to_string(date::year_month ym);
/// A local day -> "2012-08-01".
std::string to_string(date::local_days day);

/// "23:00" -> 23h; "07:30" -> 7h30m; nullopt unless HH:MM with HH 00..24 (24:00 only as
/// itself, meaning the end of the day).
std::optional<std::chrono::minutes> parse_time_of_day(std::string_view text) noexcept;

}  // namespace ratel

template <>
struct fmt::formatter<date::year_month> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const date::year_month& ym, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(ratel::to_string(ym), ctx);
  }
};

/// A zone prints as its IANA name: `Asia/Shanghai`.
template <>
struct fmt::formatter<ratel::zone> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const ratel::zone& z, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(z.name(), ctx);
  }
};

/// A cycle prints as its month and its bounds in UTC (it does not know its zone):
/// `2012-07 [2012-06-30T16:00:00Z, 2012-07-31T16:00:00Z)`.
template <>
struct fmt::formatter<ratel::billing_cycle> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const ratel::billing_cycle& c, Context& ctx) const {
    const std::chrono::seconds utc{0};
    return fmt::formatter<std::string_view>::format(
        fmt::format("{} [{}, {})", ratel::to_string(c.month),
                    ratel::format_rfc3339(c.start, utc, true),
                    ratel::format_rfc3339(c.end, utc, true)),
        ctx);
  }
};
