// An account log kept in a cycle store (see store/account_log_in_store.hpp). Part of the
// core library: it needs the store interface only, never a database.
#include "ratel/store/account_log_in_store.hpp"

#include "ratel/io/account_log.hpp"

namespace ratel {

void add_account_log(cycle_store& store, std::span<const account_entry> entries) {
  std::vector<std::string> rows;
  rows.reserve(entries.size());
  for (const account_entry& e : entries) rows.push_back(account_entry_to_csv(e));
  store.add_account_log(rows);
}

std::string account_log_text(cycle_store& store) {
  std::string text(account_log_csv_header());
  for (const std::string& row : store.account_log()) text.append(row).push_back('\n');
  return text;
}

std::vector<account_entry> account_log_of(cycle_store& store, const std::string& store_name) {
  return parse_account_log(account_log_text(store), store_name + " (its account log)");
}

}  // namespace ratel
