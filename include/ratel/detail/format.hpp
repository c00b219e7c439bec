// ratel/detail/format.hpp: one fmt::formatter for every ratel enum that has a name.
//
// Each ratel enum has a `to_string(e)` giving its contract name ("data", "bad_time",
// "half_up") from the enum's names table (detail/enum_names.hpp); this formatter prints
// that name, so `fmt::format("{}", service::data)` is "data" without a formatter written
// out per enum.
#pragma once

#include <concepts>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace ratel::detail {

template <typename E>
concept named_enum = std::is_enum_v<E> && requires(E e) {
  { to_string(e) } -> std::convertible_to<std::string_view>;
};

/// The enum's name, looked up here (by ADL in the enum's namespace) rather than inside
/// namespace fmt, where fmt::to_string would join the overload set.
template <named_enum E>
std::string_view enum_name(E e) {
  return to_string(e);
}

}  // namespace ratel::detail

template <ratel::detail::named_enum E>
struct fmt::formatter<E, char> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(E e, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(ratel::detail::enum_name(e), ctx);
  }
};
