// ratel/io/carried_state_json.hpp: carried states (state.hpp, D24) as JSON.
//
// Concept: the stable, versioned text of what one cycle hands the next, for whoever keeps
// it between runs (ratel's stores, or a backend's own database). One document holds the
// states of many accounts:
//
//   {"format": "ratel-carried-state", "version": 1, "states": [
//     {"subscriber": "s1", "after": "2019-07",
//      "points": {"closed": false,
//                 "cohorts": [{"credited": "2019-02", "points": 198, "remaining": 188,
//                              "last_month": "2022-01"}],
//                 "pending": [{"month": "2019-08", "points": 198}]},
//      "passes": [{"product": "intl-pass-7d", "ordered": "2012-12-29T02:00:00Z",
//                  "day": "2012-12-29", "country": "KR"}]}]}
//
// `points` is absent when the catalog has no points program. A later version may add
// members; a reader refuses a document of any version but its own, naming the file, the
// line and column, and the field, rather than guess what it meant.
//
//   std::string text = carried_states_to_json(result.carried);
//   std::vector<carried_state> back = parse_carried_states(text, "state.json");
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/state.hpp"

namespace ratel {

/// The document for `states` (in the order given), ending with a newline.
std::string carried_states_to_json(std::span<const carried_state> states);

/// Reads a document written by carried_states_to_json; `file` names it in errors.
/// Throws input_error (file:line:col, field) for bad JSON, a missing or mistyped member, or
/// a version other than carried_state::format_version.
std::vector<carried_state> parse_carried_states(std::string_view text, const std::string& file);

/// Open cycles (state.hpp, live rating) as one document of format "ratel-live-state", each
/// with its carried state written as above:
///
///   {"format": "ratel-live-state", "version": 1, "accounts": [
///     {"subscriber": "s1", "cycle": "2019-08", "from": {...a state, or null...},
///      "records": [{"line": 7, "row": "r1,s1,2019-08-02T10:00:00+08:00,data,1048576,,,,"}],
///      "events_sent": ["s1/2019-08/notify/gprs-20/reminder-500/1"]}]}
std::string open_cycles_to_json(std::span<const open_cycle_state> cycles);

/// Reads a document written by open_cycles_to_json; errors as parse_carried_states (a row
/// is checked when the account is restored, as a usage row).
std::vector<open_cycle_state> parse_open_cycles(std::string_view text, const std::string& file);

}  // namespace ratel
