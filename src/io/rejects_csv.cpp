// The rejects file (see io/rejects_csv.hpp).
#include "ratel/io/rejects_csv.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "io/csv.hpp"

namespace ratel {

namespace csv = detail::csv;

std::string rejects_to_csv(const std::vector<reject>& rejects, const std::vector<duplicate>& duplicates) {
  std::string out = "line,subscriber,id,reason,detail\n";
  struct row { std::uint32_t line; std::string text; };
  std::vector<row> rows;
  for (const reject& j : rejects)
    rows.push_back({j.line, fmt::format("{},{},{},{},{}\n", j.line, csv::quote(j.subscriber),
                                        csv::quote(j.id), to_string(j.reason), csv::quote(j.detail))});
  for (const duplicate& d : duplicates)
    rows.push_back({d.line, fmt::format("{},{},{},duplicate,{}\n", d.line, csv::quote(d.subscriber),
                                        csv::quote(d.id),
                                        csv::quote(fmt::format("same subscriber and id as line {}{}",
                                                              d.kept_line,
                                                              d.same_content ? "" : " (different content; line " + std::to_string(d.kept_line) + " is rated)")))});
  std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.line < b.line; });
  for (const row& x : rows) out += x.text;
  return out;
}

}  // namespace ratel
