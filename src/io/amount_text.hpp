// amount_text.hpp (private): how every writer prints an amount.
#pragma once

#include <string>

#include "ratel/money.hpp"

namespace ratel {

// DESIGN 4.3: amounts are decimal strings with two decimals. A catalog may round lines
// more finely than cents; then the amount is printed with the digits it holds.
inline std::string amount(const money& m) {
  return m.to_string();
}

}  // namespace ratel
