// Unit tests for the account log reader (account_log.hpp).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "ratel/error.hpp"
#include "ratel/io/account_log.hpp"

using namespace std::chrono_literals;
using ratel::account_action;
using ratel::account_entry;

namespace {

constexpr const char* header = "subscriber,time,action,product,amount,note\n";

std::vector<account_entry> parse(const std::string& text) {
  return ratel::parse_account_log(text, "accounts.csv");
}

/// The input_error that reading `text` throws (fails the test if none).
std::optional<ratel::input_error> error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const ratel::input_error& e) {
    return e;
  }
  FAIL_CHECK("no input_error for: " << text);
  return std::nullopt;
}

/// Checks that `text` fails at line:column on `field`, with `words` in the message.
void check_error(const std::string& text, std::uint32_t line, std::uint32_t column,
                 const std::string& field, const std::string& words) {
  CAPTURE(text);
  const std::optional<ratel::input_error> e = error_of(text);
  REQUIRE(e.has_value());
  CHECK(e->where().file == "accounts.csv");
  CHECK(e->where().line == line);
  CHECK(e->where().column == column);
  CHECK(e->field() == field);
  CHECK_MESSAGE(std::string(e->what()).find(words) != std::string::npos, e->what());
}

// 2012-07-03T22:00:00+08:00 is 14:00 UTC that day.
const ratel::instant july_3_22h_cst = date::sys_days{date::July / 3 / 2012} + 14h;

}  // namespace

TEST_CASE("account log: action names round-trip") {
  const std::vector<std::pair<account_action, std::string_view>> all{
      {account_action::join, "join"},
      {account_action::subscribe, "subscribe"},
      {account_action::subscribe_next_cycle, "subscribe_next_cycle"},
      {account_action::unsubscribe, "unsubscribe"},
      {account_action::confirm, "confirm"},
      {account_action::reactivate_data, "reactivate_data"},
      {account_action::deposit, "deposit"},
      {account_action::redeem_points, "redeem_points"},
      {account_action::close, "close"},
  };
  for (const auto& [action, name] : all) {
    CHECK(ratel::to_string(action) == name);
    CHECK(ratel::parse_account_action(name) == action);
  }
  CHECK(fmt::format("{}", account_action::redeem_points) == "redeem_points");
  CHECK_FALSE(ratel::parse_account_action("Join").has_value());
  CHECK_FALSE(ratel::parse_account_action("").has_value());
  CHECK_FALSE(ratel::parse_account_action("join ").has_value());
}

TEST_CASE("account log: every action parses, in file order, with its fields") {
  const std::vector<account_entry> log =
      parse(std::string(header) +
            "s1,2012-07-03T22:00:00+08:00,join,,,new SIM\n"
            "s1,2012-07-03T22:00:00+08:00,subscribe,plan_58,,\n"
            "s1,2012-07-03T22:00:00+08:00,subscribe_next_cycle,pack_10,,\n"
            "s1,2012-07-03T22:00:00+08:00,unsubscribe,pack_10,,\n"
            "s1,2012-07-03T22:00:00+08:00,confirm,vas_music,,\n"
            "s1,2012-07-03T22:00:00+08:00,reactivate_data,,,\n"
            "s1,2012-07-03T22:00:00+08:00,deposit,deposit_bonus,100.00,\n"
            "s1,2012-07-03T22:00:00+08:00,redeem_points,,500,\n"
            "s1,2012-07-03T22:00:00+08:00,close,,,\"moved, abroad\"\n");
  REQUIRE(log.size() == 9);
  const std::vector<account_action> expected{account_action::join,
                                             account_action::subscribe,
                                             account_action::subscribe_next_cycle,
                                             account_action::unsubscribe,
                                             account_action::confirm,
                                             account_action::reactivate_data,
                                             account_action::deposit,
                                             account_action::redeem_points,
                                             account_action::close};
  for (std::size_t i = 0; i < log.size(); ++i) {
    CAPTURE(i);
    CHECK(log[i].action == expected[i]);
    CHECK(log[i].subscriber == "s1");
    CHECK(log[i].time == july_3_22h_cst);
    CHECK(log[i].where.file == "accounts.csv");
    CHECK(log[i].where.line == i + 2);
    CHECK(log[i].where.column == 1);
  }
  CHECK(log[0].note == "new SIM");
  CHECK(log[1].product == "plan_58");
  // "s1,2012-07-03T22:00:00+08:00,subscribe," is 39 characters.
  CHECK(log[1].product_column == 40);
  CHECK(log[6].product == "deposit_bonus");
  CHECK(log[6].amount == "100.00");  // kept as written
  CHECK(log[7].amount == "500");
  CHECK(log[8].note == "moved, abroad");
}

TEST_CASE("account log: columns in any order: optional columns may be absent") {
  const std::vector<account_entry> log = parse(
      "action,time,subscriber\n"
      "join,2012-07-03T22:00:00+08:00,s1\n"
      "close,2012-07-04T00:00:00Z,s1\n");
  REQUIRE(log.size() == 2);
  CHECK(log[0].action == account_action::join);
  CHECK(log[1].action == account_action::close);
  CHECK(log[1].time == date::sys_days{date::July / 4 / 2012});
  CHECK(log[1].product.empty());
  CHECK(log[1].amount.empty());
  CHECK(log[1].note.empty());
  CHECK(log[1].product_column == 0);  // no product column

  const std::vector<account_entry> extra = parse(
      "note,channel,amount,product,action,time,subscriber\n"
      "\"say \"\"yes\"\"\",web,50,offer_a,deposit,2012-07-03T22:00:00+08:00,s2\n");
  REQUIRE(extra.size() == 1);
  CHECK(extra[0].note == "say \"yes\"");
  CHECK(extra[0].amount == "50");
  CHECK(extra[0].product == "offer_a");
}

TEST_CASE("account log: BOM, CRLF, blank lines and a last line without newline") {
  const std::vector<account_entry> log = parse(
      "\xEF\xBB\xBF"
      "subscriber,time,action\r\n"
      "\r\n"
      "s1,2012-07-03T22:00:00+08:00,join\r\n"
      "  \r\n"
      "s1,2012-07-05T00:00:00+08:00,close");
  REQUIRE(log.size() == 2);
  CHECK(log[0].subscriber == "s1");  // not "\xEF\xBB\xBFs1"-shifted: the BOM is no column
  CHECK(log[0].where.line == 3);
  CHECK(log[1].where.line == 5);
  CHECK(log[1].action == account_action::close);  // no '\r' left on the last field
}

TEST_CASE("account log: an amount on an action that does not need one must still be valid") {
  CHECK(parse(std::string(header) + "s1,2012-07-03T22:00:00Z,join,,0.5,\n")[0].amount == "0.5");
  check_error(std::string(header) + "s1,2012-07-03T22:00:00Z,join,,abc,\n", 2, 31, "amount",
              "abc is not a non-negative decimal");
}

TEST_CASE("account log: a bad time, at its line and column, with the parser's reason") {
  // Lines 2..6 are good; line 7's subscriber is 25 characters, so time starts at column 27.
  std::string text = header;
  for (int i = 0; i < 5; ++i) text += "s1,2012-07-03T22:00:00+08:00,join,,,\n";
  text += "acct-" + std::string(20, '0') + ",2012-13-01T00:00:00+08:00,join,,,\n";
  const std::optional<ratel::input_error> e = error_of(text);
  REQUIRE(e.has_value());
  CHECK(std::string(e->what()) ==
        "accounts.csv:7:27: time: 2012-13-01T00:00:00+08:00 is not RFC 3339: month 13 is not "
        "01..12");
}

TEST_CASE("account log: columns count characters, not bytes") {
  // "张三" is two characters (six bytes) and a comma: time starts at column 4.
  check_error(std::string(header) + "张三,yesterday,join,,,\n", 2, 4, "time", "yesterday");
}

TEST_CASE("account log: field errors name line, column and field") {
  const std::string h = header;
  // s1,2012-07-03T22:00:00Z,  -> subscriber 1, time 4, action 25, product after it.
  check_error(h + ",2012-07-03T22:00:00Z,join,,,\n", 2, 1, "subscriber", "is empty");
  check_error(h + "s1,,join,,,\n", 2, 4, "time", "is empty");
  check_error(h + "s1,2012-07-03T22:00:00,join,,,\n", 2, 4, "time", "not RFC 3339");
  check_error(h + "s1,2012-07-03T22:00:00Z,,,,\n", 2, 25, "action", "is empty");
  check_error(h + "s1,2012-07-03T22:00:00Z,topup,,,\n", 2, 25, "action", "topup is not an action");

  SUBCASE(
      "product is required for subscribe, subscribe_next_cycle, unsubscribe, confirm, deposit") {
    for (const std::string action :
         {"subscribe", "subscribe_next_cycle", "unsubscribe", "confirm", "deposit"}) {
      CAPTURE(action);
      // The product field starts after "s1,2012-07-03T22:00:00Z," (24) + action + ",".
      const auto column = static_cast<std::uint32_t>(24 + action.size() + 2);
      check_error(h + "s1,2012-07-03T22:00:00Z," + action + ",,100,\n", 2, column, "product",
                  "is empty, but " + action + " needs a product");
    }
    check_error("subscriber,time,action\ns1,2012-07-03T22:00:00Z,subscribe\n", 2, 1, "product",
                "the header has no product column");
  }
  SUBCASE("amount is required for deposit and redeem_points") {
    // deposit: "s1,2012-07-03T22:00:00Z,deposit,offer," is 38 characters.
    check_error(h + "s1,2012-07-03T22:00:00Z,deposit,offer,,\n", 2, 39, "amount",
                "is empty, but deposit needs an amount");
    // redeem_points: "s1,2012-07-03T22:00:00Z,redeem_points,," is 39 characters.
    check_error(h + "s1,2012-07-03T22:00:00Z,redeem_points,,,\n", 2, 40, "amount",
                "is empty, but redeem_points needs an amount");
    check_error("subscriber,time,action\ns1,2012-07-03T22:00:00Z,redeem_points\n", 2, 1, "amount",
                "the header has no amount column");
  }
  SUBCASE("amount must be a non-negative decimal") {
    for (const std::string amount :
         {"-5", "1.", ".5", "1e3", "+1", "1.2.3", " 1", "1,000", "ten"}) {
      CAPTURE(amount);
      const std::string written =
          amount.find(',') != std::string::npos ? '"' + amount + '"' : amount;
      check_error(h + "s1,2012-07-03T22:00:00Z,deposit,offer," + written + ",\n", 2, 39, "amount",
                  amount + " is not a non-negative decimal");
    }
    for (const std::string amount : {"0", "100", "100.50", "0.000001", "007"}) {
      CAPTURE(amount);
      CHECK(parse(h + "s1,2012-07-03T22:00:00Z,redeem_points,," + amount + ",\n")[0].amount ==
            amount);
    }
  }
}

TEST_CASE("account log: malformed lines") {
  const std::string h = header;
  SUBCASE("too many fields: at the first extra field") {
    // "s1,2012-07-03T22:00:00Z,join,,,note," is 36 characters: the extra field is column 37.
    check_error(h + "s1,2012-07-03T22:00:00Z,join,,,note,more\n", 2, 37, "", "7 fields");
  }
  SUBCASE("too few fields: just past the end of the line, naming the first missing column") {
    // "s1,2012-07-03T22:00:00Z,join" is 28 characters.
    check_error(h + "s1,2012-07-03T22:00:00Z,join\n", 2, 29, "product", "3 fields");
  }
  SUBCASE("unterminated quote: at the opening quote, naming its column") {
    check_error(h + "s1,2012-07-03T22:00:00Z,join,,,\"moved\n", 2, 32, "note", "not closed");
  }
  SUBCASE("text after a closing quote") {
    check_error(h + "\"s1\"x,2012-07-03T22:00:00Z,join,,,\n", 2, 5, "subscriber",
                "after a closing quote");
  }
}

TEST_CASE("account log: header errors") {
  check_error("subscriber,time,product\ns1,2012-07-03T22:00:00Z,p\n", 1, 1, "action",
              "subscriber,time,product");
  check_error("time,action\n", 1, 1, "subscriber", "required column");
  check_error("subscriber,time,action,time\n", 1, 24, "time", "twice");
  check_error("", 1, 1, "", "empty");
  check_error("\n\n", 1, 1, "", "empty");
  // A header alone is an empty log, which is valid.
  CHECK(parse("subscriber,time,action\n").empty());
}

TEST_CASE("account log: read_account_log reads a file and names it in errors") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path();
  const std::filesystem::path path = dir / "ratel_account_log_test.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "subscriber,time,action,product\r\ns1,2012-07-03T22:00:00+08:00,subscribe,plan\r\n";
  }
  const std::vector<account_entry> log = ratel::read_account_log(path);
  REQUIRE(log.size() == 1);
  CHECK(log[0].product == "plan");
  CHECK(log[0].where.file == path.string());
  {
    std::ofstream out(path, std::ios::binary);
    out << "subscriber,time,action\ns1,2012-07-03T22:00:00+08:00,sleep\n";
  }
  try {
    (void)ratel::read_account_log(path);
    FAIL("no input_error");
  } catch (const ratel::input_error& e) {
    CHECK(std::string(e.what()).starts_with(path.string() + ":2:30: action: sleep"));
  }
  std::filesystem::remove(path);
  CHECK_THROWS_AS((void)ratel::read_account_log(dir / "ratel_no_such_accounts.csv"),
                  ratel::input_error);
}

TEST_CASE("account log: entries written as rows read back as the same entries") {
  // What a store keeps (store/account_log_in_store.hpp): every action, a note with a comma
  // and a quote (quoted as CSV), a time written with +08:00 (kept as its instant, in UTC).
  const std::vector<account_entry> entries = parse(
      "subscriber,time,action,product,amount,note,country\n"
      "13800000001,2012-07-01T08:00:00+08:00,join,,,\"new, from the \"\"hall\"\"\",\n"
      "13800000001,2012-07-02T00:00:00+08:00,subscribe,intl-pass-3d,,,TH\n"
      "13800000001,2012-07-03T09:30:00+08:00,deposit,deposit-100,100.00,,\n");
  std::string rows(ratel::account_log_csv_header());
  for (const account_entry& e : entries) rows += ratel::account_entry_to_csv(e) + "\n";
  CHECK(ratel::account_entry_to_csv(entries[0]) ==
        "13800000001,2012-07-01T00:00:00Z,join,,,\"new, from the \"\"hall\"\"\",");
  const std::vector<account_entry> back = parse(rows);
  REQUIRE(back.size() == entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(back[i].subscriber == entries[i].subscriber);
    CHECK(back[i].time == entries[i].time);
    CHECK(back[i].action == entries[i].action);
    CHECK(back[i].product == entries[i].product);
    CHECK(back[i].amount == entries[i].amount);
    CHECK(back[i].note == entries[i].note);
    CHECK(back[i].country == entries[i].country);
  }
}
