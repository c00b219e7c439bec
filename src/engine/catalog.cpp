#include "ratel/catalog.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ratel {

int area::specificity() const noexcept {
  switch (scope) {
    case kind::anywhere:
      return 0;
    case kind::home:
    case kind::roaming:
      return 1;
    case kind::countries:
      return 2;
  }
  return 0;
}

std::string area::describe() const {
  switch (scope) {
    case kind::anywhere:
      return "anywhere";
    case kind::home:
      return "home";
    case kind::roaming:
      return "roaming";
    case kind::countries:
      return group.empty() ? fmt::format("[{}]", fmt::join(countries, ", ")) : group;
  }
  return "?";
}

const product* catalog::find_product(std::string_view wanted) const noexcept {
  auto it = std::find_if(products.begin(), products.end(),
                         [&](const product& p) { return p.id == wanted; });
  return it == products.end() ? nullptr : &*it;
}

const service_rule* catalog::find_service(service s) const noexcept {
  auto it = std::find_if(services.begin(), services.end(),
                         [&](const service_rule& r) { return r.svc == s; });
  return it == services.end() ? nullptr : &*it;
}

}  // namespace ratel
