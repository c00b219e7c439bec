// ratel/line_kind.hpp: the kinds of line a bill has.
//
// Concept: what a bill line charges or shows, by the closed set of DESIGN 4.3's `kind`:
// a recurring fee, a one-off pack order, an allowance drawn, usage at a rate, a credit of an
// offer, a pass charge, an adjustment of a closed cycle. The names are a contract of the bill
// formats (JSON, text, CSV), of a disputed bill's `kind` column, and of a catalog's [points]
// `counts` (which kinds are spend, D7). The catalog and the bill both name kinds, so they live
// here, below both.
//
//   line_kind_names.parse("usage");  // line_kind::usage
//   to_string(line_kind::credit);    // "credit"
#pragma once

#include <cstdint>
#include <string_view>

#include "ratel/detail/enum_names.hpp"
#include "ratel/detail/format.hpp"

namespace ratel {

enum class line_kind : std::uint8_t {
  fee,         ///< recurring product fee for the cycle
  pack,        ///< one-off product order
  allowance,   ///< what was drawn from an included allowance (amount 0.00)
  usage,       ///< usage charged at a rate
  credit,      ///< a credit of an offer: returned deposit or bonus (negative amount)
  pass,        ///< a roaming pass charge: one day, (country, day) or validity with use
  adjustment,  ///< a closed cycle's bill corrected by its late records (D25, adjustment.hpp)
};

/// The names of the bill formats and of a catalog's [points] `counts`.
inline constexpr auto line_kind_names = detail::enum_names_of<line_kind>({
    {line_kind::fee, "fee"},
    {line_kind::pack, "pack"},
    {line_kind::allowance, "allowance"},
    {line_kind::usage, "usage"},
    {line_kind::credit, "credit"},
    {line_kind::pass, "pass"},
    {line_kind::adjustment, "adjustment"},
});

constexpr std::string_view to_string(line_kind k) noexcept {
  return line_kind_names.name(k);
}

}  // namespace ratel
