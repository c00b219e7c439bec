// Shared helpers for the account, rater and bill tests: an inline catalog, log and usage.
#pragma once

#include <string>
#include <vector>

#include "ratel/account.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/rater.hpp"

namespace ratel::testing_fixture {

// A small catalog in the shape of cmcc-2012: every number below is this test's own.
inline const char* catalog_text = R"(
[catalog]
id = "t"
home_country = "CN"
zone = "Asia/Shanghai"
currency = "CNY"

[services]
data = { increment = "1 KB" }
voice = { increment = "1 min" }

[bands]
default = "peak"
off_peak = { from = "23:00", to = "07:00" }

[countries]
KR = { zone = "Asia/Seoul" }

[[rates]]
service = "data"
where = "home"
price = "0.01"
per = "1 KB"

[[rates]]
service = "voice"
price = "0.19"
per = "1 min"

[[products]]
id = "plan-a"
kind = "plan"
code = 2020
priority = 500
fee = { amount = "20.00", per = "cycle" }
exclusive_group = "plans"
  [[products.allowances]]
  service = "data"
  quantity = "100 KB"
  where = "home"
  [[products.rates]]
  service = "data"
  where = "home"
  band = "off_peak"
  price = "0.005"
  per = "1 KB"

[[products]]
id = "plan-b"
kind = "plan"
code = 2050
priority = 500
fee = { amount = "50.00", per = "cycle" }
exclusive_group = "plans"

[[products]]
id = "pack-low-code"
kind = "pack"
code = 1995
priority = 500
fee = { amount = "5.00", per = "cycle" }
  [[products.allowances]]
  service = "data"
  quantity = "30 KB"
  where = "home"

[[products]]
id = "topup"
kind = "pack"
code = 3003
priority = 800
fee = { amount = "3.00", per = "order" }
validity = "rest_of_cycle"
stackable = true
  [[products.allowances]]
  service = "data"
  quantity = "10 KB"
  where = "home"

[[products]]
id = "roam-pack"
kind = "pack"
code = 1
priority = 100
  [[products.allowances]]
  service = "data"
  quantity = "10 KB"
  where = "roaming"
)";

inline rule_plan make_plan() {
  return rule_plan::compile(parse_catalog(catalog_text, "t.toml"));
}

inline account_book make_book(const rule_plan& plan, const std::string& log_body) {
  return fold_account_log(
      parse_account_log("subscriber,time,action,product,amount,note\n" + log_body, "log.csv"),
      plan);
}

inline usage_batch make_usage(const std::string& body) {
  return parse_usage_csv("id,subscriber,time,service,quantity,country\n" + body, "usage.csv");
}

inline rated_cycle rate_july(const rule_plan& plan, const account_book& book,
                             const usage_batch& usage, const std::string& subscriber = "s1") {
  std::vector<const usage_record*> records;
  for (const usage_record& r : usage.records()) records.push_back(&r);
  billing_cycle july = calendar_month_cycle(date::year(2012) / date::July, plan.home_zone());
  return rate_cycle(plan, book.find(subscriber), july, records);
}

inline instant at(const char* rfc3339) {
  return *parse_rfc3339(rfc3339);
}

}  // namespace ratel::testing_fixture
