// Carried states as JSON (see carried_state_json.hpp).
#include "ratel/io/carried_state_json.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/json_positions.hpp"
#include "ratel/error.hpp"

namespace ratel {
namespace {

using json = nlohmann::ordered_json;
constexpr std::string_view format_name = "ratel-carried-state";
constexpr std::string_view live_format_name = "ratel-live-state";

std::string utc(instant t) {
  return format_rfc3339(t, std::chrono::seconds{0}, true);
}

json cohort_json(const points_cohort& c) {
  return {{"credited", to_string(c.credited)},
          {"points", c.points},
          {"remaining", c.remaining},
          {"last_month", to_string(c.last_month)}};
}

// Reads one document, every member checked, every error placed.
class reader {
 public:
  reader(std::string_view text, const std::string& file)
      : text_(text), file_(file), positions_(text) {}

  std::vector<carried_state> read() {
    const json doc = document(format_name, carried_state::format_version);
    const json& states = member(doc, "states", "");
    if (!states.is_array()) fail("states", "states", "expected an array");
    std::vector<carried_state> out;
    for (std::size_t i = 0; i < states.size(); ++i)
      out.push_back(state(states[i], fmt::format("states[{}]", i)));
    return out;
  }

  std::vector<open_cycle_state> read_open() {
    const json doc = document(live_format_name, open_cycle_state::format_version);
    const json& accounts = member(doc, "accounts", "");
    if (!accounts.is_array()) fail("accounts", "accounts", "expected an array");
    std::vector<open_cycle_state> out;
    for (std::size_t i = 0; i < accounts.size(); ++i)
      out.push_back(open_cycle(accounts[i], fmt::format("accounts[{}]", i)));
    return out;
  }

 private:
  json document(std::string_view name, int version_read) const {
    json doc;
    try {
      doc = json::parse(text_);
    } catch (const json::exception& e) {
      throw input_error({file_, 1, 1}, "", fmt::format("JSON syntax: {}", e.what()));
    }
    if (!doc.is_object()) fail("", "", fmt::format("expected a {} document (a JSON object)", name));
    if (text_of(member(doc, "format", ""), "format") != name)
      fail("format", "format", fmt::format("expected \"{}\"", name));
    const json& version = member(doc, "version", "");
    if (!version.is_number_integer() || version.get<long long>() != version_read)
      fail("version", "version",
           fmt::format("version {} is not one this ratel reads (it reads {}); use the ratel "
                       "that wrote the state, or a newer one",
                       version.dump(), version_read));
    return doc;
  }

  open_cycle_state open_cycle(const json& j, const std::string& at) {
    if (!j.is_object()) fail(at, "accounts", "expected an object");
    open_cycle_state o;
    o.subscriber = text_of(member(j, "subscriber", at), at + ".subscriber");
    o.cycle = month(member(j, "cycle", at), at + ".cycle");
    if (const json& from = member(j, "from", at); !from.is_null())
      o.from = state(from, at + ".from");
    const json& records = array(member(j, "records", at), at + ".records");
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::string k = fmt::format("{}.records[{}]", at, i);
      const std::int64_t line = count(member(records[i], "line", k), k + ".line");
      if (line > std::numeric_limits<std::uint32_t>::max())
        fail(k + ".line", "line", "expected a line number (at most 4294967295)");
      o.lines.push_back(static_cast<std::uint32_t>(line));
      o.rows.push_back(text_of(member(records[i], "row", k), k + ".row"));
    }
    const json& sent = array(member(j, "events_sent", at), at + ".events_sent");
    for (std::size_t i = 0; i < sent.size(); ++i)
      o.events_sent.push_back(text_of(sent[i], fmt::format("{}.events_sent[{}]", at, i)));
    std::sort(o.events_sent.begin(), o.events_sent.end());
    return o;
  }

  carried_state state(const json& j, const std::string& at) {
    if (!j.is_object()) fail(at, "states", "expected an object");
    carried_state s;
    s.subscriber = text_of(member(j, "subscriber", at), at + ".subscriber");
    s.after = month(member(j, "after", at), at + ".after");
    if (j.contains("points")) {
      const std::string p = at + ".points";
      const json& points = j.at("points");
      points_carry c;
      const json& closed = member(points, "closed", p);
      if (!closed.is_boolean()) fail(p + ".closed", "closed", "expected true or false");
      c.closed = closed.get<bool>();
      const json& cohorts = array(member(points, "cohorts", p), p + ".cohorts");
      for (std::size_t i = 0; i < cohorts.size(); ++i) {
        const std::string k = fmt::format("{}.cohorts[{}]", p, i);
        c.cohorts.push_back({month(member(cohorts[i], "credited", k), k + ".credited"),
                             count(member(cohorts[i], "points", k), k + ".points"),
                             count(member(cohorts[i], "remaining", k), k + ".remaining"),
                             month(member(cohorts[i], "last_month", k), k + ".last_month")});
      }
      const json& pending = array(member(points, "pending", p), p + ".pending");
      for (std::size_t i = 0; i < pending.size(); ++i) {
        const std::string k = fmt::format("{}.pending[{}]", p, i);
        c.pending.emplace_back(month(member(pending[i], "month", k), k + ".month"),
                               count(member(pending[i], "points", k), k + ".points"));
      }
      s.points = std::move(c);
    }
    const json& passes = array(member(j, "passes", at), at + ".passes");
    for (std::size_t i = 0; i < passes.size(); ++i) {
      const std::string k = fmt::format("{}.passes[{}]", at, i);
      charged_pass c;
      c.product = text_of(member(passes[i], "product", k), k + ".product");
      const std::string ordered = text_of(member(passes[i], "ordered", k), k + ".ordered");
      time_parse_error error;
      const std::optional<instant> t = parse_rfc3339(ordered, &error);
      if (!t) fail(k + ".ordered", "ordered", fmt::format("not RFC 3339: {}", error.message));
      c.ordered = *t;
      const std::string day = text_of(member(passes[i], "day", k), k + ".day");
      const std::optional<instant> midnight = parse_rfc3339(day + "T00:00:00Z");
      if (day.size() != 10 || !midnight)
        fail(k + ".day", "day", fmt::format("\"{}\" is not a date YYYY-MM-DD", day));
      c.day = date::local_days{date::floor<date::days>(*midnight).time_since_epoch()};
      c.country = text_of(member(passes[i], "country", k), k + ".country");
      s.passes.push_back(std::move(c));
    }
    std::sort(s.passes.begin(), s.passes.end());
    return s;
  }

  [[noreturn]] void fail(const std::string& path, const std::string& field,
                         const std::string& what) const {
    throw input_error(positions_.at(file_, path), field, what);
  }
  const json& member(const json& j, const std::string& key, const std::string& at) const {
    if (!j.is_object() || !j.contains(key)) fail(at, key, "missing (required)");
    return j.at(key);
  }
  const json& array(const json& j, const std::string& at) const {
    if (!j.is_array()) fail(at, field_of(at), "expected an array");
    return j;
  }
  std::string text_of(const json& j, const std::string& at) const {
    if (!j.is_string()) fail(at, field_of(at), "expected a string");
    return j.get<std::string>();
  }
  std::int64_t count(const json& j, const std::string& at) const {
    if (!j.is_number_integer() || j.get<long long>() < 0)
      fail(at, field_of(at), "expected a whole number, 0 or more");
    return j.get<std::int64_t>();
  }
  date::year_month month(const json& j, const std::string& at) const {
    const std::string text = text_of(j, at);
    const std::optional<date::year_month> m = parse_year_month(text);
    if (!m) fail(at, field_of(at), fmt::format("\"{}\" is not a month YYYY-MM", text));
    return *m;
  }
  static std::string field_of(const std::string& path) {
    const std::size_t dot = path.rfind('.');
    return dot == std::string::npos ? path : path.substr(dot + 1);
  }

  std::string_view text_;
  const std::string& file_;
  detail::json_positions positions_;
};

json state_json(const carried_state& s) {
  json j = {{"subscriber", s.subscriber}, {"after", to_string(s.after)}};
  if (s.points) {
    json cohorts = json::array(), pending = json::array();
    for (const points_cohort& c : s.points->cohorts) cohorts.push_back(cohort_json(c));
    for (const auto& [m, points] : s.points->pending)
      pending.push_back({{"month", to_string(m)}, {"points", points}});
    j["points"] = {{"closed", s.points->closed}, {"cohorts", cohorts}, {"pending", pending}};
  }
  json passes = json::array();
  for (const charged_pass& c : s.passes)
    passes.push_back({{"product", c.product},
                      {"ordered", utc(c.ordered)},
                      {"day", to_string(c.day)},
                      {"country", c.country}});
  j["passes"] = passes;
  return j;
}

}  // namespace

std::string carried_states_to_json(std::span<const carried_state> states) {
  json doc = {{"format", format_name}, {"version", carried_state::format_version}};
  json list = json::array();
  for (const carried_state& s : states) list.push_back(state_json(s));
  doc["states"] = std::move(list);
  return doc.dump(2) + "\n";
}

std::string open_cycles_to_json(std::span<const open_cycle_state> cycles) {
  json doc = {{"format", live_format_name}, {"version", open_cycle_state::format_version}};
  json list = json::array();
  for (const open_cycle_state& o : cycles) {
    json records = json::array();
    for (std::size_t i = 0; i < o.rows.size(); ++i)
      records.push_back({{"line", o.lines.at(i)}, {"row", o.rows[i]}});
    list.push_back({{"subscriber", o.subscriber},
                    {"cycle", to_string(o.cycle)},
                    {"from", o.from ? state_json(*o.from) : json(nullptr)},
                    {"records", std::move(records)},
                    {"events_sent", o.events_sent}});
  }
  doc["accounts"] = std::move(list);
  return doc.dump(2) + "\n";
}

std::vector<open_cycle_state> parse_open_cycles(std::string_view text, const std::string& file) {
  return reader(text, file).read_open();
}

std::vector<carried_state> parse_carried_states(std::string_view text, const std::string& file) {
  return reader(text, file).read();
}

}  // namespace ratel
