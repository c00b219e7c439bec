// ratel/detail/enum_names.hpp: each enum's names, written once, as a table.
//
// Concept: the names of an enum's values are a file format's contract (a catalog writes
// `kind = "pack"`, the rejects file `bad_time`, the account log `subscribe`), so each
// enum declares one table of {value, name[, note]} next to it, and everything that prints
// or reads the names uses that table: `to_string` (and so the fmt formatter of
// detail/format.hpp), the catalog loader, the CSV and JSON readers, and the choices an
// error message offers.
//
// Invariants, checked at compile time by `enum_names_of`: a table lists the enumerators
// from 0 in declaration order, each once, with names that differ. (C++20 cannot list an
// enum's enumerators, so an enumerator added without a name is not caught: `name` gives
// "?" for it. Add the name where you add the enumerator.)
//
// Example:
//   enum class validity : std::uint8_t { subscription, rest_of_cycle };
//   inline constexpr auto validity_names = detail::enum_names_of<validity>({
//       {validity::subscription, "subscription"},
//       {validity::rest_of_cycle, "rest_of_cycle"},
//   });
//   validity_names.name(validity::rest_of_cycle);  // "rest_of_cycle"
//   validity_names.parse("30 days");               // nullopt
//   validity_names.choices();                      // "subscription or rest_of_cycle"
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ratel::detail {

/// One value of an enum and its name.
template <typename E>
struct enum_entry {
  E value;
  std::string_view name;  ///< as the files write it: exact, lower case
  /// A gloss that error messages add in parentheses: "cycle (recurring)". Empty: none.
  std::string_view note{};
};

/// The names of (some of) the values of enum E; see the file comment.
template <typename E, std::size_t N>
class enum_names {
 public:
  constexpr explicit enum_names(const std::array<enum_entry<E>, N>& entries) noexcept
      : entries_(entries) {}

  /// The name of `e`; "?" for a value the table does not list.
  constexpr std::string_view name(E e) const noexcept {
    // A whole table is in declaration order, so the value is its own index; a table made
    // by `only` is searched.
    const auto index = static_cast<std::size_t>(e);
    if (index < N && entries_[index].value == e) return entries_[index].name;
    for (const enum_entry<E>& entry : entries_)
      if (entry.value == e) return entry.name;
    return "?";
  }

  /// The value named exactly `text` (case-sensitive, no trimming); nullopt for anything else.
  constexpr std::optional<E> parse(std::string_view text) const noexcept {
    for (const enum_entry<E>& entry : entries_)
      if (entry.name == text) return entry.value;
    return std::nullopt;
  }

  /// The same names for `values` only, in that order: the table of a field that accepts
  /// some of the values (a reactivation lifts cut_off, cap, throttle or bar).
  template <std::size_t M>
  constexpr enum_names<E, M> only(const E (&values)[M]) const {
    std::array<enum_entry<E>, M> picked{};
    for (std::size_t i = 0; i < M; ++i) {
      bool found = false;
      for (const enum_entry<E>& entry : entries_)
        if (entry.value == values[i]) {
          picked[i] = entry;
          found = true;
        }
      if (!found) throw std::logic_error("enum_names::only: a value the table does not name");
    }
    return enum_names<E, M>(picked);
  }

  /// The values, in the table's order.
  constexpr std::array<E, N> values() const noexcept {
    std::array<E, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = entries_[i].value;
    return out;
  }

  /// The names as an error message offers them, each with its note: "plan, pack, vas,
  /// offer or pass"; "cycle (recurring), order (one-off) or use".
  std::string choices() const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) out += i + 1 == N ? " or " : ", ";
      out += entries_[i].name;
      if (!entries_[i].note.empty()) out.append(" (").append(entries_[i].note).append(")");
    }
    return out;
  }

  /// The names alone, joined by ", ": "data, voice, sms, mms, vas".
  std::string list() const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) out += ", ";
      out += entries_[i].name;
    }
    return out;
  }

  constexpr std::size_t size() const noexcept { return N; }
  constexpr auto begin() const noexcept { return entries_.begin(); }
  constexpr auto end() const noexcept { return entries_.end(); }

 private:
  std::array<enum_entry<E>, N> entries_;
};

/// The table of every value of E. Used to initialise a constexpr variable, so a table out
/// of declaration order, with a gap or with a name twice does not compile (the throw is
/// not a constant expression).
template <typename E, std::size_t N>
constexpr enum_names<E, N> enum_names_of(const enum_entry<E> (&entries)[N]) {
  std::array<enum_entry<E>, N> table{};
  for (std::size_t i = 0; i < N; ++i) {
    if (static_cast<std::size_t>(entries[i].value) != i)
      throw std::logic_error("enum_names_of: list every enumerator once, in declaration order");
    for (std::size_t j = 0; j < i; ++j)
      if (entries[j].name == entries[i].name)
        throw std::logic_error("enum_names_of: two values with one name");
    table[i] = entries[i];
  }
  return enum_names<E, N>(table);
}

}  // namespace ratel::detail
