// The rejects file (see io/rejects_csv.hpp).
#include "ratel/io/rejects_csv.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "io/csv.hpp"

namespace ratel {

namespace csv = detail::csv;

std::string_view rejects_csv_header() noexcept {
  return "line,subscriber,id,reason,detail\n";
}

std::string reject_csv_row(const reject& j) {
  return fmt::format("{},{},{},{},{}\n", j.line, csv::quote(j.subscriber), csv::quote(j.id),
                     to_string(j.reason), csv::quote(j.detail));
}

std::string duplicate_csv_row(const duplicate& d) {
  const std::string detail =
      d.billed_in
          ? fmt::format("same subscriber and id as a record billed in cycle {} (a closed cycle)",
                        to_string(*d.billed_in))
          : fmt::format("same subscriber and id as line {}{}", d.kept_line,
                        d.same_content
                            ? ""
                            : fmt::format(" (different content; line {} is rated)", d.kept_line));
  return fmt::format("{},{},{},duplicate,{}\n", d.line, csv::quote(d.subscriber), csv::quote(d.id),
                     csv::quote(detail));
}

std::string rejects_to_csv(const std::vector<reject>& rejects,
                           const std::vector<duplicate>& duplicates) {
  std::string out(rejects_csv_header());
  struct row {
    std::uint32_t line;
    std::string text;
  };
  std::vector<row> rows;
  for (const reject& j : rejects) rows.push_back({j.line, reject_csv_row(j)});
  for (const duplicate& d : duplicates) rows.push_back({d.line, duplicate_csv_row(d)});
  std::sort(rows.begin(), rows.end(), [](const row& a, const row& b) { return a.line < b.line; });
  for (const row& x : rows) out += x.text;
  return out;
}

}  // namespace ratel
