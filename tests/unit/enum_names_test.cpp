// Unit tests for the enum name tables (detail/enum_names.hpp): every table reads back what
// it writes, and the choices text is the one the readers' error messages print.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "ratel/account_entry.hpp"
#include "ratel/catalog.hpp"
#include "ratel/detail/enum_names.hpp"
#include "ratel/event.hpp"
#include "ratel/line_kind.hpp"
#include "ratel/money.hpp"
#include "ratel/quantity.hpp"
#include "ratel/service.hpp"
#include "ratel/usage.hpp"

using namespace ratel;

namespace {

// Every value's name parses back to the value, to_string (what the fmt formatter prints)
// is the table's name, and no name is empty.
template <typename Names>
void check_round_trip(const Names& names) {
  for (const auto& entry : names) {
    CAPTURE(entry.name);
    CHECK_FALSE(entry.name.empty());
    CHECK(names.parse(entry.name) == entry.value);
    CHECK(to_string(entry.value) == entry.name);
    CHECK(names.name(entry.value) == entry.name);
  }
}

}  // namespace

// Lookups are constexpr: usable where the engine needs a constant.
static_assert(service_names.parse("sms") == service::sms);
static_assert(to_string(product_kind::pass) == "pass");
static_assert(!rounding_names.parse("HALF_UP").has_value());  // exact, case-sensitive
static_assert(all_services.size() == 5 && all_services[4] == service::vas);

TEST_SUITE("enum_names") {
  TEST_CASE("every table reads back what it writes") {
    check_round_trip(service_names);
    check_round_trip(dimension_names);
    check_round_trip(rounding_names);
    check_round_trip(event_kind_names);
    check_round_trip(reject_reason_names);
    check_round_trip(account_action_names);
    check_round_trip(line_kind_names);
    check_round_trip(counter_kind_names);
    check_round_trip(peer_filter_names);
    check_round_trip(comparison_names);
    check_round_trip(threshold_action_names);
    check_round_trip(addon_policy_names);
    check_round_trip(product_kind_names);
    check_round_trip(fee_basis_names);
    check_round_trip(validity_names);
    check_round_trip(unsubscribe_rule_names);
    check_round_trip(proration_strategy_names);
    check_round_trip(day_zone_names);
    check_round_trip(pass_charge_names);
    check_round_trip(group_conflict_names);
  }

  TEST_CASE("names are exact: no trimming, no other case, no prefix") {
    CHECK_FALSE(service_names.parse(" data").has_value());
    CHECK_FALSE(service_names.parse("Data").has_value());
    CHECK_FALSE(service_names.parse("dat").has_value());
    CHECK_FALSE(service_names.parse("").has_value());
  }

  TEST_CASE("a value the table does not name prints as ?") {
    // 5 is one past vas, the last of the five services.
    CHECK(to_string(static_cast<service>(5)) == "?");
  }

  TEST_CASE("choices: ', ' between names, ' or ' before the last, notes in parentheses") {
    CHECK(product_kind_names.choices() == "plan, pack, vas, offer or pass");
    CHECK(comparison_names.choices() == "reaches or exceeds");
    // fee.per takes three of fee_basis's four values: `none` is a product without a fee.
    constexpr auto per =
        fee_basis_names.only({fee_basis::per_cycle, fee_basis::per_order, fee_basis::per_use});
    CHECK(per.choices() == "cycle (recurring), order (one-off) or use");
    CHECK_FALSE(per.parse("none").has_value());
    CHECK(per.parse("order") == fee_basis::per_order);
  }

  TEST_CASE("only: a subset in the order given, names and lookups as the whole table's") {
    constexpr auto lifts =
        threshold_action_names.only({threshold_action::cut_off, threshold_action::cap,
                                     threshold_action::throttle, threshold_action::bar});
    CHECK(lifts.choices() == "cut_off, cap, throttle or bar");
    CHECK(lifts.name(threshold_action::bar) == "bar");
    CHECK(lifts.name(threshold_action::notify) == "?");
    CHECK_FALSE(lifts.parse("notify").has_value());
  }

  TEST_CASE("list: the names alone, for '(one of ...)'") {
    CHECK(service_names.list() == "data, voice, sms, mms, vas");
    CHECK(rounding_names.list() == "half_up, half_even, half_down, down, up, floor, ceiling");
  }
}
