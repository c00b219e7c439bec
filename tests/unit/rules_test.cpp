// Unit tests for the compiled rule plan (rules.hpp): bands by home-zone minute, the dense
// country index, rate precedence, increments and product lookup.
#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ratel/io/catalog_toml.hpp"
#include "ratel/rules.hpp"
#include "ratel/time.hpp"

using ratel::band_id;
using ratel::compiled_rate;
using ratel::country_id;
using ratel::country_index;
using ratel::dimension;
using ratel::quantity;
using ratel::rule_plan;
using ratel::service;

namespace {

rule_plan compile(std::string_view text) {
  return rule_plan::compile(ratel::parse_catalog(text, "name.toml"));
}

/// An instant from RFC 3339 text (tests write UTC with Z, so the local time is derived).
ratel::instant at(std::string_view text) {
  const std::optional<ratel::instant> t = ratel::parse_rfc3339(text);
  REQUIRE(t.has_value());
  return *t;
}

/// The id of the band called `name` (0 is the default band, then the named bands).
band_id band_named(const rule_plan& plan, std::string_view name) {
  for (std::size_t i = 0; i <= plan.source().bands.size(); ++i)
    if (plan.band_name(static_cast<band_id>(i)) == name) return static_cast<band_id>(i);
  FAIL("no band " << name);
  return 0;
}

country_id country(std::string_view code) {
  const std::optional<country_id> id = country_index(code);
  REQUIRE(id.has_value());
  return *id;
}

/// The micro-units one increment of the matched rate costs; -1 for no match.
std::int64_t price_of(const compiled_rate* r) {
  return r == nullptr ? -1 : r->price_per_increment.micros();
}

// Base rates, one per specificity (area specificity x 2 + band given, rules.hpp), each with
// a price of its own so a match can be told apart by price alone.
constexpr std::string_view precedence_catalog = R"([catalog]
id = "r"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[services]
data = { increment = "1 KB" }
voice = { increment = "1 min" }

[bands]
default = "peak"
off_peak = { from = "23:00", to = "07:00" }
lunch = { from = "12:00", to = "13:30" }

[countries]
HK = { zone = "Asia/Hong_Kong" }
JP = { zone = "Asia/Tokyo" }
US = { zone = "America/New_York" }

[[rates]]   # anywhere, any band: specificity 0 x 2 + 0 = 0
service = "data"
price = "0.01"
per = "1 KB"

[[rates]]   # anywhere, off_peak: 0 x 2 + 1 = 1
service = "data"
band = "off_peak"
price = "0.009"
per = "1 KB"

[[rates]]   # roaming, any band: 1 x 2 + 0 = 2
service = "data"
where = "roaming"
price = "0.05"
per = "1 KB"

[[rates]]   # home, off_peak: 1 x 2 + 1 = 3
service = "data"
where = "home"
band = "off_peak"
price = "0.004"
per = "1 KB"

[[rates]]   # [HK], any band: 2 x 2 + 0 = 4
service = "data"
where = ["HK"]
price = "0.03"
per = "1 KB"

[[rates]]   # [HK], off_peak: 2 x 2 + 1 = 5
service = "data"
where = ["HK"]
band = "off_peak"
price = "0.02"
per = "1 KB"

[[rates]]   # voice at home only: 1 x 2 + 0 = 2
service = "voice"
where = "home"
price = "0.19"
per = "1 min"

[[products]]
id = "gprs"
kind = "plan"
code = 1
priority = 500

  [[products.allowances]]
  service = "data"
  quantity = "10 MB"
  where = "home"

  [[products.rates]]   # 0 x 2 + 1 = 1
  service = "data"
  band = "off_peak"
  price = "0.006"
  per = "1 KB"

  [[products.rates]]   # 1 x 2 + 0 = 2
  service = "data"
  where = "home"
  price = "0.008"
  per = "1 KB"

[[products]]
id = "pack"
kind = "pack"
code = 2
priority = 100
)";

}  // namespace

TEST_SUITE("rules") {
  // ---------------------------------------------------------------------------------------
  // Bands (D17: a record belongs to the band of its start time, in the home zone).

  TEST_CASE("band_at: off_peak from 23:00 to 07:00 Beijing time, from UTC instants") {
    const rule_plan plan = compile(precedence_catalog);
    // Asia/Shanghai is UTC+8 all year (no DST since 1991): Beijing = UTC + 8 h.
    CHECK(plan.home_zone().name() == "Asia/Shanghai");
    CHECK(plan.band_name(0) == "peak");  // band 0 is the default band
    // 14:59:59Z = 22:59:59 Beijing: the last second before off-peak.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T14:59:59Z"))) == "peak");
    // 15:00:00Z = 23:00:00 Beijing: off-peak starts (from is inclusive).
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T15:00:00Z"))) == "off_peak");
    // 16:00:00Z = 00:00 on 6 July Beijing: the band wraps midnight.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T16:00:00Z"))) == "off_peak");
    // 22:59:59Z = 06:59:59 Beijing: still off-peak.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T22:59:59Z"))) == "off_peak");
    // 23:00:00Z = 07:00:00 Beijing: back to the default (to is exclusive).
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T23:00:00Z"))) == "peak");
    // The same instant written with its Beijing offset is the same band.
    CHECK(plan.band_at(at("2012-07-05T23:00:00+08:00")) ==
          plan.band_at(at("2012-07-05T15:00:00Z")));
  }

  TEST_CASE("band_at: a band that does not wrap, 12:00 to 13:30") {
    const rule_plan plan = compile(precedence_catalog);
    // 03:59:59Z = 11:59:59 Beijing.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T03:59:59Z"))) == "peak");
    // 04:00:00Z = 12:00:00 Beijing.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T04:00:00Z"))) == "lunch");
    // 05:29:59Z = 13:29:59 Beijing.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T05:29:59Z"))) == "lunch");
    // 05:30:00Z = 13:30:00 Beijing: the end is exclusive.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T05:30:00Z"))) == "peak");
    // Band ids: 0 the default, then the named bands in the catalog's order (key order).
    CHECK(plan.band_name(1) == "lunch");
    CHECK(plan.band_name(2) == "off_peak");
  }

  TEST_CASE("band_at: a band ending at 24:00 covers 23:59 and not 00:00") {
    const rule_plan plan = compile(R"([catalog]
id = "r"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[bands]
default = "day"
night = { from = "22:00", to = "24:00" }
)");
    // 13:59:59Z = 21:59:59 Beijing.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T13:59:59Z"))) == "day");
    // 14:00:00Z = 22:00:00 Beijing.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T14:00:00Z"))) == "night");
    // 15:59:59Z = 23:59:59 Beijing: the last minute of the day belongs to the band.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T15:59:59Z"))) == "night");
    // 16:00:00Z = 00:00:00 on 6 July: "24:00" does not wrap into the next day.
    CHECK(plan.band_name(plan.band_at(at("2012-07-05T16:00:00Z"))) == "day");
  }

  TEST_CASE("band_at: a catalog without bands puts every minute in band 0") {
    const rule_plan plan = compile(R"([catalog]
id = "r"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
)");
    CHECK(plan.band_at(at("2012-07-05T15:00:00Z")) == 0);
    CHECK(plan.band_at(at("2012-07-05T04:00:00Z")) == 0);
  }

  // ---------------------------------------------------------------------------------------
  // Countries.

  TEST_CASE("country_index: AA..ZZ as 0..675, nothing else") {
    // Two upper-case letters, row-major: (first - 'A') x 26 + (second - 'A').
    static_assert(*country_index("AA") == 0);
    static_assert(*country_index("ZZ") == 675);
    static_assert(ratel::country_id_count == 676);
    CHECK(*country_index("AA") == 0);
    CHECK(*country_index("AB") == 1);
    CHECK(*country_index("BA") == 26);
    CHECK(*country_index("CN") == 2 * 26 + 13);  // 65
    CHECK(*country_index("ZZ") == 675);
    CHECK_FALSE(country_index("cn").has_value());  // lower case is not a code
    CHECK_FALSE(country_index("Cn").has_value());
    CHECK_FALSE(country_index("").has_value());
    CHECK_FALSE(country_index("C").has_value());
    CHECK_FALSE(country_index("CHN").has_value());
    CHECK_FALSE(country_index("C1").has_value());
  }

  TEST_CASE("country_of: empty is home, listed codes are themselves, others are unknown") {
    const rule_plan plan = compile(precedence_catalog);
    CHECK(plan.home_country() == country("CN"));
    // An empty country column means home.
    CHECK(plan.country_of("") == country("CN"));
    // The home country written out is home too.
    CHECK(plan.country_of("CN") == country("CN"));
    // Listed in [countries]: its own index.
    CHECK(plan.country_of("HK") == country("HK"));
    CHECK(plan.country_of("JP") == country("JP"));
    CHECK(plan.country_of("US") == country("US"));
    // A valid code the catalog does not list: nullopt (the rater rejects, unknown_country).
    CHECK_FALSE(plan.country_of("FR").has_value());
    // Not a code at all.
    CHECK_FALSE(plan.country_of("hk").has_value());
    CHECK_FALSE(plan.country_of("HKG").has_value());
  }

  TEST_CASE("country_code is the inverse of country_index") {
    const rule_plan plan = compile(precedence_catalog);
    CHECK(plan.country_code(0) == "AA");
    CHECK(plan.country_code(675) == "ZZ");
    CHECK(plan.country_code(country("HK")) == "HK");
    for (std::string_view code : {"CN", "HK", "JP", "US"}) {
      CAPTURE(code);
      CHECK(plan.country_code(*plan.country_of(code)) == code);
    }
    for (country_id c = 0; c < ratel::country_id_count; ++c) {
      const std::string code = plan.country_code(c);
      REQUIRE(country_index(code) == c);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Rate precedence (rules.hpp, tariffs/README.md): most specific first, area before band.

  TEST_CASE("compiled rates: specificity and coverage") {
    const rule_plan plan = compile(precedence_catalog);
    const auto rates = plan.base_rates();
    REQUIRE(rates.size() == 7);
    // Sorted most specific first; equal specificities keep file order (data roaming, line
    // 32, before voice home, line 58).
    CHECK(rates[0].specificity == 5);  // [HK] off_peak
    CHECK(rates[1].specificity == 4);  // [HK]
    CHECK(rates[2].specificity == 3);  // home off_peak
    CHECK(rates[3].specificity == 2);  // roaming
    CHECK(rates[3].svc == service::data);
    CHECK(rates[4].specificity == 2);  // voice home
    CHECK(rates[4].svc == service::voice);
    CHECK(rates[3].source->defined_at.line == 32);
    CHECK(rates[4].source->defined_at.line == 58);
    CHECK(rates[5].specificity == 1);  // anywhere off_peak
    CHECK(rates[6].specificity == 0);  // anywhere
    // Each compiled rate points back at the catalog's rate it came from.
    CHECK(rates[0].source == &plan.source().rates[5]);
    CHECK(rates[6].source == &plan.source().rates[0]);
    // `where` as sets over country ids: anywhere is home and every listed country.
    CHECK(rates[6].covers.count() == 4);
    CHECK(rates[6].covers.test(country("CN")));
    // roaming: the listed countries, not home.
    CHECK(rates[3].covers.count() == 3);
    CHECK_FALSE(rates[3].covers.test(country("CN")));
    CHECK(rates[3].covers.test(country("US")));
    // home: only home.
    CHECK(rates[2].covers.count() == 1);
    CHECK(rates[2].covers.test(country("CN")));
    // A named band compiles to its id; no band to nullopt.
    CHECK(rates[0].band == band_named(plan, "off_peak"));
    CHECK_FALSE(rates[1].band.has_value());
  }

  TEST_CASE(
      "match: a country list beats home/roaming beats anywhere, then a named band beats any") {
    const rule_plan plan = compile(precedence_catalog);
    const auto rates = plan.base_rates();
    const band_id peak = 0;
    const band_id off_peak = band_named(plan, "off_peak");
    const band_id lunch = band_named(plan, "lunch");

    // Home, peak: only anywhere/any band matches (home has only an off_peak rate): 0.01.
    CHECK(price_of(rule_plan::match(rates, service::data, peak, country("CN"))) == 10'000);
    // Home, off_peak: home off_peak (3) beats anywhere off_peak (1) and anywhere (0): 0.004.
    CHECK(price_of(rule_plan::match(rates, service::data, off_peak, country("CN"))) == 4'000);
    // Roaming (JP), off_peak: the area decides first, so roaming any-band (2) beats anywhere
    // off_peak (1) even though the latter names the band: 0.05.
    CHECK(price_of(rule_plan::match(rates, service::data, off_peak, country("JP"))) == 50'000);
    // Roaming (JP), peak: roaming (2): 0.05.
    CHECK(price_of(rule_plan::match(rates, service::data, peak, country("JP"))) == 50'000);
    // Roaming (US) in another named band with no rate of its own: roaming (2): 0.05.
    CHECK(price_of(rule_plan::match(rates, service::data, lunch, country("US"))) == 50'000);
    // HK, peak: the explicit list [HK] (4) beats roaming (2): 0.03.
    CHECK(price_of(rule_plan::match(rates, service::data, peak, country("HK"))) == 30'000);
    // HK, off_peak: within the list, the named band (5) beats any band (4): 0.02.
    CHECK(price_of(rule_plan::match(rates, service::data, off_peak, country("HK"))) == 20'000);
  }

  TEST_CASE("match: no matching rate, and a rate of another service never matches") {
    const rule_plan plan = compile(precedence_catalog);
    const auto rates = plan.base_rates();
    // Voice at home: the home voice rate, 0.19 per minute.
    CHECK(price_of(rule_plan::match(rates, service::voice, 0, country("CN"))) == 190'000);
    // Voice roaming: the only voice rate is home-only, and data rates are not voice: none.
    CHECK(rule_plan::match(rates, service::voice, 0, country("JP")) == nullptr);
    // SMS: no rate of that service at all, although data rates cover every country.
    CHECK(rule_plan::match(rates, service::sms, 0, country("CN")) == nullptr);
    // An empty list matches nothing.
    CHECK(rule_plan::match({}, service::data, 0, country("CN")) == nullptr);
  }

  TEST_CASE("match within a product's rates") {
    const rule_plan plan = compile(precedence_catalog);
    const std::optional<std::size_t> gprs = plan.product_index("gprs");
    REQUIRE(gprs.has_value());
    const ratel::compiled_product& p = plan.product_at(*gprs);
    REQUIRE(p.rates.size() == 2);
    // Sorted most specific first: home any-band (2), written second, comes before anywhere
    // off_peak (1), written first.
    CHECK(p.rates[0].specificity == 2);
    CHECK(p.rates[1].specificity == 1);
    const band_id off_peak = band_named(plan, "off_peak");
    // Home off_peak: home (2) beats anywhere off_peak (1): area first: 0.008.
    CHECK(price_of(rule_plan::match(p.rates, service::data, off_peak, country("CN"))) == 8'000);
    // JP off_peak: only the anywhere off_peak rate covers JP: 0.006.
    CHECK(price_of(rule_plan::match(p.rates, service::data, off_peak, country("JP"))) == 6'000);
    // JP peak: the product has no rate; the rater falls back to the base tariff: nullptr here.
    CHECK(rule_plan::match(p.rates, service::data, 0, country("JP")) == nullptr);
    // Voice: the product rates only data.
    CHECK(rule_plan::match(p.rates, service::voice, 0, country("CN")) == nullptr);
  }

  // ---------------------------------------------------------------------------------------
  // Increments and products.

  TEST_CASE("increment: present for the services of the catalog, absent otherwise") {
    const rule_plan plan = compile(precedence_catalog);
    // D1: data per whole KB (1024 B), voice per started minute (60 s).
    REQUIRE(plan.increment(service::data).has_value());
    CHECK(*plan.increment(service::data) == quantity(1024, dimension::bytes));
    REQUIRE(plan.increment(service::voice).has_value());
    CHECK(*plan.increment(service::voice) == quantity(60, dimension::seconds));
    // Not in [services]: the catalog does not rate them (records are rejected, no_rate).
    CHECK_FALSE(plan.increment(service::sms).has_value());
    CHECK_FALSE(plan.increment(service::mms).has_value());
    CHECK_FALSE(plan.increment(service::vas).has_value());
  }

  TEST_CASE("product_index and the compiled products") {
    const rule_plan plan = compile(precedence_catalog);
    CHECK(plan.product_count() == 2);
    // Products keep the catalog's order.
    CHECK(plan.product_index("gprs") == std::optional<std::size_t>(0));
    CHECK(plan.product_index("pack") == std::optional<std::size_t>(1));
    CHECK(plan.product_at(1).source->id == "pack");
    // The catalog's own id names the base tariff, not a product.
    CHECK_FALSE(plan.product_index("r").has_value());
    CHECK_FALSE(plan.product_index("").has_value());
    CHECK_FALSE(plan.product_index("GPRS").has_value());  // ids are case-sensitive

    const ratel::compiled_product& gprs = plan.product_at(0);
    REQUIRE(gprs.allowances.size() == 1);
    // where = "home": home only; no band: any band.
    CHECK(gprs.allowances[0].covers.count() == 1);
    CHECK(gprs.allowances[0].covers.test(country("CN")));
    CHECK_FALSE(gprs.allowances[0].band.has_value());
    CHECK(gprs.allowances[0].source == &plan.source().products[0].allowances[0]);
    CHECK(plan.product_at(1).allowances.empty());
    CHECK(plan.product_at(1).rates.empty());
  }

  TEST_CASE("a moved plan keeps its compiled rules pointing into its catalog") {
    rule_plan first = compile(precedence_catalog);
    const ratel::catalog* address = &first.source();
    const rule_plan moved = std::move(first);
    // The catalog is held by pointer, so its address (and every pointer into it) survives.
    CHECK(&moved.source() == address);
    CHECK(moved.base_rates()[0].source == &moved.source().rates[5]);
    CHECK(moved.band_name(band_named(moved, "off_peak")) == "off_peak");
  }

  // ---------------------------------------------------------------------------------------
  // Called numbers (D9, D20).

  TEST_CASE("normalise_number: the home calling code comes off, other countries stay foreign") {
    const rule_plan plan = rule_plan::compile(
        ratel::load_catalog(RATEL_SOURCE_DIR "/tariffs/unicom-2019.toml"));  // calling_code 86
    using number = rule_plan::called_number;
    // One number written three ways (D20).
    CHECK(plan.normalise_number("13000000000") == number{false, "13000000000"});
    CHECK(plan.normalise_number("+8613000000000") == number{false, "13000000000"});
    CHECK(plan.normalise_number("008613000000000") == number{false, "13000000000"});
    // Another country's number: its digits, apart from any national number.
    CHECK(plan.normalise_number("+13105550100") == number{true, "13105550100"});
    CHECK(plan.normalise_number("0013105550100") == number{true, "13105550100"});
    CHECK(plan.normalise_number("13105550100") != plan.normalise_number("+13105550100"));
    // On-net is decided on the national number: 130 is Unicom's (D9's prefixes); a US
    // number that happens to start with 131 after its "+" is not.
    CHECK(plan.is_on_net("+8613012345678"));
    CHECK(plan.is_on_net("13012345678"));
    CHECK_FALSE(plan.is_on_net("+13105550100"));
    CHECK_FALSE(plan.is_on_net("13812345678"));
    CHECK_FALSE(plan.is_on_net(""));
  }

}  // TEST_SUITE("rules")
