// tests/oracle/reference_rater_test.cpp: the reference rater on hand-worked cases.
//
// Before the reference judges the engine on random scenarios, it must itself reproduce
// the worked numbers of the end-to-end cases (tests/cases/*/case.md) on the shipped
// catalog tariffs/cmcc-2012.toml. Every expected number is derived in a comment from the
// rule that makes it.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ratel/io/catalog_toml.hpp"
#include "reference_rater.hpp"

namespace ratel::oracle {
namespace {

instant at(std::string_view rfc3339) {
  return *parse_rfc3339(rfc3339);
}

const catalog& cmcc() {
  static const catalog c = load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
  return c;
}

rational amount(std::string_view decimal) {
  return to_rational(money::parse(decimal, currency::parse("CNY")));
}

const reference_line& line(const reference_bill& b, std::string_view kind,
                           std::string_view product) {
  for (const reference_line& l : b.lines)
    if (l.kind == kind && l.product == product) return l;
  FAIL("no such line");
  throw;
}

constexpr std::int64_t KB = 1024, MB = 1024 * KB, GB = 1024 * MB;

}  // namespace

TEST_CASE("rounding to decimals by each mode") {
  // 0.125 lies exactly between 0.12 and 0.13.
  CHECK(round_decimal(rational(125, 1000), 2, rounding::half_up) ==
        rational(13, 100));  // ties away from 0
  CHECK(round_decimal(rational(125, 1000), 2, rounding::half_even) ==
        rational(12, 100));  // 12 is even
  CHECK(round_decimal(rational(125, 1000), 2, rounding::half_down) ==
        rational(12, 100));  // ties toward 0
  CHECK(round_decimal(rational(-125, 1000), 2, rounding::half_up) == rational(-13, 100));
  CHECK(round_decimal(rational(-121, 1000), 2, rounding::floor) ==
        rational(-13, 100));  // toward -inf
  CHECK(round_decimal(rational(-121, 1000), 2, rounding::down) == rational(-12, 100));  // toward 0
  CHECK(round_decimal(rational(121, 1000), 2, rounding::up) == rational(13, 100));  // away from 0
  // 20.00 x 22/31 = 14.193548...: 14.19 at two places half-up (D4, D2).
  CHECK(round_decimal(rational(20) * rational(22, 31), 2, rounding::half_up) == amount("14.19"));
}

TEST_CASE("gprs-20 from 10 July 10:00: prorated fee and allowance (lifecycle-gprs20-prorated)") {
  const std::vector<order> orders{{"gprs-20", at("2012-07-10T10:00:00+08:00"), std::nullopt}};
  const std::vector<usage> records{
      {"j1", at("2012-07-20T10:00:00+08:00"), service::data, 120 * MB, ""}};
  const reference_bill b = rate_reference(cmcc(), date::year(2012) / 7, orders, records);
  // D4: active days 10..31 July = 22 of 31. Fee 20.00 x 22/31 = 14.1935... -> 14.19.
  CHECK(line(b, "fee", "gprs-20").amount == amount("14.19"));
  // Allowance 150 MB = 153,600 KB x 12/365 x 22 = 111,096.98... KB, down -> 111,096 KB.
  CHECK(line(b, "allowance", "gprs-20").size == 111'096 * KB);
  // j1 = 122,880 KB: 111,096 from the allowance, 11,784 KB at 0.01 = 117.84 (D6).
  const reference_line& use = line(b, "usage", "gprs-20");
  CHECK(use.used == 11'784 * KB);
  CHECK(use.amount == amount("117.84"));
  CHECK(b.total == amount("132.03"));  // 14.19 + 117.84
}

TEST_CASE("gprs-20, 400 MB of daytime data, capped at 500.00 (threshold-gprs20-400mb-cap)") {
  const std::vector<order> orders{{"gprs-20", at("2012-05-01T00:00:00+08:00"), std::nullopt}};
  std::vector<usage> records;
  for (const char* id : {"d1", "d2", "d3", "d4"})
    records.push_back({id, at(fmt::format("2012-07-{:02}T10:00:00+08:00", 2 + 7 * (id[1] - '1'))),
                       service::data, 100 * MB, ""});
  const reference_bill b = rate_reference(cmcc(), date::year(2012) / 7, orders, records);
  // Held all July: 20.00 and the whole 150 MB (a full month is never prorated, D4).
  CHECK(line(b, "fee", "gprs-20").amount == amount("20.00"));
  // 400 - 150 = 250 MB = 256,000 KB beyond the allowance at 0.01 = 2,560.00 uncapped;
  // the cap (D6) stops the usage fee at 500.00, reached after 500.00 / 0.01 = 50,000 KB:
  // d2 is split there. The other 256,000 - 50,000 = 206,000 KB are waived, on their own line.
  for (const reference_line& l : b.lines) {
    if (l.kind != "usage") continue;
    const bool waived = l.detail.ends_with("|waived");
    CHECK(l.used == (waived ? 206'000 : 50'000) * KB);
    CHECK(l.amount == amount(waived ? "0.00" : "500.00"));
  }
  CHECK(b.total == amount("520.00"));  // 20.00 + 500.00, the plan fee outside the cap
}

TEST_CASE("gprs-20 one KB past the 15 GB cut-off (threshold-gprs20-cutoff-boundary, after)") {
  const std::vector<order> orders{{"gprs-20", at("2012-06-01T00:00:00+08:00"), std::nullopt}};
  const std::vector<usage> records{
      {"x1", at("2012-07-10T10:00:00+08:00"), service::data, 15 * GB + KB, ""},
      {"x2", at("2012-07-20T10:00:00+08:00"), service::data, 1023 * KB, ""}};
  const reference_bill b = rate_reference(cmcc(), date::year(2012) / 7, orders, records);
  // x1 is split at 15 GB: before it, 150 MB drawn, then 0.01/KB capped at 500.00; after it,
  // the last 1 KB at the cut-off rate 0.0005 uncapped; x2 adds 1,023 KB at 0.0005.
  // 1,024 KB x 0.0005 = 0.512 -> 0.51 (D2).
  for (const reference_line& l : b.lines)
    if (l.kind == "usage" && l.detail.find("0.0005") != std::string::npos) {
      CHECK(l.used == 1024 * KB);
      CHECK(l.exact == amount("0.512"));
      CHECK(l.amount == amount("0.51"));
    }
  CHECK(b.total == amount("520.51"));  // 20.00 + 500.00 + 0.51
}

TEST_CASE("off-peak band edges (off-peak-boundaries)") {
  const std::vector<order> orders{{"gprs-20", at("2012-05-01T00:00:00+08:00"), std::nullopt}};
  const std::vector<usage> records{
      {"base", at("2012-07-02T12:00:00+08:00"), service::data, 150 * MB, ""},
      {"p1", at("2012-07-03T22:59:59+08:00"), service::data, MB, ""},  // peak
      {"o1", at("2012-07-03T23:00:00+08:00"), service::data, MB,
       ""},  // off-peak: from is inclusive
      {"o2", at("2012-07-04T06:59:59+08:00"), service::data, MB, ""},   // off-peak
      {"p2", at("2012-07-04T07:00:00+08:00"), service::data, MB, ""},   // peak: to is exclusive
      {"o3", at("2012-07-05T15:00:00Z"), service::data, MB, ""},        // 23:00 Beijing
      {"p3", at("2012-07-06T06:59:59-01:00"), service::data, MB, ""}};  // 15:59:59 Beijing
  const reference_bill b = rate_reference(cmcc(), date::year(2012) / 7, orders, records);
  // `base` uses the whole 150 MB; then 3 MB = 3,072 KB peak at 0.01 = 30.72 and 3 MB
  // off-peak at 0.005 = 15.36 (D17). Total = 20.00 + 30.72 + 15.36.
  CHECK(b.total == amount("66.08"));
}

TEST_CASE("a record straddling the end of the allowance is split (allowance-straddle)") {
  const std::vector<order> orders{{"gprs-20", at("2012-05-01T00:00:00+08:00"), std::nullopt}};
  const std::vector<usage> records{
      {"r1", at("2012-07-03T10:00:00+08:00"), service::data, 140 * MB, ""},
      {"r2", at("2012-07-04T11:00:00+08:00"), service::data, 20 * MB, ""}};
  const reference_bill b = rate_reference(cmcc(), date::year(2012) / 7, orders, records);
  // r1 leaves 10 MB; r2 draws those 10 MB and 10 MB = 10,240 KB are charged 0.01 = 102.40.
  CHECK(line(b, "allowance", "gprs-20").used == 150 * MB);
  CHECK(line(b, "usage", "gprs-20").amount == amount("102.40"));
  CHECK(b.total == amount("122.40"));  // 20.00 + 102.40
}

TEST_CASE("gprs-20: reactivating data after the 15 GB cut-off (threshold-gprs20-reactivation)") {
  const std::vector<order> orders{{"gprs-20", at("2012-06-01T00:00:00+08:00"), std::nullopt}};
  const std::vector<usage> records{
      {"big", at("2012-07-10T10:00:00+08:00"), service::data, 15 * GB, ""},
      {"over", at("2012-07-15T10:00:00+08:00"), service::data, MB, ""},
      {"again", at("2012-07-21T10:00:00+08:00"), service::data, 15 * GB, ""}};
  const std::vector<instant> reactivations{
      at("2012-07-05T09:00:00+08:00"),   // not cut off: refused
      at("2012-07-20T09:00:00+08:00"),   // lifts cap and cut-off
      at("2012-07-25T09:00:00+08:00")};  // not cut off any more
  const reference_bill b =
      rate_reference(cmcc(), date::year(2012) / 7, orders, records, reactivations);
  // big: 150 MB allowance, then 50,000 KB at 0.01 = 500.00 reach the cap, the rest capped;
  // exactly 15 GB reaches the cut-off. over and again: all beyond 15 GB at 0.0005, uncapped
  // (D6, reactivated or not): (1,024 + 15,728,640) KB x 0.0005 = 7,864.832 -> 7,864.83.
  CHECK(b.seen.reactivations == 1);
  CHECK(b.total == amount("8384.83"));  // 20.00 + 500.00 + 7,864.83
}

TEST_CASE("a rate change on volume: allowances first, then the new rate beyond the level") {
  // An inline catalog: 10 MB included, 0.01/KB beyond it, 0.001/KB once 20 MB are used.
  const catalog cat = parse_catalog(R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 KB" }
[[rates]]
service = "data"
price = "0.02"
per = "1 KB"
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
fee = { amount = "10.00", per = "cycle" }
  [[products.allowances]]
  service = "data"
  quantity = "10 MB"
  [[products.rates]]
  service = "data"
  price = "0.01"
  per = "1 KB"
  [[products.thresholds]]
  counter = "volume"
  service = "data"
  at = "20 MB"
  action = "rate_change"
  rate = { price = "0.001", per = "1 KB" }
)",
                                    "inline.toml");
  const std::vector<order> orders{{"p", at("2012-06-01T00:00:00+08:00"), std::nullopt}};
  const std::vector<usage> records{
      {"r", at("2012-07-10T10:00:00+08:00"), service::data, 30 * MB, ""}};
  const reference_bill b = rate_reference(cat, date::year(2012) / 7, orders, records);
  // r = 30 MB: 10 MB from the allowance; 10 MB = 10,240 KB at p's 0.01 = 102.40 up to the
  // 20 MB level; split there, the last 10,240 KB at 0.001 = 10.24.
  CHECK(b.seen.switch_splits == 1);
  CHECK(b.total == amount("122.64"));  // 10.00 + 102.40 + 10.24
}

TEST_CASE("the reference refuses what it does not model") {
  const std::vector<order> orders{{"intl-daypass", at("2012-07-01T00:00:00+08:00"), std::nullopt}};
  CHECK_THROWS_AS(rate_reference(cmcc(), date::year(2012) / 7, orders, {}), std::invalid_argument);
}

}  // namespace ratel::oracle
