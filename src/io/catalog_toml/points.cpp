// [points]: a loyalty points program (D7).
//
// Points per whole unit of spend, the rounding of the fraction (D7: dropped), which bill
// line kinds are spend (D7: the bill before credits; credits are refused), when a cycle's
// points are credited (D7: the next cycle start), how long a cohort lasts (D7: 36 months),
// the tenure redemption needs (D7: 6 months since join), the order cohorts are redeemed in
// (D7: oldest first) and what `close` does (D7: forfeit). A field left out takes the
// points_program default, which is D7's value.
#include "io/catalog_toml/builder.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ratel::detail::catalog_toml {
namespace {

// The line kinds [points] can count as spend: all but credits (D7: deposits are not spend).
constexpr auto spend_line_kind_names = line_kind_names.only(
    {line_kind::fee, line_kind::pack, line_kind::allowance, line_kind::usage, line_kind::pass});

}  // namespace

void catalog_builder::read_points(table_reader& top) {
  const toml::table* t = top.optional_table("points");
  if (t == nullptr) return;
  table_reader r(loader_, *t, "points",
                 {"points_per_unit", "unit", "fraction", "counts", "credit_after_cycles",
                  "validity_months", "min_tenure_months", "redeem", "on_close"});
  points_program p;  // a field left out keeps the struct's default (D7's value)
  p.defined_at = r.position();
  p.points_per_unit = r.optional_integer("points_per_unit").value_or(p.points_per_unit);
  if (p.points_per_unit < 1)
    loader_.fail(r.require("points_per_unit"), r.field("points_per_unit"), "must be at least 1");
  p.unit = r.money_of(r.require("unit"), "unit", result_.money_unit);
  if (p.unit.is_negative() || p.unit.is_zero())
    loader_.fail(r.require("unit"), r.field("unit"), "must be a positive amount");
  if (r.find("fraction") != nullptr) p.fraction = read_rounding_mode(r, "fraction");
  if (const toml::array* counts = r.optional_array("counts")) {
    p.counts.clear();
    std::size_t i = 0;
    for (const toml::node& n : *counts) {
      const std::string key = fmt::format("counts[{}]", i++);
      const std::string kind = r.string_of(n, key);
      if (kind == to_string(line_kind::credit))
        loader_.fail(n, r.field(key), "credits are never spend (D7: deposits are not spend)");
      const std::optional<line_kind> counted = spend_line_kind_names.parse(kind);
      if (!counted)
        loader_.fail(
            n, r.field(key),
            fmt::format("\"{}\" is not a bill line kind ({})", kind, spend_line_kind_names.list()));
      p.counts.push_back(*counted);
    }
  }
  auto bounded = [&](std::string_view key, std::int64_t fallback, std::int64_t low,
                     std::int64_t high) {
    const std::int64_t v = r.optional_integer(key).value_or(fallback);
    if (v < low || v > high)
      loader_.fail(r.require(key), r.field(key), fmt::format("{} is not in {}..{}", v, low, high));
    return v;
  };
  p.credit_after_cycles = bounded("credit_after_cycles", p.credit_after_cycles, 0, 12);
  p.validity_months = bounded("validity_months", p.validity_months, 1, 1200);
  p.min_tenure_months = bounded("min_tenure_months", p.min_tenure_months, 0, 1200);
  const std::string order = r.optional_string("redeem", "oldest_first");
  if (order != "oldest_first" && order != "newest_first")
    loader_.fail(r.require("redeem"), r.field("redeem"),
                 fmt::format("\"{}\" is not oldest_first or newest_first", order));
  p.oldest_first = order == "oldest_first";
  const std::string close = r.optional_string("on_close", "forfeit");
  if (close != "forfeit" && close != "keep")
    loader_.fail(r.require("on_close"), r.field("on_close"),
                 fmt::format("\"{}\" is not forfeit or keep", close));
  p.forfeit_on_close = close == "forfeit";
  result_.points = std::move(p);
}

}  // namespace ratel::detail::catalog_toml
