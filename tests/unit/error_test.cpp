#include <doctest/doctest.h>

#include "ratel/error.hpp"

using ratel::input_error;

TEST_CASE("input_error names file:line:col and the field") {
  input_error e({"tariffs/x.toml", 12, 9}, "products[2].fee", "has 7 decimals");
  CHECK(std::string(e.what()) == "tariffs/x.toml:12:9: products[2].fee: has 7 decimals");
  CHECK(e.where().line == 12);
  CHECK(e.field() == "products[2].fee");
  // Unknown column or line: omitted rather than printed as 0.
  CHECK(std::string(input_error({"a.csv", 3, 0}, "", "bad").what()) == "a.csv:3: bad");
  CHECK(std::string(input_error({"a.csv", 0, 0}, "", "cannot open").what()) ==
        "a.csv: cannot open");
}
