// ratel/io/disputed_bill.hpp: a contested bill read from a file (JSON or CSV).
//
// Concept: the bill as the customer received it, from ratel's own bill JSON or from
// another billing system's CSV, checked against the catalog (products, line kinds,
// currency) so that dispute.hpp compares like with like. Every error names the file,
// line, column and field.
//
//   std::vector<disputed_bill> bills = read_disputed_bills("disputed.csv", plan);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/dispute.hpp"

namespace ratel {

/// Reads disputed bills: ratel's bill JSON (one bill object or an array of them) or CSV
/// with header `subscriber,cycle,product,kind,amount` (rows of several bills may be mixed;
/// they are grouped by subscriber and cycle). The format is told by the first character
/// ('{' or '[' is JSON). Throws input_error naming file:line:col and the field for a
/// malformed file, a product neither in the catalog nor its id, an unknown line kind, an
/// amount that is not exact money, or a currency other than the catalog's.
std::vector<disputed_bill> read_disputed_bills(const std::filesystem::path& path,
                                               const rule_plan& plan);
std::vector<disputed_bill> parse_disputed_bills(std::string_view text,
                                                const std::string& source_name,
                                                const rule_plan& plan);

}  // namespace ratel
