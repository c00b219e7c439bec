// tests/fuzz/fuzz_catalog.cpp: libFuzzer target for the catalog loader (catalog_toml.hpp)
// and the compiler of the rule plan (rules.hpp).
//
// A catalog is accepted or refused with an input_error naming file:line:col and the
// field; any other exception (a time_error for a zone, a money_error, a toml++ or
// standard library exception) escaping the loader or the compiler is a finding, since
// the CLI would die on it instead of reporting the file. Checks beyond "no crash":
//  - a loaded catalog compiles to a rule plan, or the compiler refuses it with an
//    input_error (validation at load is meant to make this the rare case);
//  - loading is a pure function of the text: the same text loads to a plan with the same
//    products a second time.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/rules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<ratel::catalog> loaded;
  if (!ratel::fuzz::accepts([&] { loaded.emplace(ratel::parse_catalog(text, "fuzz.toml")); }))
    return 0;
  const std::size_t products = loaded->products.size();
  ratel::fuzz::accepts([&] { (void)ratel::rule_plan::compile(std::move(*loaded)); });

  std::optional<ratel::catalog> again;
  RATEL_FUZZ_CHECK(
      ratel::fuzz::accepts([&] { again.emplace(ratel::parse_catalog(text, "fuzz.toml")); }),
      "the same text was refused on a second load");
  RATEL_FUZZ_CHECK(again->products.size() == products, "the same text loaded to another catalog");
  return 0;
}
