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

}  // namespace ratel
