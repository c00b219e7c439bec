// fmt formatters of the domain types (detail/format.hpp and the per-type ones).
#include <doctest/doctest.h>

#include "ratel/bill.hpp"

TEST_CASE("every named domain enum and currency print their contract names through fmt") {
  using namespace ratel;
  CHECK(fmt::format("{}", service::voice) == "voice");
  CHECK(fmt::format("{}", reject_reason::bad_time) == "bad_time");
  CHECK(fmt::format("{}", account_action::subscribe_next_cycle) == "subscribe_next_cycle");
  CHECK(fmt::format("{}", rounding::half_even) == "half_even");
  CHECK(fmt::format("{}", dimension::bytes) == "bytes");
  CHECK(fmt::format("{}", product_kind::pack) == "pack");
  CHECK(fmt::format("{}", fee_basis::per_order) == "order");
  CHECK(fmt::format("{}", validity::rest_of_cycle) == "rest_of_cycle");
  CHECK(fmt::format("{}", event_kind::refused) == "refused");
  CHECK(fmt::format("{}", line_kind::allowance) == "allowance");
  CHECK(fmt::format("{:>6}", service::sms) == "   sms");  // format specs of string_view apply
  CHECK(fmt::format("{}", currency::parse("CNY")) == "CNY");
}
