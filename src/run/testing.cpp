#include "ratel/run/testing.hpp"
#include "ratel/io/usage_csv.hpp"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/disputed_bill.hpp"
#include "ratel/run/explain.hpp"

namespace ratel::testing {
namespace {

// A CSV row padded with empty fields to `columns` (rows written inline leave them out).
std::string padded(std::string_view row, std::size_t columns) {
  std::string out(row);
  const std::size_t fields = 1 + static_cast<std::size_t>(std::count(row.begin(), row.end(), ','));
  for (std::size_t i = fields; i < columns; ++i) out += ',';
  return out + "\n";
}

std::vector<billing_cycle> cycles_of(std::string_view text, const zone& home) {
  const auto range = parse_month_range(text);
  if (!range)
    throw input_error({}, "cycle", fmt::format("\"{}\" is not YYYY-MM or YYYY-MM..YYYY-MM", text));
  std::vector<billing_cycle> cycles;
  for (date::year_month m = range->first; m <= range->second; m += date::months(1))
    cycles.push_back(calendar_month_cycle(m, home));
  return cycles;
}

}  // namespace

scenario::scenario(rule_plan plan) : plan_(std::move(plan)) {}

scenario::scenario(std::string_view catalog_toml, const std::string& name)
    : plan_(rule_plan::compile(parse_catalog(catalog_toml, name))) {}

scenario scenario::from_file(const std::string& path) {
  return scenario(rule_plan::compile(load_catalog(path)));
}

scenario& scenario::account(std::string_view row) {
  accounts_ += padded(row, 7);
  return *this;
}

scenario& scenario::usage(std::string_view row) {
  usage_ += padded(row, 9);
  return *this;
}

batch_result scenario::rate(std::string_view cycles) const {
  const account_book book =
      fold_account_log(parse_account_log(accounts_, "scenario accounts"), plan_);
  const usage_batch usage = parse_usage_csv(usage_, "scenario usage");
  return rate_batch(plan_, book, usage, cycles_of(cycles, plan_.home_zone()));
}

batch_result scenario::rate(std::string_view cycles, const carried_book& from) const {
  const account_book book =
      fold_account_log(parse_account_log(accounts_, "scenario accounts"), plan_);
  const usage_batch usage = parse_usage_csv(usage_, "scenario usage");
  return rate_batch(plan_, book, usage, cycles_of(cycles, plan_.home_zone()), from);
}

bill scenario::bill_of(std::string_view subscriber, std::string_view cycle) const {
  batch_result r = rate(cycle);
  for (bill& b : r.bills)
    if (b.subscriber == subscriber) return std::move(b);
  throw std::out_of_range(fmt::format("no bill for {} in {}", subscriber, cycle));
}

std::vector<dispute_report> scenario::rerate_all(std::string_view disputed,
                                                 refund_policy policy) const {
  const std::vector<disputed_bill> bills = parse_disputed_bills(disputed, "disputed bill", plan_);
  std::vector<dispute_report> reports;
  for (const disputed_bill& d : bills)
    reports.push_back(compare(d, bill_of(d.subscriber, to_string(d.cycle)), policy));
  return reports;
}

dispute_report scenario::rerate(std::string_view disputed, refund_policy policy) const {
  std::vector<dispute_report> reports = rerate_all(disputed, policy);
  if (reports.size() != 1)
    throw std::invalid_argument(
        fmt::format("expected one disputed bill, found {}", reports.size()));
  return std::move(reports.front());
}

std::string scenario::explain(std::string_view subscriber, std::string_view cycle,
                              std::optional<std::string_view> record) const {
  const account_book book =
      fold_account_log(parse_account_log(accounts_, "scenario accounts"), plan_);
  const usage_batch usage = parse_usage_csv(usage_, "scenario usage");
  return explain_bill(plan_, book, usage, subscriber, cycles_of(cycle, plan_.home_zone()).front(),
                      record);
}

money scenario::amount(std::string_view text) const {
  return money::parse(text, plan_.source().money_unit);
}

}  // namespace ratel::testing
