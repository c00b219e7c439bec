// A usage-fee threshold that a cap keeps from ever being reached must not split records.
//
// Found by the oracle property test (tests/oracle, seed 1737 before the generator grew):
// a cut-off's rate charged under a cap already reached, counted by a reminder on the
// product's usage fees set above what the cap lets through. The rater split the record
// every ceil(need / price) increments although no part could move the counter, and a
// 148 MB record in 1 B increments became tens of millions of parts until the allocation
// failed and took the whole run down. The amounts were right; the memory was not.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ratel/account.hpp"
#include "ratel/bill.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/rater.hpp"

namespace ratel {

TEST_CASE("a usage-fee reminder above the cap does not split a record into parts") {
  const rule_plan plan = rule_plan::compile(parse_catalog(R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"
[services]
data = { increment = "1 B" }
[[rates]]
service = "data"
price = "0.02"
per = "1 B"
[[products]]
id = "p"
kind = "plan"
code = 1
priority = 1
  [[products.rates]]
  service = "data"
  price = "0.01"
  per = "1 B"
  [[products.thresholds]]
  counter = "usage_fee"
  at = "1.00"
  action = "cap"
  [[products.thresholds]]
  counter = "usage_fee"
  at = "2.00"
  action = "notify"
)",
                                                          "unreachable-fee.toml"));
  const account_book book =
      fold_account_log(parse_account_log("subscriber,time,action,product,amount,note\ns1,2012-06-"
                                         "01T00:00:00+08:00,subscribe,p,,\n",
                                         "accounts.csv"),
                       plan);
  const usage_batch usage = parse_usage_csv(
      "id,subscriber,time,service,quantity\nr1,s1,2012-07-10T10:00:00+08:00,data,10485760\n",
      "usage.csv");
  std::vector<const usage_record*> records;
  for (const usage_record& r : usage.records()) records.push_back(&r);
  const rated_cycle rated = rate_cycle(
      plan, book.find("s1"), calendar_month_cycle(date::year(2012) / 7, plan.home_zone()), records);

  // 10 MB = 10,485,760 B at p's 0.01 per B: the cap (1.00) is reached after 100 B; the
  // reminder at 2.00 can never be reached, since the cap lets no more fee through. So one
  // part up to the cap and one capped part for the other 10,485,660 B; before the fix,
  // one part every ceil(1.00 / 0.01) = 100 B: 104,857 parts.
  REQUIRE(rated.records.size() == 1);
  CHECK(rated.parts.size() == 2);
  CHECK(make_bill(plan, rated).total == money::parse("1.00", plan.source().money_unit));
}

}  // namespace ratel
