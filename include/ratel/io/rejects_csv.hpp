// ratel/io/rejects_csv.hpp: the rejects file: every usage row that was read but not rated.
//
// Concept: one CSV row per reject or duplicate, header `line,subscriber,id,reason,detail`,
// in line order; `reason` is a reject_reason name (usage.hpp) or `duplicate`. With the
// rated records these rows account for every row read.
//
//   write(rejects_to_csv(result.rejects, result.duplicates));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ratel/usage.hpp"

namespace ratel {

/// The whole rejects file, header included, rows in line order.
std::string rejects_to_csv(const std::vector<reject>& rejects,
                           const std::vector<duplicate>& duplicates);

/// The file's header line, "line,subscriber,id,reason,detail\n".
std::string_view rejects_csv_header() noexcept;
/// One row of the file (with its line end), for writers that stream it in line order.
std::string reject_csv_row(const reject& r);
std::string duplicate_csv_row(const duplicate& d);

}  // namespace ratel
