// Disputes through testing.hpp: issue 7's worked checks, explain's account of every fen,
// and line matching.
#include <doctest/doctest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ratel/io/bill_writer.hpp"
#include "ratel/run/testing.hpp"

using ratel::testing::scenario;

namespace {

// gprs-20 for all of July 2012 with 180 MB of daytime data: 150 MB included, 30 MB =
// 30,720 KB at 0.01 = 307.20 (D6); total 327.20.
scenario july_180mb() {
  scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
  s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
      .usage("d1,s1,2012-07-10T10:00:00+08:00,data,188743680");
  return s;
}

// The rows of a CSV file, without its header.
std::vector<std::string> rows_of(const char* path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<std::string> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(line);
  return rows;
}

const char* charged_double =
    "subscriber,cycle,product,kind,amount\n"
    "s1,2012-07,gprs-20,fee,20.00\n"
    "s1,2012-07,gprs-20,usage,614.40\n";  // 30,720 KB at 0.02

}  // namespace

TEST_SUITE("dispute") {
  TEST_CASE("worked check: usage charged at 0.02/KB is overcharged 307.20, refunded 614.40") {
    scenario s = july_180mb();
    ratel::dispute_report r = s.rerate(charged_double);
    CHECK(r.overcharge == s.amount("307.20"));  // 614.40 - 307.20
    CHECK(r.undercharge == s.amount("0.00"));
    CHECK(r.refund_due.principal == s.amount("307.20"));
    CHECK(r.refund_due.double_part == s.amount("307.20"));
    CHECK(r.refund_due.total == s.amount("614.40"));  // 2 x overcharge (D14)
    CHECK(r.refund_due.form == "account_credit");
    CHECK(r.refund_due.credited_now == s.amount("0.00"));  // nothing before verification
    CHECK(r.refund_due.pending_verification == s.amount("614.40"));
    ratel::dispute_report pre = s.rerate(charged_double, {.pre_refund = true});
    CHECK(pre.refund_due.credited_now == s.amount("307.20"));  // the principal now (R-REF-03)
    CHECK(pre.refund_due.pending_verification == s.amount("307.20"));
    ratel::dispute_report verified =
        s.rerate(charged_double, {.pre_refund = true, .verified = true});
    CHECK(verified.refund_due.credited_now == s.amount("614.40"));
  }

  TEST_CASE("worked check: a correct bill (ratel's own JSON) has nothing to refund") {
    scenario s = july_180mb();
    const std::string own = ratel::bills_to_json(s.rate("2012-07").bills);
    ratel::dispute_report r = s.rerate(own);
    CHECK(r.overcharge.is_zero());
    CHECK(r.undercharge.is_zero());
    CHECK(r.refund_due.total.is_zero());
    CHECK(r.disputed_total == s.amount("327.20"));
    CHECK(r.recomputed_total == s.amount("327.20"));
  }

  TEST_CASE("worked check: charged 10.00 less is an undercharge, no refund") {
    scenario s = july_180mb();
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,gprs-20,fee,20.00\n"
        "s1,2012-07,gprs-20,usage,297.20\n");
    CHECK(r.undercharge == s.amount("10.00"));  // 307.20 - 297.20, reported, never billed back
    CHECK(r.overcharge.is_zero());
    CHECK(r.refund_due.total.is_zero());
  }

  TEST_CASE("lines sharing (product, kind) are summed as one group (D19), strays in full") {
    // gprs-20 with peak and off-peak usage: two usage lines. The disputed bill lists them
    // in the other order, with the off-peak one 1.00 too high, and adds a bogus fee.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .usage("a,s1,2012-07-02T12:00:00+08:00,data,157286400")  // the whole 150 MB
        .usage("p,s1,2012-07-03T12:00:00+08:00,data,10485760")   // 10 MB peak: 102.40
        .usage("o,s1,2012-07-03T23:30:00+08:00,data,1048576");   // 1 MB off-peak: 5.12
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,gprs-20,usage,102.40\n"
        "s1,2012-07,gprs-20,usage,6.12\n"
        "s1,2012-07,gprs-20,fee,20.00\n"
        "s1,2012-07,cmcc-2012,fee,9.99\n");
    // Groups: gprs-20 usage 102.40 + 6.12 = 108.52 against 102.40 + 5.12 = 107.52, over
    // 1.00; gprs-20 fee 20.00 against 20.00; cmcc-2012 fee 9.99 against nothing, over in
    // full; ratel's allowance line of 0.00 has no disputed line and disputes nothing.
    CHECK(r.overcharge == s.amount("10.99"));  // 1.00 + 9.99
    REQUIRE(r.groups.size() == 3);
    REQUIRE(r.lines.size() == 3);
    CHECK(r.groups[0].disputed_lines.size() == 2);
    CHECK(r.groups[0].recomputed_lines.size() == 2);
    CHECK_FALSE(r.lines.back().recomputed.has_value());
    CHECK(r.refund_due.total == s.amount("21.98"));
  }

  // The three disputes of issue 15, as another system's bill arrives. All on cmcc-2012,
  // base tariff (no product): voice 0.19/min, data 0.01/KB in either band (R-VOICE-01,
  // R-DATA-01); ratel bills one usage line per service, country and band.
  TEST_CASE("D19: a raised voice line and a lowered data line are not paired across services") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .usage("v,s1,2012-07-02T10:00:00+08:00,voice,180,,13900000000")  // 3 min x 0.19 = 0.57
        .usage("d,s1,2012-07-02T11:00:00+08:00,data,1048576");           // 1,024 KB x 0.01 = 10.24
    // The bill raised voice to 5.00 and lowered data to 0.40; with the service column the
    // groups are (cmcc-2012, usage, voice) 5.00 vs 0.57: over 4.43, and (cmcc-2012, usage,
    // data) 0.40 vs 10.24: under 9.84, which never offsets. Refund 2 x 4.43 = 8.86. (Paired
    // by amount order, 5.00 met 10.24 and 0.40 met 0.57: overcharge 0.00.)
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,service,amount\n"
        "s1,2012-07,cmcc-2012,usage,voice,5.00\n"
        "s1,2012-07,cmcc-2012,usage,data,0.40\n");
    CHECK(r.overcharge == s.amount("4.43"));
    CHECK(r.undercharge == s.amount("9.84"));
    CHECK(r.refund_due.total == s.amount("8.86"));
    REQUIRE(r.groups.size() == 2);
    CHECK(r.groups[0].service == "voice");
  }

  TEST_CASE("D19: one disputed line against ratel's two of a group is compared as sums") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .usage("p,s1,2012-07-02T10:00:00+08:00,data,10486784")  // 10,241 KB peak: 102.41
        .usage("o,s1,2012-07-02T23:30:00+08:00,data,5242880");  // 5,120 KB off-peak: 51.20
    // Another system bills one usage line, 256.02, against ratel's 102.41 + 51.20 = 153.61:
    // overcharge 256.02 - 153.61 = 102.41, refund 204.82. (Paired, 256.02 met 51.20 and
    // 102.41 met nothing: 204.82 over, refund 409.64.)
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,cmcc-2012,usage,256.02\n");
    CHECK(r.overcharge == s.amount("102.41"));
    CHECK(r.refund_due.total == s.amount("204.82"));
  }

  TEST_CASE("D19: a charge split in two by the other system is compared as one sum") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .usage("p,s1,2012-07-02T10:00:00+08:00,data,10485760");  // 10,240 KB peak: 102.40
    // 50.00 + 62.40 = 112.40 against 102.40: overcharge 10.00, refund 20.00 (paired: 62.40
    // against 102.40 and 50.00 against nothing, refund 124.80).
    ratel::dispute_report r = s.rerate(
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,cmcc-2012,usage,50.00\n"
        "s1,2012-07,cmcc-2012,usage,62.40\n");
    CHECK(r.overcharge == s.amount("10.00"));
    CHECK(r.refund_due.total == s.amount("20.00"));
  }

  TEST_CASE("D19: an amount past the fen, or a total not the sum of its lines, is refused") {
    scenario s = july_180mb();
    CHECK_THROWS_WITH_AS(s.rerate("subscriber,cycle,product,kind,amount\n"
                                  "s1,2012-07,gprs-20,usage,250.005\n"),
                         doctest::Contains("amount: \"250.005\" is not a whole fen"),
                         ratel::input_error);
    CHECK_THROWS_WITH_AS(s.rerate("subscriber,cycle,product,kind,amount\n"
                                  "s1,2012-07,gprs-20,fee,20.00\n"
                                  "s1,2012-07,,total,20.01\n"),
                         doctest::Contains("total: the total 20.01 is not the sum"),
                         ratel::input_error);
  }

  TEST_CASE("D19: ratel's own --format csv reads back with nothing to refund") {
    scenario s = july_180mb();
    const std::string own = ratel::bills_to_csv(s.rate("2012-07").bills);
    ratel::dispute_report r = s.rerate(own);
    CHECK(r.overcharge.is_zero());
    CHECK(r.undercharge.is_zero());
    CHECK(r.disputed_total == s.amount("327.20"));
  }

  TEST_CASE("D19 property: re-splitting lines changes nothing, raises are refunded twice") {
    // The bill of july_180mb, as ratel's CSV: fee 20.00, allowance 0.00, usage 307.20.
    // Split each amount into random whole-fen parts (same sums per group): refund 0.00.
    // Raise random lines by random fen: the refund is exactly 2 x the raises.
    scenario s = july_180mb();
    std::mt19937_64 random(20261202);
    const std::vector<std::pair<std::string, std::int64_t>> lines = {
        {"gprs-20,fee", 2000}, {"gprs-20,usage", 30720}};  // in fen
    for (int round = 0; round < 200; ++round) {
      std::string bill = "subscriber,cycle,product,kind,amount\n";
      std::int64_t raised = 0;
      const bool raise = round % 2 == 1;
      for (const auto& [key, fen] : lines) {
        std::int64_t left = fen;
        if (raise) {
          const auto up = static_cast<std::int64_t>(random() % 5000);
          left += up;
          raised += up;
        }
        const int parts = 1 + static_cast<int>(random() % 4);
        for (int p = 0; p < parts; ++p) {
          const std::int64_t part =
              p + 1 == parts ? left : static_cast<std::int64_t>(random() % (left + 1));
          left -= part;
          bill += fmt::format("s1,2012-07,{},{}.{:02}\n", key, part / 100, part % 100);
        }
      }
      ratel::dispute_report r = s.rerate(bill);
      CHECK(r.refund_due.total ==
            s.amount(fmt::format("{}.{:02}", 2 * raised / 100, 2 * raised % 100)));
      CHECK(r.undercharge.is_zero());
    }
  }

  TEST_CASE("explain accounts for every fen of the thresholds issue's worked bills") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,");
    for (int i = 1; i <= 4; ++i)  // 4 x 100 MB: the 400 MB check, capped at 500.00
      s.usage(fmt::format("d{},s1,2012-07-{:02}T10:00:00+08:00,data,104857600", i, 7 * i - 5));
    const std::string text = s.explain("s1", "2012-07");
    CAPTURE(text);
    // Each line with its amount and how it was made, then the total as their sum.
    CHECK(text.find("fee   gprs-20  20.00: 20.00 per cycle") != std::string::npos);
    CHECK(text.find("d2  2012-07-09T10:00:00+08:00  50000 KB = 50000 x 0.01 = 500.00") !=
          std::string::npos);
    CHECK(text.find("1200 KB = 1200 x 0.01 = 12.00 capped to 0.00") != std::string::npos);
    // gprs-20 has two usage lines (charged, and waived by the cap): rounded together (D18).
    CHECK(text.find("sum 500.00, rounded with gprs-20's other usage lines = 500.00") !=
          std::string::npos);
    CHECK(text.find("gprs-20's usage lines are rounded together (D18): 500.00 + 0.00 = 500.00") !=
          std::string::npos);
    CHECK(text.find("total 520.00 = 20.00 + 0.00 + 500.00 + 0.00") != std::string::npos);
    // One record's path: split at the allowance's end and at the cap.
    const std::string d2 = s.explain("s1", "2012-07", "d2");
    CHECK(d2.find("30 MB drawn from gprs-20's allowance") != std::string::npos);
    CHECK(d2.find("crossed gprs-20 fee cap (cap)") != std::string::npos);
  }

  TEST_CASE("explain: a record split by a threshold that changes no price says which one") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .usage("d1,s1,2012-07-02T10:00:00+08:00,data,104857600")  // 100 MB
        .usage("d2,s1,2012-07-03T10:00:00+08:00,data,41943040");  // 40 MB
    // gprs-20's 150 MB allowance (D6) has an 80% reminder at 120 MB: d2 draws 20 MB to
    // 120 MB, the reminder fires, and d2 draws its other 20 MB from the same allowance.
    const std::string text = s.explain("s1", "2012-07");
    CAPTURE(text);
    CHECK(text.find("d2  2012-07-03T10:00:00+08:00  20 MB\n") != std::string::npos);
    CHECK(text.find("d2  2012-07-03T10:00:00+08:00  20 MB (split from the part above by "
                    "threshold gprs-20 data 80%)") != std::string::npos);
    const std::string d2 = s.explain("s1", "2012-07", "d2");
    CAPTURE(d2);
    CHECK(d2.find("  20 MB drawn from gprs-20's allowance (150 MB in the cycle)\n"
                  "  crossed gprs-20 data 80% (notify): ") != std::string::npos);
    CHECK(d2.find("the record is split here by threshold gprs-20 data 80% alone") !=
          std::string::npos);
  }

  TEST_CASE("explain: a product's usage lines rounded together give their fen away (D18)") {
    // tests/cases/rounding-product-lines-under-cap: gprs-20's peak line 499.995 and
    // off-peak line 0.005 add up to 500.00; rounded down 499.99, the fen left goes to the
    // first of the equal remainders in bill order, the peak line.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .usage("d1,s1,2012-07-02T10:00:00+08:00,data,157286400")
        .usage("d2,s1,2012-07-02T23:30:00+08:00,data,1024")
        .usage("d3,s1,2012-07-03T10:00:00+08:00,data,104857600");
    const std::string text = s.explain("s1", "2012-07");
    CAPTURE(text);
    CHECK(text.find("usage  gprs-20  500.00: data in CN, peak band") != std::string::npos);
    CHECK(text.find("usage  gprs-20  0.00: data in CN, off_peak band") != std::string::npos);
    CHECK(text.find("499.995 + 0.00 + 0.005 = 500.00, rounded to 2 decimals half_up = 500.00; "
                    "the lines rounded down add up to 499.99, and the 0.01 left") !=
          std::string::npos);
    CHECK(text.find("total 520.00 = 20.00 + 0.00 + 500.00 + 0.00 + 0.00") != std::string::npos);
    CHECK(s.bill_of("s1", "2012-07").total == s.amount("520.00"));
  }

  TEST_CASE("explain: a record's time in the home zone and as it was written") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,join,,,")
        .usage("r,s1,2012-07-02T03:30:00+01:00,data,1024,GB")  // 10:30 in Shanghai
        .usage("h,s1,2012-07-02T11:00:00+08:00,data,1024");
    const std::string r = s.explain("s1", "2012-07", "r");
    CHECK(r.find("at 2012-07-02T10:30:00+08:00 (written 2012-07-02T03:30:00+01:00) in GB") !=
          std::string::npos);
    // Written in the home zone's offset: shown once.
    const std::string h = s.explain("s1", "2012-07", "h");
    CHECK(h.find("at 2012-07-02T11:00:00+08:00 in CN") != std::string::npos);
    CHECK(h.find("written") == std::string::npos);
  }

  TEST_CASE("explain: the total adds the amounts in the order their lines are shown") {
    // The bundled example: 13800000002 has a fee, two top-up orders, three allowances and
    // three usage lines; 13800000001 a fee of a pack before the plan's (bill order is by
    // product id) and 13800000003 roaming. Each section header shows its amount after the
    // product; the total line must list exactly those, in that order.
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    for (const std::string& row : rows_of(RATEL_SOURCE_DIR "/examples/july-2012/accounts.csv"))
      s.account(row);
    // The example's usage columns are id,subscriber,time,service,quantity,country,peer; the
    // scenario's have region between country and peer.
    for (const std::string& row : rows_of(RATEL_SOURCE_DIR "/examples/july-2012/usage.csv")) {
      const std::size_t last_comma = row.rfind(',');
      s.usage(row.substr(0, last_comma) + "," + row.substr(last_comma));
    }
    for (const char* subscriber : {"13800000001", "13800000002", "13800000003"}) {
      const std::string text = s.explain(subscriber, "2012-07");
      CAPTURE(text);
      std::vector<std::string> shown;
      std::string total_line;
      std::size_t at = 0;
      while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        const std::string line = text.substr(at, end - at);
        at = end == std::string::npos ? text.size() : end + 1;
        if (line.rfind("total ", 0) == 0) total_line = line;
        for (const char* kind : {"fee ", "pack ", "allowance ", "usage ", "covered ", "pass "}) {
          if (line.rfind(kind, 0) != 0) continue;
          // "<kind>  <product>  <amount>: ..."
          const std::size_t colon = line.find(':');
          const std::size_t space = line.rfind(' ', colon);
          shown.push_back(line.substr(space + 1, colon - space - 1));
        }
      }
      REQUIRE(!shown.empty());
      CHECK(total_line.substr(total_line.find(" = ") + 3) ==
            fmt::format("{}", fmt::join(shown, " + ")));
    }
  }

  TEST_CASE("explain, 160 MB: 102.40 is 10,240 KB at 0.01, and the total is the sum") {
    scenario s = scenario::from_file(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    s.account("s1,2012-06-01T00:00:00+08:00,subscribe,gprs-20,,")
        .usage("d,s1,2012-07-02T10:00:00+08:00,data,167772160");
    const std::string text = s.explain("s1", "2012-07");
    CAPTURE(text);
    CHECK(text.find("10 MB = 10240 x 0.01 = 102.40") != std::string::npos);
    CHECK(text.find("total 122.40 = 20.00 + 0.00 + 102.40") != std::string::npos);
  }

  TEST_CASE("a failed amount check prints both amounts (it printed {?} == {?})") {
    // doctest prints a value through operator<< when there is one (money.hpp), so a QA
    // team's failing CHECK(refund == expected) says "8.86 CNY", never "{?}".
    scenario s = july_180mb();
    CHECK(doctest::toString(s.amount("8.86")) == "8.86 CNY");
    CHECK(doctest::toString(s.amount("-0.5")) == "-0.50 CNY");
  }
}
