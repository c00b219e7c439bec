// ratel/io/dispute_report.hpp: dispute reports written as JSON (DESIGN 4.4) and text.
//
// Concept: a dispute_report (dispute.hpp) becomes a JSON object for systems (amounts are
// decimal strings) or text a clerk at the dispute desk can read aloud.
//
//   fmt::print("{}", reports_to_text({report}));
#pragma once

#include <string>
#include <vector>

#include "ratel/dispute.hpp"

namespace ratel {

/// One report as a JSON object, or several as an array; amounts are strings.
std::string reports_to_json(const std::vector<dispute_report>& reports);
/// For a person at the dispute desk.
std::string reports_to_text(const std::vector<dispute_report>& reports);

}  // namespace ratel
