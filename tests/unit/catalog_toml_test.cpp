// Unit tests for the catalog loader (catalog_toml.hpp): what a valid catalog loads as, the
// shipped China Mobile 2012 catalog against the values its comments state, and every error
// path with its exact file:line:column and field.
//
// Every catalog text below starts right after R"( so the first line of the raw string is
// line 1 of the file; columns are 1-based byte offsets within the line (toml++'s).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ratel/catalog.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/error.hpp"
#include "ratel/money.hpp"
#include "ratel/quantity.hpp"
#include "ratel/service.hpp"

using namespace std::chrono_literals;
using ratel::area;
using ratel::dimension;
using ratel::quantity;
using ratel::service;

namespace {

ratel::catalog parse(std::string_view text) {
  return ratel::parse_catalog(text, "name.toml");
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

/// Where the loader must report a bad catalog, and a fragment of what it must say.
struct error_at {
  std::uint32_t line;
  std::uint32_t column;
  std::string_view field;
  std::string_view says;
};

/// Loads `text` and checks the input_error against `want`: position, field, and that
/// what() starts "name.toml:L:C: field: " (no "field: " part when the field is empty).
void check_error(std::string_view text, const error_at& want) {
  try {
    (void)parse(text);
  } catch (const ratel::input_error& e) {
    const std::string what = e.what();  // as text: doctest would print a char* as a pointer
    CAPTURE(what);
    CHECK(e.where().file == "name.toml");
    CHECK(e.where().line == want.line);
    CHECK(e.where().column == want.column);
    CHECK(e.field() == want.field);
    const std::string prefix =
        want.field.empty()
            ? fmt::format("name.toml:{}:{}: ", want.line, want.column)
            : fmt::format("name.toml:{}:{}: {}: ", want.line, want.column, want.field);
    CHECK(what.starts_with(prefix));
    CHECK(contains(e.message(), want.says));
    return;
  }
  FAIL("the catalog loaded, but an input_error was expected at " << want.line << ":" << want.column
                                                                 << " " << want.field);
}

std::int64_t micros(const ratel::money& m) {
  return m.micros();
}

const ratel::currency cny = ratel::currency::parse("CNY");

}  // namespace

TEST_SUITE("catalog_toml") {
  // ---------------------------------------------------------------------------------------
  // A valid catalog: every field read back.

  constexpr std::string_view valid_catalog = R"([catalog]
id = "op-1"
name = "Operator One"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[services]
voice = { increment = "1 min" }
data = { increment = "1 KB" }
sms = { increment = "1 msg" }

[bands]
default = "peak"
off_peak = { from = "23:00", to = "07:00" }
lunch = { from = "12:00", to = "13:30" }

[countries]
US = { zone = "America/New_York" }
HK = { zone = "Asia/Hong_Kong" }
JP = { zone = "Asia/Tokyo" }

[country_groups]
asia = ["JP", "HK", "JP"]

[[rates]]
service = "data"
where = "home"
price = "0.01"
per = "1 KB"

[[rates]]
service = "data"
where = "roaming"
price = "0.05"
per = "1 KB"

[[rates]]
service = "voice"
price = "0.60"
per = "1 h"

[[rates]]
service = "data"
where = "asia"
band = "off_peak"
price = "0.512"
per = "1 MB"

[[rates]]
service = "sms"
where = ["US", "CN"]
price = "0.10"
per = "1 msg"

[[rates]]
service = "voice"
where = "anywhere"
band = "peak"
price = "0.25"
per = "1 min"

[[products]]
id = "plan-20"
name = "Plan 20"
kind = "plan"
code = 20
priority = 500
fee = { amount = "20.00", per = "cycle" }
exclusive_group = "plans"

  [[products.allowances]]
  service = "data"
  quantity = "150 MB"
  where = "home"

  [[products.allowances]]
  service = "voice"
  quantity = "2 h"
  band = "off_peak"

  [[products.rates]]
  service = "data"
  where = "anywhere"
  price = "0.02"
  per = "2 KB"

[[products]]
id = "topup-3"
kind = "pack"
code = 7
priority = 800
fee = { amount = "3", per = "order" }
validity = "rest_of_cycle"
stackable = true

[[products]]
id = "free"
kind = "pack"
code = 0
priority = -1
)";

  TEST_CASE("a valid catalog loads with the values it states") {
    const ratel::catalog c = parse(valid_catalog);

    // [catalog]
    CHECK(c.id == "op-1");
    CHECK(c.name == "Operator One");
    CHECK(c.source_file == "name.toml");
    CHECK(c.home_country == "CN");
    CHECK(c.home_zone == "Asia/Shanghai");
    CHECK(c.money_unit == cny);
    // No [rounding]: D2's default, each line to 0.01 half-up.
    CHECK(c.line_places == 2);
    CHECK(c.line_rounding == ratel::rounding::half_up);

    // [services]: increments are quantities in base units (D1: 1 KB = 1024 B; 1 min = 60 s).
    // toml++ keeps a table's keys sorted, so services come in key order: data, sms, voice.
    REQUIRE(c.services.size() == 3);
    CHECK(c.services[0].svc == service::data);
    CHECK(c.services[0].increment == quantity(1024, dimension::bytes));
    CHECK(c.services[1].svc == service::sms);
    CHECK(c.services[1].increment == quantity(1, dimension::messages));
    CHECK(c.services[2].svc == service::voice);
    CHECK(c.services[2].increment == quantity(60, dimension::seconds));
    REQUIRE(c.find_service(service::voice) != nullptr);
    CHECK(c.find_service(service::voice)->increment == quantity(60, dimension::seconds));
    CHECK(c.find_service(service::mms) == nullptr);  // not in [services]
    CHECK(c.services[2].defined_at.line == 9);

    // [bands]: minutes since local midnight; off_peak wraps midnight (from > to).
    CHECK(c.default_band == "peak");
    REQUIRE(c.bands.size() == 2);
    CHECK(c.bands[0].name == "lunch");  // key order again
    CHECK(c.bands[0].from == 12h);
    CHECK(c.bands[0].to == 13h + 30min);
    CHECK(c.bands[1].name == "off_peak");
    CHECK(c.bands[1].from == 23h);  // D17: off-peak is [23:00, 07:00)
    CHECK(c.bands[1].to == 7h);
    CHECK(c.bands[1].defined_at.line == 15);
    CHECK(c.bands[1].defined_at.column == 1);

    // [countries]: sorted by code, whatever the file order (US, HK, JP -> HK, JP, US).
    REQUIRE(c.countries.size() == 3);
    CHECK(c.countries[0].code == "HK");
    CHECK(c.countries[0].zone == "Asia/Hong_Kong");
    CHECK(c.countries[1].code == "JP");
    CHECK(c.countries[1].zone == "Asia/Tokyo");
    CHECK(c.countries[2].code == "US");
    CHECK(c.countries[2].zone == "America/New_York");
    CHECK(c.countries[2].defined_at.line == 19);

    // [country_groups]: the list is sorted and made unique (JP, HK, JP -> HK, JP).
    REQUIRE(c.groups.size() == 1);
    CHECK(c.groups[0].name == "asia");
    CHECK(c.groups[0].countries == std::vector<std::string>{"HK", "JP"});

    // Base rates, in file order.
    REQUIRE(c.rates.size() == 6);
    {
      const ratel::rate& r = c.rates[0];
      CHECK(r.svc == service::data);
      CHECK(r.band.empty());  // no band: any band
      CHECK(r.where.scope == area::kind::home);
      CHECK(micros(r.price) == 10'000);  // 0.01
      CHECK(r.per == quantity(1024, dimension::bytes));
      // 0.01 per 1 KB with a 1 KB increment: 0.01 per increment.
      CHECK(micros(r.price_per_increment) == 10'000);
      CHECK(r.price.unit() == cny);
      CHECK(r.defined_at.line == 26);
      CHECK(r.defined_at.column == 1);
    }
    CHECK(c.rates[1].where.scope == area::kind::roaming);
    CHECK(micros(c.rates[1].price_per_increment) == 50'000);  // 0.05 per KB
    {
      const ratel::rate& r = c.rates[2];
      CHECK(r.svc == service::voice);
      CHECK(r.where.scope == area::kind::anywhere);  // no `where`: anywhere
      CHECK(r.per == quantity(3600, dimension::seconds));
      // 0.60 per hour, 1 min increment: 0.60 x 60 / 3600 = 0.01 per minute.
      CHECK(micros(r.price_per_increment) == 10'000);
    }
    {
      const ratel::rate& r = c.rates[3];
      CHECK(r.band == "off_peak");
      CHECK(r.where.scope == area::kind::countries);
      CHECK(r.where.group == "asia");  // written as a group: keeps the name
      CHECK(r.where.countries == std::vector<std::string>{"HK", "JP"});
      CHECK(r.where.describe() == "asia");
      CHECK(r.per == quantity(1024 * 1024, dimension::bytes));
      // 0.512 per MB = 0.512 / 1024 per KB = 0.0005 (F3:L1018's own equivalence).
      CHECK(micros(r.price_per_increment) == 500);
    }
    {
      const ratel::rate& r = c.rates[4];
      CHECK(r.svc == service::sms);
      CHECK(r.where.scope == area::kind::countries);
      CHECK(r.where.group.empty());                                      // written as a list
      CHECK(r.where.countries == std::vector<std::string>{"CN", "US"});  // sorted
      CHECK(r.where.describe() == "[CN, US]");
      CHECK(micros(r.price_per_increment) == 100'000);  // 0.10 per message
    }
    {
      // `where = "anywhere"` written out; the default band may be named explicitly.
      const ratel::rate& r = c.rates[5];
      CHECK(r.where.scope == area::kind::anywhere);
      CHECK(r.band == "peak");
      CHECK(micros(r.price_per_increment) == 250'000);
    }

    // Products, in file order.
    REQUIRE(c.products.size() == 3);
    {
      const ratel::product& p = c.products[0];
      CHECK(p.id == "plan-20");
      CHECK(p.name == "Plan 20");
      CHECK(p.kind == ratel::product_kind::plan);
      CHECK(p.code == 20);
      CHECK(p.priority == 500);
      CHECK(p.fee_charged == ratel::fee_basis::per_cycle);
      CHECK(micros(p.fee) == 20'000'000);               // 20.00
      CHECK(p.lasts == ratel::validity::subscription);  // default validity
      CHECK_FALSE(p.stackable);
      CHECK(p.exclusive_group == "plans");
      CHECK(p.defined_at.line == 63);
      REQUIRE(p.allowances.size() == 2);
      CHECK(p.allowances[0].svc == service::data);
      // D1: 150 MB = 150 x 1024 x 1024 B.
      CHECK(p.allowances[0].amount == quantity(157'286'400, dimension::bytes));
      CHECK(p.allowances[0].where.scope == area::kind::home);
      CHECK(p.allowances[0].band.empty());
      CHECK(p.allowances[0].defined_at.line == 72);
      CHECK(p.allowances[1].svc == service::voice);
      CHECK(p.allowances[1].amount == quantity(7200, dimension::seconds));  // 2 h
      CHECK(p.allowances[1].band == "off_peak");
      CHECK(p.allowances[1].where.scope == area::kind::anywhere);
      REQUIRE(p.rates.size() == 1);
      CHECK(p.rates[0].per == quantity(2048, dimension::bytes));
      // 0.02 per 2 KB with a 1 KB increment: 0.01 per increment.
      CHECK(micros(p.rates[0].price_per_increment) == 10'000);
    }
    {
      const ratel::product& p = c.products[1];
      CHECK(p.id == "topup-3");
      CHECK(p.name == "topup-3");  // no name: the id
      CHECK(p.kind == ratel::product_kind::pack);
      CHECK(p.code == 7);
      CHECK(p.priority == 800);
      CHECK(p.fee_charged == ratel::fee_basis::per_order);
      CHECK(micros(p.fee) == 3'000'000);  // "3" is 3.00
      CHECK(p.lasts == ratel::validity::rest_of_cycle);
      CHECK(p.stackable);
      CHECK(p.exclusive_group.empty());
      CHECK(p.allowances.empty());
      CHECK(p.rates.empty());
    }
    {
      const ratel::product& p = c.products[2];
      CHECK(p.fee_charged == ratel::fee_basis::none);  // no fee table
      CHECK(p.fee.is_zero());
      CHECK(p.fee.unit() == cny);
      CHECK(p.code == 0);       // zero is a code
      CHECK(p.priority == -1);  // priorities may be negative: only the order matters (D13)
    }
    CHECK(c.find_product("topup-3") == &c.products[1]);
    CHECK(c.find_product("nope") == nullptr);
  }

  TEST_CASE("explicit line rounding, catalog name defaulting to its id, a vas service") {
    const ratel::catalog c = parse(R"([catalog]
id = "x"
home_country = "GB"
zone = "Europe/London"
currency = "GBP"
cycle = "calendar_month"

[rounding]
line = { places = 0, mode = "half_even" }

[services]
vas = { increment = "1 use" }
)");
    CHECK(c.name == "x");  // no name: the id
    CHECK(c.money_unit == ratel::currency::parse("GBP"));
    CHECK(c.line_places == 0);
    CHECK(c.line_rounding == ratel::rounding::half_even);
    REQUIRE(c.services.size() == 1);
    CHECK(c.services[0].increment == quantity(1, dimension::uses));
    // No [bands]: no named band, and no default name either.
    CHECK(c.bands.empty());
    CHECK(c.default_band.empty());
    CHECK(c.products.empty());
    CHECK(c.rates.empty());
  }

  TEST_CASE("a band may end at 24:00 and one may cover the whole day") {
    const ratel::catalog c = parse(R"([catalog]
id = "x"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[bands]
default = "day"
night = { from = "22:00", to = "24:00" }
early = { from = "00:00", to = "06:00" }
)");
    REQUIRE(c.bands.size() == 2);
    CHECK(c.bands[0].name == "early");
    CHECK(c.bands[1].name == "night");
    CHECK(c.bands[1].to == 24h);  // the end of the day, not 00:00 (which would mean from > to)
  }

  TEST_CASE("a large price per large increment is checked for exactness without overflow") {
    // 10000.00 per 1 GB with a 1 GB increment: 10000.00 per increment. The intermediate
    // price x increment is 10^10 micro-units x 2^30 B = 1.07e19, beyond int64 (9.22e18); the
    // exactness check must not form it in 64 bits.
    const ratel::catalog c = parse(
        R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 GB" } }
[[rates]]
service = "data"
price = "10000.00"
per = "1 GB"
)");
    REQUIRE(c.rates.size() == 1);
    CHECK(micros(c.rates[0].price_per_increment) == 10'000'000'000);
  }

  // ---------------------------------------------------------------------------------------
  // The shipped catalog, against the values its comments give.

  TEST_CASE("tariffs/cmcc-2012.toml loads with the values of its comments") {
    const ratel::catalog c = ratel::load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    CHECK(c.id == "cmcc-2012");
    CHECK(c.name == "China Mobile 2012");
    CHECK(c.home_country == "CN");
    CHECK(c.home_zone == "Asia/Shanghai");  // D3
    CHECK(c.money_unit == cny);
    CHECK(c.line_places == 2);  // D2
    CHECK(c.line_rounding == ratel::rounding::half_up);

    // D1: data per whole KB, voice per started minute, messages one by one.
    REQUIRE(c.find_service(service::data) != nullptr);
    CHECK(c.find_service(service::data)->increment == quantity(1024, dimension::bytes));
    REQUIRE(c.find_service(service::voice) != nullptr);
    CHECK(c.find_service(service::voice)->increment == quantity(60, dimension::seconds));
    REQUIRE(c.find_service(service::sms) != nullptr);
    CHECK(c.find_service(service::sms)->increment == quantity(1, dimension::messages));
    REQUIRE(c.find_service(service::mms) != nullptr);
    CHECK(c.find_service(service::mms)->increment == quantity(1, dimension::messages));
    REQUIRE(c.find_service(service::vas) != nullptr);  // value-added services count uses
    CHECK(c.find_service(service::vas)->increment == quantity(1, dimension::uses));

    // D17: off-peak is [23:00, 07:00); everything else is peak.
    CHECK(c.default_band == "peak");
    REQUIRE(c.bands.size() == 1);
    CHECK(c.bands[0].name == "off_peak");
    CHECK(c.bands[0].from == 23h);
    CHECK(c.bands[0].to == 7h);

    // The 16 countries of [countries], sorted by code, with their zones.
    struct listed {
      std::string_view code;
      std::string_view zone;
    };
    const std::vector<listed> want{
        {"AU", "Australia/Sydney"}, {"CA", "America/Toronto"},   {"DE", "Europe/Berlin"},
        {"FR", "Europe/Paris"},     {"GB", "Europe/London"},     {"HK", "Asia/Hong_Kong"},
        {"ID", "Asia/Jakarta"},     {"JP", "Asia/Tokyo"},        {"KR", "Asia/Seoul"},
        {"MO", "Asia/Macau"},       {"MY", "Asia/Kuala_Lumpur"}, {"PH", "Asia/Manila"},
        {"SG", "Asia/Singapore"},   {"TH", "Asia/Bangkok"},      {"TW", "Asia/Taipei"},
        {"US", "America/New_York"},
    };
    REQUIRE(c.countries.size() == 16);
    for (std::size_t i = 0; i < want.size(); ++i) {
      CAPTURE(i);
      CHECK(c.countries[i].code == want[i].code);
      CHECK(c.countries[i].zone == want[i].zone);
    }
    // The 11 countries of the multi-day passes (illustrative list; R-ROAM-08 says 11).
    REQUIRE(c.groups.size() == 1);
    CHECK(c.groups[0].name == "pass-11");
    CHECK(c.groups[0].countries.size() == 11);

    // Base rates.
    auto base_rate = [&](service s, area::kind where) -> const ratel::rate* {
      for (const ratel::rate& r : c.rates)
        if (r.svc == s && r.where.scope == where && r.band.empty()) return &r;
      return nullptr;
    };
    REQUIRE(c.rates.size() == 5);
    // R-DATA-01: home data 0.01 per KB.
    REQUIRE(base_rate(service::data, area::kind::home) != nullptr);
    CHECK(micros(base_rate(service::data, area::kind::home)->price_per_increment) == 10'000);
    // Roaming data outside any pass: 0.05 per KB.
    REQUIRE(base_rate(service::data, area::kind::roaming) != nullptr);
    CHECK(micros(base_rate(service::data, area::kind::roaming)->price_per_increment) == 50'000);
    // Voice 0.19 per started minute, anywhere.
    REQUIRE(base_rate(service::voice, area::kind::anywhere) != nullptr);
    CHECK(micros(base_rate(service::voice, area::kind::anywhere)->price_per_increment) == 190'000);
    // R-OTH-05: MMS 0.30 each; SMS 0.10 each.
    REQUIRE(base_rate(service::mms, area::kind::anywhere) != nullptr);
    CHECK(micros(base_rate(service::mms, area::kind::anywhere)->price_per_increment) == 300'000);
    REQUIRE(base_rate(service::sms, area::kind::anywhere) != nullptr);
    CHECK(micros(base_rate(service::sms, area::kind::anywhere)->price_per_increment) == 100'000);

    REQUIRE(c.products.size() == 10);
    {
      // D6, R-DATA-09: GPRS 20, 20.00 a cycle, 150 MB of home data, priority 500.
      const ratel::product* p = c.find_product("gprs-20");
      REQUIRE(p != nullptr);
      CHECK(p->kind == ratel::product_kind::plan);
      CHECK(p->code == 2020);
      CHECK(p->priority == 500);
      CHECK(p->fee_charged == ratel::fee_basis::per_cycle);
      CHECK(micros(p->fee) == 20'000'000);
      CHECK(p->lasts == ratel::validity::subscription);
      CHECK_FALSE(p->stackable);
      REQUIRE(p->allowances.size() == 1);
      CHECK(p->allowances[0].svc == service::data);
      CHECK(p->allowances[0].amount ==
            quantity(157'286'400, dimension::bytes));  // 150 x 1024 x 1024
      CHECK(p->allowances[0].where.scope == area::kind::home);
      REQUIRE(p->rates.size() == 2);
      // D6: beyond the allowance 0.01 per KB.
      CHECK(p->rates[0].band.empty());
      CHECK(micros(p->rates[0].price_per_increment) == 10'000);
      // Off-peak data 0.005 per KB.
      CHECK(p->rates[1].band == "off_peak");
      CHECK(micros(p->rates[1].price_per_increment) == 5'000);
      // D4: fee by actual days to 0.01 half-up; allowance x 12/365 x days, down to whole KB.
      CHECK(p->proration.fee == ratel::proration_strategy::actual_days);
      CHECK(p->proration.fee_places == 2);
      CHECK(p->proration.fee_rounding == ratel::rounding::half_up);
      CHECK(p->proration.allowance == ratel::proration_strategy::days_12_365);
      CHECK(p->proration.allowance_rounding == ratel::rounding::down);
      // D5: one of the gprs-plans group; cancellation at the next cycle start.
      CHECK(p->exclusive_group == "gprs-plans");
      CHECK(p->ends == ratel::unsubscribe_rule::next_cycle);
    }
    {
      // Issue 4 (illustrative): GPRS 50, 50.00, 500 MB, code 2050, GPRS 20's group.
      const ratel::product* p = c.find_product("gprs-50");
      REQUIRE(p != nullptr);
      CHECK(p->code == 2050);
      CHECK(micros(p->fee) == 50'000'000);
      CHECK(p->allowances[0].amount == quantity(500 * 1024 * 1024, dimension::bytes));
      CHECK(p->exclusive_group == "gprs-plans");
      CHECK(p->proration.allowance == ratel::proration_strategy::days_12_365);
    }
    {
      // D15: monthly 5.00 with 72 hours free on the first order in a month; by day after.
      const ratel::product* p = c.find_product("vas-news");
      REQUIRE(p != nullptr);
      CHECK(p->kind == ratel::product_kind::vas);
      CHECK(micros(p->fee) == 5'000'000);
      CHECK(p->free_window == quantity(72 * 3600, dimension::seconds));
      CHECK(p->proration.fee == ratel::proration_strategy::actual_days);
      CHECK(p->ends == ratel::unsubscribe_rule::immediately);
    }
    {
      // D15: per use 2.00: its fee becomes its rate for vas records that name it.
      const ratel::product* p = c.find_product("vas-game");
      REQUIRE(p != nullptr);
      CHECK(p->fee_charged == ratel::fee_basis::per_use);
      REQUIRE(p->rates.size() == 1);
      CHECK(p->rates[0].svc == service::vas);
      CHECK(micros(p->rates[0].price_per_increment) == 2'000'000);
    }
    {
      // R-VAS-02: a trial charged only after confirm.
      const ratel::product* p = c.find_product("vas-music");
      REQUIRE(p != nullptr);
      CHECK(p->requires_confirm);
    }
    {
      // D10: 88.00 per Beijing day with roaming data; ends at the next 00:00; D12: one
      // exclusive group with the multi-day passes, a second pass refused.
      const ratel::product* p = c.find_product("intl-daypass");
      REQUIRE(p != nullptr);
      REQUIRE(p->pass.has_value());
      CHECK(p->pass->days == ratel::day_zone::home);
      CHECK(p->pass->charge == ratel::pass_charge::per_day);
      CHECK(micros(p->pass->prices[0].price) == 88'000'000);
      CHECK(p->ends == ratel::unsubscribe_rule::next_day);
      CHECK(p->on_conflict == ratel::group_conflict::refuse);
    }
    {
      // D12: 3 Beijing days, once per country with use, not sold for JP, PH, ID.
      const ratel::product* p = c.find_product("intl-pass-3d");
      REQUIRE(p != nullptr);
      CHECK(p->pass->validity_days == 3);
      CHECK(p->pass->charge == ratel::pass_charge::per_country);
      CHECK(p->pass->not_sold_for == std::vector<std::string>{"ID", "JP", "PH"});
      CHECK(p->pass->covers.group == "pass-11");
    }
    {
      // A 5.00 monthly pack of 30 MB, code 1995.
      const ratel::product* p = c.find_product("data-pack-5");
      REQUIRE(p != nullptr);
      CHECK(p->kind == ratel::product_kind::pack);
      CHECK(p->code == 1995);
      CHECK(p->priority == 500);
      CHECK(p->fee_charged == ratel::fee_basis::per_cycle);
      CHECK(micros(p->fee) == 5'000'000);
      REQUIRE(p->allowances.size() == 1);
      CHECK(p->allowances[0].amount == quantity(30 * 1024 * 1024, dimension::bytes));  // 31457280
      CHECK(p->rates.empty());
    }
    {
      // R-DATA-09: 3.00 per order for 10 MB, to the end of the cycle, stacking (R-PRI-04),
      // drawn before the monthly allowances (priority 800 > 500, D13).
      const ratel::product* p = c.find_product("data-topup-3");
      REQUIRE(p != nullptr);
      CHECK(p->kind == ratel::product_kind::pack);
      CHECK(p->code == 3003);
      CHECK(p->priority == 800);
      CHECK(p->fee_charged == ratel::fee_basis::per_order);
      CHECK(micros(p->fee) == 3'000'000);
      CHECK(p->lasts == ratel::validity::rest_of_cycle);
      CHECK(p->stackable);
      REQUIRE(p->allowances.size() == 1);
      CHECK(p->allowances[0].amount == quantity(10 * 1024 * 1024, dimension::bytes));  // 10485760
    }
  }

  TEST_CASE("load_catalog of a missing file is an input_error naming the file") {
    try {
      (void)ratel::load_catalog(RATEL_SOURCE_DIR "/tariffs/no-such-catalog.toml");
      FAIL("loaded a file that does not exist");
    } catch (const ratel::input_error& e) {
      CHECK(contains(e.where().file, "no-such-catalog.toml"));
      CHECK(e.where().line == 0);  // no line: the file could not be read at all
      CHECK(contains(e.what(), "cannot open"));
    }
  }

  // ---------------------------------------------------------------------------------------
  // Errors of the file and of [catalog].

  TEST_CASE("TOML syntax error: at the parser's position, with no field") {
    // The string on line 2 is not closed: toml++ stops at the end of the line (column 8).
    check_error(R"([catalog]
id = "t
home_country = "CN"
)",
                {2, 8, "", "TOML syntax: "});
  }

  TEST_CASE("missing catalog table: at the start of the file") {
    check_error(R"([services]
data = { increment = "1 KB" }
)",
                {1, 1, "catalog", "missing (required)"});
  }

  TEST_CASE("catalog that is not a table") {
    check_error(R"(catalog = "cmcc"
)",
                {1, 11, "catalog", "expected a table"});
  }

  TEST_CASE("missing required fields of the catalog table: at its header") {
    SUBCASE("id") {
      check_error(R"([catalog]
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
)",
                  {1, 1, "catalog.id", "missing (required)"});
    }
    SUBCASE("home_country") {
      check_error(R"([catalog]
id = "t"
zone = "Asia/Shanghai"
currency = "CNY"
)",
                  {1, 1, "catalog.home_country", "missing (required)"});
    }
    SUBCASE("zone") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
currency = "CNY"
)",
                  {1, 1, "catalog.zone", "missing (required)"});
    }
    SUBCASE("currency") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
)",
                  {1, 1, "catalog.currency", "missing (required)"});
    }
  }

  TEST_CASE("bad values in the catalog table: at the value") {
    SUBCASE("id with a space") {
      check_error(R"([catalog]
id = "cmcc 2012"
)",
                  {2, 6, "catalog.id", "letters, digits"});
    }
    SUBCASE("id not a string") {
      check_error(R"([catalog]
id = 2012
)",
                  {2, 6, "catalog.id", "expected a string, found an integer"});
    }
    SUBCASE("home_country in lower case") {
      check_error(R"([catalog]
id = "t"
home_country = "cn"
zone = "Asia/Shanghai"
currency = "CNY"
)",
                  {3, 16, "catalog.home_country", "\"cn\" is not an ISO 3166-1 alpha-2 code"});
    }
    SUBCASE("home_country of three letters") {
      check_error(R"([catalog]
id = "t"
home_country = "CHN"
zone = "Asia/Shanghai"
currency = "CNY"
)",
                  {3, 16, "catalog.home_country", "\"CHN\" is not an ISO 3166-1 alpha-2 code"});
    }
    SUBCASE("unknown zone") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Beijing"
currency = "CNY"
)",
                  {4, 8, "catalog.zone", "\"Asia/Beijing\" is not an IANA time zone"});
    }
    SUBCASE("bad currency") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "yuan"
)",
                  {5, 12, "catalog.currency", "yuan"});
    }
    SUBCASE("unknown cycle kind") {
      check_error(
          R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
cycle = "weekly"
)",
          {6, 9, "catalog.cycle", "\"weekly\" is not a cycle kind (supported: calendar_month)"});
    }
  }

  TEST_CASE("bad rounding") {
    SUBCASE("places above money's 6 decimals") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[rounding]
line = { places = 7, mode = "half_up" }
)",
                  {7, 19, "rounding.line.places", "7 is not in 0..6"});
    }
    SUBCASE("negative places") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[rounding]
line = { places = -1, mode = "half_up" }
)",
                  {7, 19, "rounding.line.places", "-1 is not in 0..6"});
    }
    SUBCASE("unknown mode") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[rounding]
line = { places = 2, mode = "nearest" }
)",
                  {7, 29, "rounding.line.mode", "\"nearest\" is not a rounding mode"});
    }
    SUBCASE("missing mode: at the inline table") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[rounding]
line = { places = 2 }
)",
                  {7, 8, "rounding.line.mode", "missing (required)"});
    }
  }

  // ---------------------------------------------------------------------------------------
  // [services]

  TEST_CASE("bad services") {
    SUBCASE("unknown service key: at the key") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 KB" }
fax = { increment = "1 msg" }
)",
                  {8, 1, "services.fax", "not a service (data, voice, sms, mms, vas)"});
    }
    SUBCASE("increment of the wrong dimension") {
      check_error(
          R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 min" }
)",
          {7, 22, "services.data.increment", "must be a positive quantity of bytes for data"});
    }
    SUBCASE("zero increment") {
      check_error(
          R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
voice = { increment = "0 s" }
)",
          {7, 23, "services.voice.increment", "must be a positive quantity of seconds for voice"});
    }
    SUBCASE("increment that is not a quantity") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1.5 KB" }
)",
                  {7, 22, "services.data.increment", ""});
    }
    SUBCASE("missing increment: at the service's table") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
sms = { }
)",
                  {7, 7, "services.sms.increment", "missing (required)"});
    }
  }

  // ---------------------------------------------------------------------------------------
  // [bands]

  TEST_CASE("bad bands") {
    SUBCASE("missing default: at the [bands] header") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
off_peak = { from = "23:00", to = "07:00" }
)",
                  {6, 1, "bands.default", "missing (required)"});
    }
    SUBCASE("an empty band (from == to): at `to`") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = { from = "23:00", to = "23:00" }
)",
                  {8, 35, "bands.off_peak.to", "a band must not be empty (from == to)"});
    }
    SUBCASE("overlapping bands: at the later band's key, naming the earlier and the minute") {
      // Bands are checked in key order (toml++ sorts keys): "morning" owns 05:00-08:59, then
      // "night" runs 22:00 -> 06:00 across midnight and first collides at 05:00.
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
night = { from = "22:00", to = "06:00" }
morning = { from = "05:00", to = "09:00" }
)",
                  {8, 1, "bands.night", "overlaps band \"morning\" at 05:00"});
    }
    SUBCASE("bands touching end to start do not overlap ([from, to) is half-open)") {
      const ratel::catalog c = parse(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
night = { from = "23:00", to = "07:00" }
morning = { from = "07:00", to = "09:00" }
evening = { from = "18:00", to = "23:00" }
)");
      CHECK(c.bands.size() == 3);
    }
    SUBCASE("a band named like the default: at its key") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
peak = { from = "08:00", to = "18:00" }
)",
                  {8, 1, "bands.peak", "is the default band"});
    }
    SUBCASE("from not HH:MM") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = { from = "7:00", to = "23:00" }
)",
                  {8, 21, "bands.off_peak.from", "\"7:00\" is not HH:MM"});
    }
    SUBCASE("to at minute 60") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = { from = "23:00", to = "06:60" }
)",
                  {8, 35, "bands.off_peak.to", "\"06:60\" is not HH:MM"});
    }
    SUBCASE("24:30 is past the end of the day") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = { from = "23:00", to = "24:30" }
)",
                  {8, 35, "bands.off_peak.to", "\"24:30\" is not HH:MM"});
    }
    SUBCASE("24:00 ends a day; it cannot start a band") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = { from = "24:00", to = "07:00" }
)",
                  {8, 21, "bands.off_peak.from", "24:00"});
    }
    SUBCASE("a band that is not a table") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = "23:00-07:00"
)",
                  {8, 12, "bands.off_peak", "expected a table"});
    }
  }

  TEST_CASE("more than 255 named bands are refused (a band_id is 8 bits)") {
    std::string text = R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "rest"
)";
    // 256 one-minute bands b000..b255 from 00:00; with the default that is 257 band ids.
    for (int i = 0; i < 256; ++i)
      text += fmt::format("b{:03} = {{ from = \"{:02}:{:02}\", to = \"{:02}:{:02}\" }}\n", i,
                          i / 60, i % 60, (i + 1) / 60, (i + 1) % 60);
    // Line 6 is [bands]: the error is about the table as a whole.
    check_error(text, {6, 1, "bands", "at most 255 named bands"});
    // 255 bands still load.
    std::string fits = text.substr(0, text.rfind("b255"));
    CHECK(parse(fits).bands.size() == 255);
  }

  // ---------------------------------------------------------------------------------------
  // [countries] and [country_groups]

  TEST_CASE("bad countries") {
    SUBCASE("code in lower case: at the key") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong" }
jp = { zone = "Asia/Tokyo" }
)",
                  {8, 1, "countries.jp", "not an ISO 3166-1 alpha-2 code"});
    }
    SUBCASE("code of three letters") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
USA = { zone = "America/New_York" }
)",
                  {7, 1, "countries.USA", "not an ISO 3166-1 alpha-2 code"});
    }
    SUBCASE("unknown zone: at the zone") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/HongKong" }
)",
                  {7, 15, "countries.HK.zone", "\"Asia/HongKong\" is not an IANA time zone"});
    }
    SUBCASE("missing zone: at the country's table") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = {}
)",
                  {7, 6, "countries.HK.zone", "missing (required)"});
    }
  }

  TEST_CASE("bad country_groups") {
    SUBCASE("a group named home: at the key") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong" }
[country_groups]
home = ["HK"]
)",
                  {9, 1, "country_groups.home", "is a reserved word of `where`"});
    }
    SUBCASE("a group named roaming") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong" }
[country_groups]
roaming = ["HK"]
)",
                  {9, 1, "country_groups.roaming", "is a reserved word of `where`"});
    }
    SUBCASE("a group named anywhere") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong" }
[country_groups]
anywhere = ["HK"]
)",
                  {9, 1, "country_groups.anywhere", "is a reserved word of `where`"});
    }
    SUBCASE("a country not in [countries]: at the element") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong" }
[country_groups]
asia = ["HK", "JP"]
)",
                  {9, 15, "country_groups.asia[1]",
                   "\"JP\" is not the home country or a country of [countries]"});
    }
    SUBCASE("the home country may be in a group") {
      const ratel::catalog c = parse(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong" }
[country_groups]
greater_china = ["HK", "CN"]
)");
      REQUIRE(c.groups.size() == 1);
      CHECK(c.groups[0].countries == std::vector<std::string>{"CN", "HK"});
    }
    SUBCASE("an empty group: at the list") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[country_groups]
asia = []
)",
                  {7, 8, "country_groups.asia", "an empty list covers nothing"});
    }
    SUBCASE("a group that is not a list") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[country_groups]
asia = "HK"
)",
                  {7, 8, "country_groups.asia", "expected a list of country codes"});
    }
  }

  // ---------------------------------------------------------------------------------------
  // Rates. Lines 1-4 of each catalog here are the same valid header, written inline so that
  // the rate under test starts at line 5:
  //   1 catalog, 2 services (data 1 KB, voice 1 min, sms 1 msg; no mms), 3 bands (peak,
  //   off_peak), 4 countries (HK, JP, US).

  TEST_CASE("bad rates") {
    SUBCASE("`where` naming an unknown group: at the value") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
where = "europe"
price = "0.01"
per = "1 KB"
)",
          {7, 9, "rates[0].where", "\"europe\" is not anywhere, home, roaming"});
    }
    SUBCASE("`where` as an empty list") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
where = []
price = "0.01"
per = "1 KB"
)",
          {7, 9, "rates[0].where", "an empty list covers nothing"});
    }
    SUBCASE("`where` listing an unlisted country: at the element") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
where = ["HK", "FR"]
price = "0.01"
per = "1 KB"
)",
          {7, 16, "rates[0].where[1]", "\"FR\" is not the home country"});
    }
    SUBCASE("unknown band: at the value") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
band = "night"
price = "0.01"
per = "1 KB"
)",
          {7, 8, "rates[0].band", "\"night\" is not a band of [bands] (nor its default)"});
    }
    SUBCASE("a service with no increment in [services]: at the service") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "mms"
price = "0.30"
per = "1 msg"
)",
          {6, 11, "rates[0].service", "mms has no rating increment: add it to [services]"});
    }
    SUBCASE("not a service") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "fax"
price = "0.30"
per = "1 msg"
)",
          {6, 11, "rates[0].service", "\"fax\" is not a service"});
    }
    SUBCASE("missing service: at the [[rates]] header") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
price = "0.30"
per = "1 msg"
)",
          {5, 1, "rates[0].service", "missing (required)"});
    }
    SUBCASE("missing price") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "sms"
per = "1 msg"
)",
          {5, 1, "rates[0].price", "missing (required)"});
    }
    SUBCASE("missing per") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "sms"
price = "0.10"
)",
          {5, 1, "rates[0].per", "missing (required)"});
    }
    SUBCASE("money as a TOML float") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = 0.01
per = "1 KB"
)",
          {7, 9, "rates[0].price", "write money as a string"});
    }
    SUBCASE("money as a TOML integer") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "sms"
price = 1
per = "1 msg"
)",
          {7, 9, "rates[0].price", "write money as a string"});
    }
    SUBCASE("more than 6 decimals") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = "0.0000001"
per = "1 KB"
)",
          {7, 9, "rates[0].price", "has 7 decimals"});
    }
    SUBCASE("money that is not a number") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = "one cent"
per = "1 KB"
)",
          {7, 9, "rates[0].price", ""});
    }
    SUBCASE("negative price") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = "-0.01"
per = "1 KB"
)",
          {7, 9, "rates[0].price", "a price cannot be negative"});
    }
    SUBCASE("`per` of the wrong dimension") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = "0.01"
per = "1 min"
)",
          {8, 7, "rates[0].per", "must be a positive quantity of bytes for data"});
    }
    SUBCASE("`per` of zero") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "sms"
price = "0.10"
per = "0 msg"
)",
          {8, 7, "rates[0].per", "must be a positive quantity of messages for sms"});
    }
    SUBCASE("inexact price per increment: 0.000001 per MB is 1/1024 micro-unit per KB") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = "0.000001"
per = "1 MB"
)",
          {8, 7, "rates[0].per",
           "0.000001 per 1 MB is not a whole number of micro-units per rating increment of 1 KB"});
    }
    SUBCASE("a price per increment too large for money: an input_error, not a money_error") {
      // 9000000.00 per 1 B with a 1 KB increment is 9.216e9 per KB = 9.216e15 micro-units,
      // which fits; per 1 B with a 1 GB increment would be 9.66e21 micro-units, which does not.
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 GB" } }
[[rates]]
service = "data"
price = "9000000.00"
per = "1 B"
)",
          {6, 7, "rates[0].per", "too large"});
    }
  }

  TEST_CASE("ambiguous rates") {
    SUBCASE("same service, band and area: at the later rate, naming the earlier one's line") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "voice"
where = "roaming"
price = "0.19"
per = "1 min"

[[rates]]
service = "voice"
where = "roaming"
price = "0.20"
per = "1 min"
)",
          {11, 1, "rates", "this voice rate (band any, where roaming) overlaps the one at line 5"});
    }
    SUBCASE("overlapping country lists of equal specificity (a list and a group share JP)") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
country_groups = { far = ["JP", "US"] }
[[rates]]
service = "data"
band = "off_peak"
where = ["HK", "JP"]
price = "0.01"
per = "1 KB"

[[rates]]
service = "data"
band = "off_peak"
where = "far"
price = "0.02"
per = "1 KB"
)",
          {13, 1, "rates", "this data rate (band off_peak, where far) overlaps the one at line 6"});
    }
    SUBCASE("in a product: the field names the product's rates") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
  [[products.rates]]
  service = "data"
  price = "0.01"
  per = "1 KB"
  [[products.rates]]
  service = "data"
  price = "0.02"
  per = "1 KB"
)",
          {14, 3, "products[0].rates",
           "this data rate (band any, where anywhere) overlaps the one at line 10"});
    }
    SUBCASE("not ambiguous: disjoint lists, home vs roaming, different specificities or bands") {
      const ratel::catalog c = parse(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
rates = [
  { service = "data", where = ["HK"], price = "0.03", per = "1 KB" },
  { service = "data", where = ["JP", "US"], price = "0.04", per = "1 KB" },
  { service = "data", where = "home", price = "0.01", per = "1 KB" },
  { service = "data", where = "roaming", price = "0.05", per = "1 KB" },
  { service = "data", price = "0.06", per = "1 KB" },
  { service = "data", band = "off_peak", price = "0.005", per = "1 KB" },
  { service = "data", band = "peak", price = "0.007", per = "1 KB" },
  { service = "voice", price = "0.19", per = "1 min" },
]
)");
      // Every pair differs in service, band, specificity, or covers disjoint countries.
      CHECK(c.rates.size() == 8);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Products. Lines 1-4 are the inline header described above the rate tests.

  TEST_CASE("bad products") {
    SUBCASE("allowance not a whole number of increments (90 s with a 1 min increment)") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
  [[products.allowances]]
  service = "voice"
  quantity = "90 s"
)",
          {12, 14, "products[0].allowances[0].quantity",
           "90 s is not a whole number of the voice increment 1 min"});
    }
    SUBCASE("allowance of the wrong dimension") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
allowances = [{ service = "sms", quantity = "100 KB" }]
)",
          {10, 45, "products[0].allowances[0].quantity", "must be a quantity of messages for sms"});
    }
    SUBCASE("missing id: at the [[products]] header") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
kind = "plan"
code = 1
priority = 1
)",
          {5, 1, "products[0].id", "missing (required)"});
    }
    SUBCASE("missing priority") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
)",
          {5, 1, "products[0].priority", "missing (required)"});
    }
    SUBCASE("duplicate product id: at the second id") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
[[products]]
id = "p"
kind = "pack"
code = 2
priority = 2
)",
          {11, 6, "products[1].id", "\"p\" is defined twice"});
    }
    SUBCASE("product id equal to the catalog id") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "t"
kind = "plan"
code = 1
priority = 1
)",
          {6, 6, "products[0].id", "is the catalog's id"});
    }
    SUBCASE("bad kind") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "bundle"
code = 1
priority = 1
)",
          {7, 8, "products[0].kind", "\"bundle\" is not plan, pack, vas, offer or pass"});
    }
    SUBCASE("negative code") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = -1
priority = 1
)",
          {8, 8, "products[0].code", "must not be negative"});
    }
    SUBCASE("code written as a string") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = "2020"
priority = 1
)",
          {8, 8, "products[0].code", "expected an integer, found a string"});
    }
    SUBCASE("fee per month (only cycle or order)") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
fee = { amount = "20.00", per = "month" }
)",
          {10, 33, "products[0].fee.per",
           "\"month\" is not cycle (recurring), order (one-off) or use"});
    }
    SUBCASE("fee amount as a float") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
fee = { amount = 20.0, per = "cycle" }
)",
          {10, 18, "products[0].fee.amount", "write money as a string"});
    }
    SUBCASE("negative fee") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
fee = { amount = "-20.00", per = "cycle" }
)",
          {10, 18, "products[0].fee.amount", "must not be negative"});
    }
    SUBCASE("fee without per: at the fee table") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
fee = { amount = "20.00" }
)",
          {10, 7, "products[0].fee.per", "missing (required)"});
    }
    SUBCASE("one-off fee without validity: at the product (validity is absent)") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "pack"
code = 1
priority = 1
fee = { amount = "3.00", per = "order" }
)",
          {5, 1, "products[0].validity",
           "a one-off product (fee per order) needs validity = \"rest_of_cycle\""});
    }
    SUBCASE("one-off fee with validity subscription: at the validity") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "pack"
code = 1
priority = 1
fee = { amount = "3.00", per = "order" }
validity = "subscription"
)",
          {11, 12, "products[0].validity",
           "a one-off product (fee per order) needs validity = \"rest_of_cycle\""});
    }
    SUBCASE("recurring fee with validity rest_of_cycle") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "pack"
code = 1
priority = 1
fee = { amount = "5.00", per = "cycle" }
validity = "rest_of_cycle"
)",
          {11, 12, "products[0].validity",
           "a recurring product (fee per cycle) lasts while subscribed"});
    }
    SUBCASE("unknown validity") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "pack"
code = 1
priority = 1
validity = "30 days"
)",
          {10, 12, "products[0].validity", "\"30 days\" is not subscription or rest_of_cycle"});
    }
    SUBCASE("stackable on a recurring product") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "pack"
code = 1
priority = 1
fee = { amount = "5.00", per = "cycle" }
stackable = true
)",
          {11, 13, "products[0].stackable",
           "only one-off products (validity rest_of_cycle) can stack"});
    }
    SUBCASE("stackable that is not a boolean") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "pack"
code = 1
priority = 1
validity = "rest_of_cycle"
stackable = "yes"
)",
          {11, 13, "products[0].stackable", "expected true or false, found a string"});
    }
    SUBCASE("an allowance in an unknown band") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
  [[products.allowances]]
  service = "data"
  quantity = "10 MB"
  band = "weekend"
)",
          {13, 10, "products[0].allowances[0].band", "\"weekend\" is not a band"});
    }
  }

  // ---------------------------------------------------------------------------------------
  // Unknown fields: named as unknown (not reported as some missing field), at the key.

  TEST_CASE("unknown fields at every level") {
    SUBCASE("top level") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[tarrifs]
x = 1
)",
                  {6, 2, "tarrifs", "unknown field (expected one of: catalog, rounding, services"});
    }
    SUBCASE("top level, before [catalog] is even read") {
      // The misspelt table is reported, not the missing [catalog].
      check_error(R"(catalogue = { id = "t" }
)",
                  {1, 1, "catalogue", "unknown field"});
    }
    SUBCASE("[catalog]: a misspelt field before a required one is reported as unknown") {
      check_error(
          R"([catalog]
id = "t"
home_contry = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
)",
          {3, 1, "catalog.home_contry",
           "unknown field (expected one of: id, name, home_country, zone, currency, cycle)"});
    }
    SUBCASE("[rounding]") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[rounding]
lines = { places = 2, mode = "half_up" }
)",
                  {7, 1, "rounding.lines", "unknown field (expected one of: line)"});
    }
    SUBCASE("rounding.line") {
      check_error(
          R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[rounding]
line = { places = 2, rounding = "half_up" }
)",
          {7, 22, "rounding.line.rounding", "unknown field (expected one of: places, mode)"});
    }
    SUBCASE("services.x") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { incremnt = "1 KB" }
)",
                  {7, 10, "services.data.incremnt", "unknown field (expected one of: increment)"});
    }
    SUBCASE("bands.x") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[bands]
default = "peak"
off_peak = { from = "23:00", until = "07:00" }
)",
                  {8, 30, "bands.off_peak.until", "unknown field (expected one of: from, to)"});
    }
    SUBCASE("countries.X") {
      check_error(R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[countries]
HK = { zone = "Asia/Hong_Kong", currency = "HKD" }
)",
                  {7, 33, "countries.HK.currency", "unknown field (expected one of: zone)"});
    }
    SUBCASE("rates[i]") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[rates]]
service = "data"
price = "0.01"
per = "1 KB"
[[rates]]
service = "voice"
prise = "0.19"
per = "1 min"
)",
          {11, 1, "rates[1].prise",
           "unknown field (expected one of: service, band, where, price, per, capped)"});
    }
    SUBCASE("products[i]") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
prioirty = 500
)",
          {9, 1, "products[0].prioirty",
           "unknown field (expected one of: id, name, kind, code, priority"});
    }
    SUBCASE("products[i].fee") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
fee = { amount = "20.00", every = "cycle" }
)",
          {10, 27, "products[0].fee.every", "unknown field (expected one of: amount, per)"});
    }
    SUBCASE("products[i].allowances[j]") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
  [[products.allowances]]
  service = "data"
  quantity = "150 MB"
  [[products.allowances]]
  service = "data"
  amount = "10 MB"
)",
          {15, 3, "products[0].allowances[1].amount",
           "unknown field (expected one of: service, quantity, band, where)"});
    }
    SUBCASE("products[i].rates[j]") {
      check_error(
          R"(catalog = { id = "t", home_country = "CN", zone = "Asia/Shanghai", currency = "CNY" }
services = { data = { increment = "1 KB" }, voice = { increment = "1 min" }, sms = { increment = "1 msg" } }
bands = { default = "peak", off_peak = { from = "23:00", to = "07:00" } }
countries = { HK = { zone = "Asia/Hong_Kong" }, JP = { zone = "Asia/Tokyo" }, US = { zone = "America/New_York" } }
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
rates = [{ service = "data", price = "0.01", per = "1 KB", zone = "home" }]
)",
          {10, 60, "products[0].rates[0].zone",
           "unknown field (expected one of: service, band, where, price, per, capped)"});
    }
  }

}  // TEST_SUITE("catalog_toml")

// Thresholds, [network] and the product fields of the thresholds issue. Each catalog is
// the 10-line head below plus one product whose threshold starts on line 16.
namespace {

constexpr std::string_view threshold_head = R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 KB" }
voice = { increment = "1 min" }
[network]
on_net_prefixes = ["130"]
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
)";

std::string with_threshold(std::string_view body) {
  return std::string(threshold_head) + "[[products.thresholds]]\n" + std::string(body);
}

}  // namespace

TEST_SUITE("catalog_toml") {
  TEST_CASE("a threshold loads with its counter, level, comparison and action") {
    ratel::catalog c = parse(with_threshold(R"(counter = "volume"
service = "voice"
peer = "off_net"
at = "3000 min"
compare = "exceeds"
action = "bar"
)"));
    const ratel::threshold& t = c.products[0].thresholds[0];
    CHECK(t.name == "p.thresholds[0]");  // the default name: product and position
    CHECK(t.counter == ratel::counter_kind::volume);
    CHECK(t.svc == service::voice);
    CHECK(t.peers == ratel::peer_filter::off_net);
    CHECK(t.volume_level == quantity(3000 * 60, dimension::seconds));
    CHECK(t.compare == ratel::comparison::exceeds);
    CHECK(t.action == ratel::threshold_action::bar);
    CHECK(c.on_net_prefixes == std::vector<std::string>{"130"});
  }

  TEST_CASE("a cut-off's rate is for the threshold's service and may be uncapped") {
    ratel::catalog c = parse(with_threshold(R"(counter = "volume"
service = "data"
at = "15 GB"
action = "cut_off"
rate = { price = "0.0005", per = "1 KB", capped = false }
)"));
    const ratel::threshold& t = c.products[0].thresholds[0];
    REQUIRE(t.then_rate.has_value());
    CHECK(t.then_rate->svc == service::data);
    CHECK(micros(t.then_rate->price_per_increment) == 500);  // 0.0005 per 1 KB increment
    CHECK_FALSE(t.then_rate->capped);
  }

  TEST_CASE("bad thresholds: each at its value (lines count from the head's 16)") {
    check_error(with_threshold("counter = \"speed\"\n"),
                {17, 11, "products[0].thresholds[0].counter", "is not volume"});
    check_error(with_threshold("counter = \"volume\"\nat = \"1 GB\"\naction = \"notify\"\n"),
                {16, 1, "products[0].thresholds[0].service", "missing"});
    check_error(
        with_threshold(
            "counter = \"volume\"\nservice = \"data\"\nat = \"1500 B\"\naction = \"notify\"\n"),
        {19, 6, "products[0].thresholds[0].at", "whole number of the data increment 1 KB"});
    check_error(with_threshold("counter = \"usage_fee\"\nat = 500\naction = \"cap\"\n"),
                {18, 6, "products[0].thresholds[0].at", "write money as a string"});
    check_error(with_threshold("counter = \"allowance_used\"\nservice = \"data\"\nat = "
                               "\"80%\"\naction = \"notify\"\n"),
                {19, 6, "products[0].thresholds[0].at", "p has no data allowance"});
    check_error(
        with_threshold(
            "counter = \"distinct_peers\"\nservice = \"voice\"\nat = 0\naction = \"bar\"\n"),
        {19, 6, "products[0].thresholds[0].at", "positive count"});
    check_error(with_threshold(
                    "counter = \"volume\"\nservice = \"data\"\nat = \"1 GB\"\naction = \"cap\"\n"),
                {20, 10, "products[0].thresholds[0].action", "needs counter = \"usage_fee\""});
    check_error(
        with_threshold(
            "counter = \"usage_fee\"\nat = \"5.00\"\ncompare = \"exceeds\"\naction = \"cap\"\n"),
        {19, 11, "products[0].thresholds[0].compare", "a cap is reached"});
    check_error(
        with_threshold(
            "counter = \"volume\"\nservice = \"data\"\nat = \"1 GB\"\naction = \"throttle\"\n"),
        {16, 1, "products[0].thresholds[0].limit_kbps", "missing"});
    check_error(
        with_threshold(
            "counter = \"volume\"\nservice = \"data\"\nat = \"1 GB\"\naction = \"cut_off\"\n"),
        {16, 1, "products[0].thresholds[0].rate", "missing"});
    check_error(with_threshold("counter = \"volume\"\nservice = \"data\"\nat = \"1 GB\"\naction = "
                               "\"notify\"\nlimit_kbps = 64\n"),
                {21, 14, "products[0].thresholds[0].limit_kbps", "only a throttle"});
    check_error(
        with_threshold(
            "counter = \"usage_fee\"\nwhere = \"home\"\nat = \"1.00\"\naction = \"notify\"\n"),
        {18, 9, "products[0].thresholds[0].where", "only a volume counter"});
    check_error(with_threshold("counter = \"volume\"\nservice = \"data\"\nat = \"1 GB\"\ncompare = "
                               "\"above\"\naction = \"notify\"\n"),
                {20, 11, "products[0].thresholds[0].compare", "is not reaches or exceeds"});
    check_error(with_threshold("counter = \"volume\"\nservice = \"data\"\nat = \"1 GB\"\naction = "
                               "\"notify\"\nrate = { price = \"0.01\", per = \"1 KB\" }\n"),
                {21, 8, "products[0].thresholds[0].rate", "only cut_off and rate_change"});
  }

  TEST_CASE("a peer filter needs on-net prefixes, and reactivation needs a cut-off") {
    std::string no_network(threshold_head);
    no_network.replace(no_network.find("[network]"),
                       std::string_view("[network]\non_net_prefixes = [\"130\"]\n").size(), "\n\n");
    check_error(no_network +
                    "[[products.thresholds]]\ncounter = \"volume\"\nservice = \"voice\"\npeer = "
                    "\"off_net\"\nat = \"1 min\"\naction = \"bar\"\n",
                {19, 8, "products[0].thresholds[0].peer", "need [network] on_net_prefixes"});
    check_error(std::string(threshold_head) + "reactivation = { lifts = [\"cap\"] }\n",
                {16, 16, "products[0].reactivation", "no cut_off threshold"});
    check_error(std::string(threshold_head) + "addons = \"some\"\n",
                {16, 10, "products[0].addons", "is not any or lifts_throttle_only"});
  }
}

// [points] (D7).
namespace {

constexpr std::string_view points_head = R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[points]
unit = "1.00"
)";

}  // namespace

TEST_SUITE("catalog_toml") {
  TEST_CASE("[points] without min_tenure_months: D7's 6 months, the struct's default too") {
    // D7 (RULES.md): redemption needs 6 complete months since join. The loader and a
    // points_program built in code agree on it.
    ratel::catalog c = parse(points_head);
    REQUIRE(c.points.has_value());
    CHECK(c.points->min_tenure_months == 6);
    CHECK(c.points->min_tenure_months == ratel::points_program{}.min_tenure_months);
    // A catalog that wants no minimum says so.
    ratel::catalog none = parse(std::string(points_head) + "min_tenure_months = 0\n");
    CHECK(none.points->min_tenure_months == 0);
  }

  TEST_CASE("[points] counts: bill line kinds, each checked at its value") {
    using ratel::line_kind;
    // Left out: the bill before credits (D7), as the struct's default.
    CHECK(
        parse(points_head).points->counts ==
        std::vector<line_kind>{line_kind::fee, line_kind::pack, line_kind::usage, line_kind::pass});
    CHECK(
        parse(std::string(points_head) + "counts = [\"usage\", \"allowance\"]\n").points->counts ==
        std::vector<line_kind>{line_kind::usage, line_kind::allowance});
    // Line 8 is the counts line: `[` at column 10, the first name at 11, the second at 18.
    check_error(std::string(points_head) + "counts = [\"fee\", \"fees\"]\n",
                {8, 18, "points.counts[1]", "\"fees\" is not a bill line kind"});
    check_error(std::string(points_head) + "counts = [\"credit\"]\n",
                {8, 11, "points.counts[0]", "credits are never spend"});
    check_error(std::string(points_head) + "counts = [1]\n",
                {8, 11, "points.counts[0]", "expected a string, found an integer"});
  }
}

// [products.pass] (D10-D12).
TEST_SUITE("catalog_toml") {
  TEST_CASE("a pass with an empty list of prices is refused at the list") {
    // The check that every covered country has a price looks at the last entry; an empty
    // list has none, and must be an input_error rather than a read past the end.
    check_error(
        R"([catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 KB" }
[[products]]
id = "day"
kind = "pass"
code = 1
priority = 1
pass = { service = "data", where = "roaming", charge = "per_day", prices = [] }
)",
        // `[` is at column 76 of line 13: 75 characters of `pass = { ... prices = ` before it.
        {13, 76, "products[0].pass.prices", "lists no price"});
  }
}
