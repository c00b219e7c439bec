// How a QA team checks another billing system's double refund with ratel.
//
// The system under test here is `legacy::refund_for_dispute`, a stand-in for the refund
// routine of the billing system the team works on: in a real suite it is that system's
// code, linked into the test. ratel re-rates the disputed bill from the tariff and the
// usage, and the test asserts that both agree to the fen.
//
// Build: see tests/CMakeLists.txt (target example_qa_refund_check); it links ratel::ratel
// and doctest, as a QA project would with find_package(ratel).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <ratel/run/testing.hpp>

namespace legacy {

// The legacy system's refund: twice what was charged beyond the correct amount, per line.
ratel::money refund_for_dispute(const ratel::money& charged, const ratel::money& correct) {
  const ratel::money over = charged - correct;
  return over.is_negative() ? ratel::money::zero(charged.unit()) : over * 2;
}

}  // namespace legacy

TEST_CASE("the legacy system refunds the July GPRS overcharge exactly as ratel computes it") {
  // The customer had gprs-20 all July 2012 and used 180 MB by day; the legacy bill charged
  // the 30 MB beyond the allowance at 0.02/KB instead of 0.01/KB.
  auto s = ratel::testing::scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
  s.account("13800000001,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
      .usage("cdr-1,13800000001,2012-07-10T10:00:00+08:00,data,188743680");

  const ratel::dispute_report report = s.rerate(
      "subscriber,cycle,product,kind,amount\n"
      "13800000001,2012-07,gprs-20,fee,20.00\n"
      "13800000001,2012-07,gprs-20,usage,614.40\n");

  // ratel: 30,720 KB x 0.01 = 307.20 was due; 614.40 was charged; the refund is 2 x 307.20.
  const ratel::money legacy = legacy::refund_for_dispute(s.amount("614.40"), s.amount("307.20"));
  CHECK(report.refund_due.total == legacy);
  CHECK(report.refund_due.total == s.amount("614.40"));
  CHECK(report.refund_due.form == "account_credit");
}
