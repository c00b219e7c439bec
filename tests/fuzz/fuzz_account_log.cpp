// tests/fuzz/fuzz_account_log.cpp: libFuzzer target for the account log reader
// (account_log.hpp) and its fold into per-subscriber histories (account.hpp).
//
// A bad account line stops the run with an input_error naming file:line:col; anything
// else escaping is a finding. Beyond "no crash" it checks what read_account_log promises
// of the entries it returns: a subscriber, a line inside the file (in file order, after
// the header), a product where the action needs one, an amount where it needs one, an
// action name that maps back to itself. Accepted entries are then folded against the
// shipped cmcc-2012 catalog, which may refuse them only with an input_error too.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "ratel/account.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/rules.hpp"

namespace {

const ratel::rule_plan& shipped_plan() {
  static const ratel::rule_plan plan =
      ratel::rule_plan::compile(ratel::load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  return plan;
}

bool needs_product(ratel::account_action a) {
  using enum ratel::account_action;
  return a == subscribe || a == subscribe_next_cycle || a == unsubscribe || a == confirm ||
         a == deposit;
}

bool needs_amount(ratel::account_action a) {
  return a == ratel::account_action::deposit || a == ratel::account_action::redeem_points;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t line_count =
      static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  const ratel::rule_plan& plan = shipped_plan();
  std::vector<ratel::account_entry> entries;
  if (!ratel::fuzz::accepts([&] { entries = ratel::parse_account_log(text, "fuzz.csv"); }))
    return 0;

  std::uint32_t previous_line = 1;  // the header is on line 1 at the earliest
  for (const ratel::account_entry& e : entries) {
    RATEL_FUZZ_CHECK(!e.subscriber.empty(), "an entry without a subscriber");
    RATEL_FUZZ_CHECK(e.where.file == "fuzz.csv", "an entry names another file");
    RATEL_FUZZ_CHECK(e.where.line > previous_line && e.where.line <= line_count,
                     "an entry's line is out of order");
    previous_line = e.where.line;
    RATEL_FUZZ_CHECK(ratel::parse_account_action(ratel::to_string(e.action)) == e.action,
                     "an action name does not map back");
    RATEL_FUZZ_CHECK(!needs_product(e.action) || !e.product.empty(),
                     "an action that needs a product has none");
    RATEL_FUZZ_CHECK(!needs_amount(e.action) || !e.amount.empty(),
                     "an action that needs an amount has none");
  }
  ratel::fuzz::accepts([&] { (void)ratel::fold_account_log(std::move(entries), plan); });
  return 0;
}
