// Regression tests for what the fuzz targets of tests/fuzz found (issue 9). Each test
// names the fuzz target and the reproducer kept in tests/fuzz/regressions/<target>/,
// says what the input is, and what ratel must do with it instead of crashing.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "io/csv.hpp"
#include "ratel/dispute.hpp"
#include "ratel/error.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/disputed_bill.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/rules.hpp"
#include "ratel/time.hpp"
#include "ratel/usage.hpp"

namespace {

const ratel::rule_plan& cmcc_2012() {
  static const ratel::rule_plan plan =
      ratel::rule_plan::compile(ratel::load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  return plan;
}

/// The input_error that `f` throws (fails the test if it throws none).
template <class F>
ratel::input_error error_of(F&& f) {
  try {
    f();
  } catch (const ratel::input_error& e) {
    return e;
  }
  FAIL("no input_error");
  return ratel::input_error({}, "", "");
}

}  // namespace

TEST_SUITE("robustness") {
  // fuzz_dispute, regressions/dispute/invalid-utf8-subscriber.csv: a disputed-bill CSV
  // whose subscriber "s1\xC1" holds a byte that is not UTF-8. It was read as is, and
  // writing the dispute report threw nlohmann::json's type_error 316 out of `ratel
  // rerate` (std::terminate). Every CSV reader now refuses bytes that are not UTF-8 where
  // it reads them: the CSV files are UTF-8 (DESIGN 4), and the JSON writers need it.
  TEST_CASE("csv: a byte that is not UTF-8 is a row problem at its column") {
    std::vector<ratel::detail::csv::field> fields;
    const auto r = ratel::detail::csv::split("s1,ab\xC1,x", fields);
    CHECK(r.problem == ratel::detail::csv::row_problem::invalid_utf8);
    CHECK(r.column == 6);  // "s1," is columns 1-3, "ab" 4-5, the bad byte 6
    // Quoted too, and a truncated sequence at the end of the line.
    CHECK(ratel::detail::csv::split("\"a\xE4\xB8\"", fields).problem ==
          ratel::detail::csv::row_problem::invalid_utf8);
    CHECK(ratel::detail::csv::split("a\xE4\xB8", fields).problem ==
          ratel::detail::csv::row_problem::invalid_utf8);
    // Overlong forms, surrogates and code points above U+10FFFF are not UTF-8 either.
    for (const char* bad :
         {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80"})
      CHECK(ratel::detail::csv::split(bad, fields).problem ==
            ratel::detail::csv::row_problem::invalid_utf8);
    // Well-formed multi-byte text is read, and columns count code points: 中 is column 1.
    REQUIRE(ratel::detail::csv::split("\xE4\xB8\xAD,\xF0\x9F\x93\xB1,\xC3\xA9", fields));
    REQUIRE(fields.size() == 3);
    CHECK(fields[1].column == 3);
    CHECK(fields[2].column == 5);
  }

  TEST_CASE(
      "dispute CSV: a subscriber that is not UTF-8 is an input_error at its line and column") {
    const std::string text =
        "subscriber,cycle,product,kind,amount\n"
        "s1\xC1,2012-07,gprs-20,usage,614.40\n";
    const ratel::input_error e =
        error_of([&] { (void)ratel::parse_disputed_bills(text, "d.csv", cmcc_2012()); });
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 3);
    CHECK(std::string(e.what()).find("not UTF-8") != std::string::npos);
  }

  TEST_CASE("account log and usage: a byte that is not UTF-8 is refused too") {
    const ratel::input_error e = error_of([] {
      (void)ratel::parse_account_log(
          "subscriber,time,action,product,amount,note\n"
          "s1,2012-06-01T00:00:00+08:00,join,,,caf\xE9\n",
          "a.csv");
    });
    CHECK(e.where().line == 2);
    // A usage row is never an exception: it is a malformed_row reject, and the counts
    // still reconcile.
    const ratel::usage_batch b = ratel::parse_usage_csv(
        "id,subscriber,time,service,quantity\nr1,s\xFF,2012-07-03T22:00:00Z,data,7\n", "u.csv");
    REQUIRE(b.rejects().size() == 1);
    CHECK(b.rejects()[0].reason == ratel::reject_reason::malformed_row);
    CHECK(b.rejects()[0].line == 2);
    CHECK(b.records().empty());
  }

  // fuzz_rfc3339, regressions/rfc3339/year-minus-1-in-utc and year-10000-in-utc: a time
  // whose UTC date leaves the four-digit years. "0000-01-01T00:00:00+01:00" was read as
  // 31 December of year -1 (UTC), which format_rfc3339 printed as "-001-12-31T23:00:00Z",
  // a text parse_rfc3339 refuses: the round trip that rejects and events rely on broke.
  // Such a time is now refused at the year (column 1).
  TEST_CASE("rfc3339: a time outside the years 0000..9999 in UTC is refused at the year") {
    using std::chrono::seconds;
    for (const char* bad : {"0000-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"}) {
      CAPTURE(bad);
      ratel::time_parse_error error;
      CHECK_FALSE(ratel::parse_rfc3339(bad, &error));
      CHECK(error.column == 1);
      CHECK(error.message.find("0000..9999") != std::string::npos);
    }
    // The extremes themselves are read, and written back in UTC they parse again.
    for (const char* edge : {"0000-01-01T00:00:00Z", "0000-01-01T00:59:00+00:59",
                             "9999-12-31T23:59:59Z", "9999-12-31T22:59:59-01:00"}) {
      CAPTURE(edge);
      const std::optional<ratel::instant> t = ratel::parse_rfc3339(edge);
      REQUIRE(t);
      CHECK(ratel::parse_rfc3339(ratel::format_rfc3339(*t, seconds{0}, true)) == t);
    }
  }

  // fuzz_dispute, regressions/dispute/refund-overflows.csv: a disputed usage line of
  // 5,000,000,000,000.00 CNY. The amount is exact money (the range is about +-9.2e12),
  // but the double refund, 2 x 5e12, is not: compare() let money_error out and `ratel
  // rerate` died in std::terminate. It is an input_error at the disputed bill (line 2),
  // field amount, so the CLI reports it and exits 1.
  TEST_CASE("dispute: amounts whose double refund overflows are an input_error at the bill") {
    const std::string text =
        "subscriber,cycle,product,kind,amount\n"
        "s1,2012-07,gprs-20,usage,5000000000000.00\n";
    const std::vector<ratel::disputed_bill> bills =
        ratel::parse_disputed_bills(text, "d.csv", cmcc_2012());
    REQUIRE(bills.size() == 1);
    ratel::bill recomputed;
    recomputed.subscriber = "s1";
    recomputed.cycle = bills[0].cycle;
    recomputed.money_unit = bills[0].money_unit;
    recomputed.total = ratel::money::zero(recomputed.money_unit);
    const ratel::input_error e = error_of([&] { (void)ratel::compare(bills[0], recomputed, {}); });
    CHECK(e.where().file == "d.csv");
    CHECK(e.where().line == 2);
    CHECK(e.field() == "amount");
    // Half of it is refunded twice within range: 2,500,000,000,000.00 x 2.
    const std::vector<ratel::disputed_bill> half = ratel::parse_disputed_bills(
        "subscriber,cycle,product,kind,amount\ns1,2012-07,gprs-20,usage,2500000000000.00\n",
        "d.csv", cmcc_2012());
    CHECK(ratel::compare(half[0], recomputed, {}).refund_due.total.to_string() ==
          "5000000000000.00");
  }

  // fuzz_dispute, regressions/dispute/json-number-overflow.json: a bill JSON holding the
  // number 1e999, past the range of a double. nlohmann::json throws out_of_range (406),
  // not parse_error, and only parse_error was turned into an input_error: `ratel rerate`
  // died in std::terminate. Now it is an input_error at the number's line and column.
  // Issue 14, item 10 (regressions/dispute/nested-100000-deep.json): a bill JSON of
  // 100,000 nested arrays (200 KB) overflowed the stack in our own position index after
  // taking 4 GB (a path string per level). A bill is 4 levels deep; past 64 the text is
  // refused before anything recursive reads it, at the bracket that goes too deep: the
  // 65th '[' is column 65 of line 1. A string holding brackets does not count.
  TEST_CASE("dispute JSON: nesting past 64 levels is refused where it goes too deep") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const ratel::input_error e =
        error_of([&] { (void)ratel::parse_disputed_bills(deep, "d.json", cmcc_2012()); });
    CHECK(e.where().file == "d.json");
    CHECK(e.where().line == 1);
    CHECK(e.where().column == 65);
    CHECK(e.message() == "JSON nested more than 64 levels deep; a bill is 4");
    // 64 levels are read (and found not to be a bill, which is another error).
    const std::string ok = std::string(64, '[') + std::string(64, ']');
    const ratel::input_error shallow =
        error_of([&] { (void)ratel::parse_disputed_bills(ok, "d.json", cmcc_2012()); });
    CHECK(shallow.message() != "JSON nested more than 64 levels deep; a bill is 4");
    const std::string quoted = "[{\"subscriber\": \"" + std::string(100, '[') + "\"}]";
    const ratel::input_error in_string =
        error_of([&] { (void)ratel::parse_disputed_bills(quoted, "d.json", cmcc_2012()); });
    CHECK(in_string.message() != "JSON nested more than 64 levels deep; a bill is 4");
  }

  // Issue 14, item 10 (regressions/catalog/dotted-key-40000-parts.toml): a catalog key of
  // 40,000 dotted parts (80 KB) overflowed the stack inside toml++, which bounds nested
  // arrays and tables but not dotted keys. Past 64 parts the text is refused before
  // toml++ reads it, at the dot that makes 64: line 2 is "a" then ".a" pairs, so the 64th
  // dot is column 1 + 2 x 63 + 1 = 128. A string or a comment full of dots does not count,
  // nor do the few dots of a number.
  TEST_CASE("catalog: a dotted key of more than 64 parts is refused where it goes too deep") {
    std::string deep = "[catalog]\na";
    for (int i = 0; i < 40000; ++i) deep += ".a";
    deep += " = 1\n";
    const ratel::input_error e = error_of([&] { (void)ratel::parse_catalog(deep, "deep.toml"); });
    CHECK(e.where().file == "deep.toml");
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 128);
    CHECK(e.message() == "TOML syntax: a dotted key of more than 64 parts");
    const std::string dots(200, '.');
    const std::string quiet = "[catalog]\nname = \"" + dots + "\" # " + dots + "\nx = 1.5\n";
    const ratel::input_error other = error_of([&] { (void)ratel::parse_catalog(quiet, "q.toml"); });
    CHECK(other.message() != "TOML syntax: a dotted key of more than 64 parts");
  }

  TEST_CASE("dispute JSON: a number past the range of a double is an input_error where it is") {
    const std::string text = "[{\"subscriber\": \"s1\",\n  \"n\": 1e999}]";
    const ratel::input_error e =
        error_of([&] { (void)ratel::parse_disputed_bills(text, "d.json", cmcc_2012()); });
    CHECK(e.where().file == "d.json");
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 8);  // `  "n": ` is 7 characters
    CHECK(std::string(e.what()).find("out of range") != std::string::npos);
  }

  // fuzz_dispute, regressions/dispute/bom-missing-amount.json (found by CI's 30-second run):
  // a ratel bill JSON with a UTF-8 byte order mark and a line without "amount". nlohmann
  // skips the mark, but the position index did not: it read the mark as a scalar and
  // indexed nothing, so the error said "line 0". Now the mark is skipped there too and
  // the error names the line object: line 3, column 14.
  TEST_CASE("dispute JSON: with a byte order mark errors still name their line and column") {
    const std::string text =
        "\xEF\xBB\xBF[\n  {\"subscriber\": \"s1\", \"cycle\": \"2012-07\", \"currency\": \"CNY\",\n"
        "   \"lines\": [{\"product\": \"gprs-20\", \"kind\": \"fee\"}], \"total\": \"20.00\"}\n]\n";
    const ratel::input_error e =
        error_of([&] { (void)ratel::parse_disputed_bills(text, "d.json", cmcc_2012()); });
    CHECK(e.where().file == "d.json");
    CHECK(e.where().line == 3);     // the line object starts on line 3
    CHECK(e.where().column == 14);  // `   "lines": [` is 13 characters, then the `{`
    CHECK(std::string(e.what()).find("amount") != std::string::npos);
  }
}
