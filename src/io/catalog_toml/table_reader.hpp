// io/catalog_toml/table_reader.hpp (private): reading TOML tables with positions.
//
// Concept: the catalog loader's reading tools, independent of what a catalog means. A
// `loader` turns toml++ source regions into input_errors at file:line:col; a
// `table_reader` reads the fields of one TOML table by type (string, integer, boolean,
// money as text, quantity, a name of an enum's table) and names each error by its field's
// full path ("products[0].fee.per"). The fields a table may have are declared when it is
// opened, so a misspelt field is reported as unknown before anything else is read.
//
//   table_reader f(loader, *fee, r.field("fee"), {"amount", "per"});
//   money amount = f.money_of(f.require("amount"), "amount", unit);
//   fee_basis per = f.required_enum("per", fee_per_names);
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ratel/detail/enum_names.hpp"
#include "ratel/error.hpp"
#include "ratel/money.hpp"
#include "ratel/quantity.hpp"

namespace ratel::detail::catalog_toml {

inline std::string_view type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

// The file being loaded: turns TOML source regions into input_errors.
class loader {
 public:
  explicit loader(std::string file) : file_(std::move(file)) {}

  source_position at(const toml::source_region& r) const {
    return {file_, static_cast<std::uint32_t>(r.begin.line),
            static_cast<std::uint32_t>(r.begin.column)};
  }
  source_position at(const toml::node& n) const { return at(n.source()); }

  [[noreturn]] void fail(const toml::node& n, const std::string& field, std::string message) const {
    throw input_error(at(n), field, std::move(message));
  }
  [[noreturn]] void fail(const source_position& p, const std::string& field,
                         std::string message) const {
    throw input_error(p, field, std::move(message));
  }

 private:
  std::string file_;
};

// Reads the fields of one TOML table. The fields a table may have are declared when it is
// opened, and any other field is reported before anything else is read: a misspelt
// `prioirty` must be named as unknown, not reported as a missing `priority`.
class table_reader {
 public:
  table_reader(const loader& l, const toml::table& t, std::string path,
               std::initializer_list<std::string_view> allowed)
      : table_reader(l, t, std::move(path), std::span(allowed.begin(), allowed.size())) {}
  table_reader(const loader& l, const toml::table& t, std::string path,
               std::span<const std::string_view> allowed)
      : loader_(l), table_(t), path_(std::move(path)) {
    for (auto&& [key, node] : table_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string expected;
      for (std::string_view a : allowed)
        expected += fmt::format("{}{}", expected.empty() ? "" : ", ", a);
      loader_.fail(loader_.at(key.source()), field(key.str()),
                   fmt::format("unknown field (expected one of: {})", expected));
    }
  }

  const std::string& path() const { return path_; }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }
  source_position position() const { return loader_.at(table_); }

  const toml::node* find(std::string_view key) const { return table_.get(key); }
  const toml::node& require(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) loader_.fail(table_, field(key), "missing (required)");
    return *n;
  }

  std::string string_of(const toml::node& n, std::string_view key) const {
    if (!n.is_string())
      loader_.fail(n, field(key), fmt::format("expected a string, found {}", type_name(n)));
    return std::string(*n.value<std::string_view>());
  }
  std::string required_string(std::string_view key) { return string_of(require(key), key); }
  std::string optional_string(std::string_view key, std::string fallback = {}) {
    const toml::node* n = find(key);
    return n ? string_of(*n, key) : fallback;
  }
  std::int64_t integer_of(const toml::node& n, std::string_view key) const {
    if (!n.is_integer())
      loader_.fail(n, field(key), fmt::format("expected an integer, found {}", type_name(n)));
    return *n.value<std::int64_t>();
  }
  std::int64_t required_integer(std::string_view key) { return integer_of(require(key), key); }
  std::optional<std::int64_t> optional_integer(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return std::nullopt;
    return integer_of(*n, key);
  }
  bool optional_bool(std::string_view key, bool fallback) {
    const toml::node* n = find(key);
    if (n == nullptr) return fallback;
    if (!n->is_boolean())
      loader_.fail(*n, field(key), fmt::format("expected true or false, found {}", type_name(*n)));
    return *n->value<bool>();
  }
  const toml::table* optional_table(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table())
      loader_.fail(*n, field(key), fmt::format("expected a table, found {}", type_name(*n)));
    return n->as_table();
  }
  const toml::array* optional_array(std::string_view key) {
    const toml::node* n = find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_array())
      loader_.fail(*n, field(key), fmt::format("expected an array, found {}", type_name(*n)));
    return n->as_array();
  }

  /// Money is text: "0.01". A float cannot hold it exactly, so it is refused with a hint.
  money money_of(const toml::node& n, std::string_view key, currency unit) const {
    if (n.is_floating_point() || n.is_integer())
      loader_.fail(n, field(key),
                   "write money as a string (e.g. \"0.01\"): a TOML number is binary floating "
                   "point or an integer and cannot carry an exact decimal amount");
    try {
      return money::parse(string_of(n, key), unit);
    } catch (const money_error& e) {
      loader_.fail(n, field(key), e.what());
    }
  }
  quantity quantity_of(const toml::node& n, std::string_view key) const {
    try {
      return quantity::parse(string_of(n, key));
    } catch (const quantity_error& e) {
      loader_.fail(n, field(key), e.what());
    }
  }

  /// The value a name of the enum's table stands for; any other string is an error that
  /// offers the table's choices: "\"bundle\" is not plan, pack, vas, offer or pass".
  template <typename E, std::size_t N>
  E enum_of(const toml::node& n, std::string_view key,
            const detail::enum_names<E, N>& names) const {
    const std::string text = string_of(n, key);
    if (std::optional<E> value = names.parse(text)) return *value;
    loader_.fail(n, field(key), fmt::format("\"{}\" is not {}", text, names.choices()));
  }
  template <typename E, std::size_t N>
  E required_enum(std::string_view key, const detail::enum_names<E, N>& names) {
    return enum_of(require(key), key, names);
  }
  template <typename E, std::size_t N>
  E optional_enum(std::string_view key, const detail::enum_names<E, N>& names, E fallback) {
    const toml::node* n = find(key);
    return n ? enum_of(*n, key, names) : fallback;
  }

 private:
  const loader& loader_;
  const toml::table& table_;
  std::string path_;
};

template <typename Each>
void for_each_table(const loader& l, const toml::array& array, const std::string& path,
                    std::span<const std::string_view> allowed, Each each) {
  std::size_t i = 0;
  for (const toml::node& n : array) {
    std::string item = fmt::format("{}[{}]", path, i++);
    if (!n.is_table()) l.fail(n, item, fmt::format("expected a table, found {}", type_name(n)));
    table_reader r(l, *n.as_table(), item, allowed);
    each(r);
  }
}

}  // namespace ratel::detail::catalog_toml
