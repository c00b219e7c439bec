// Rates issue 2's worked check through the installed library and checks the total.
// The catalog is found where the package says its catalogs are (RATEL_TARIFFS_DIR).
#include <cstdio>

#include <ratel/batch.hpp>
#include <ratel/catalog_toml.hpp>

int main() {
  using namespace ratel;
  rule_plan plan = rule_plan::compile(load_catalog(RATEL_TARIFFS_DIR "/cmcc-2012.toml"));
  account_book book =
      fold_account_log(parse_account_log("subscriber,time,action,product,amount,note\n"
                                         "s1,2012-06-15T10:00:00+08:00,subscribe,gprs-20,,\n"
                                         "s1,2012-06-15T10:00:00+08:00,subscribe,data-pack-5,,\n",
                                         "accounts.csv"),
                       plan);
  // 200 MB of daytime data in July 2012.
  usage_batch usage = usage_batch::parse(
      "id,subscriber,time,service,quantity\n"
      "d1,s1,2012-07-02T09:00:00+08:00,data,209715200\n",
      "usage.csv");
  batch_result result =
      rate_batch(plan, book, usage, calendar_month_cycle(date::year(2012) / 7, plan.home_zone()));
  // 20.00 + 5.00 + (200 - 30 - 150) MB x 1024 x 0.01 = 229.80 (D6, D13).
  const money expected = money::parse("229.80", plan.source().money_unit);
  if (result.bills.size() != 1 || result.bills[0].total != expected) {
    std::fprintf(stderr, "consumer: expected one bill of 229.80\n");
    return 1;
  }
  std::printf("consumer: %s %s total %s\n", result.bills[0].subscriber.c_str(),
              to_string(result.bills[0].cycle).c_str(), result.bills[0].total.to_string().c_str());
  return 0;
}
