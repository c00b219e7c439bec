// ratel/io/rejects_csv.hpp: the rejects file: every usage row that was read but not rated.
//
// Concept: one CSV row per reject or duplicate, header `line,subscriber,id,reason,detail`,
// in line order; `reason` is a reject_reason name (usage.hpp) or `duplicate`. With the
// rated records these rows account for every row read.
//
//   write(rejects_to_csv(result.rejects, result.duplicates));
#pragma once

#include <string>
#include <vector>

#include "ratel/usage.hpp"

namespace ratel {

/// The whole rejects file, header included, rows in line order.
std::string rejects_to_csv(const std::vector<reject>& rejects, const std::vector<duplicate>& duplicates);

}  // namespace ratel
