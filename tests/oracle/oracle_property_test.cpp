// tests/oracle/oracle_property_test.cpp: the engine against the reference rater on random
// scenarios, and the engine against itself under shuffled input and other thread counts.
//
// For each seed: generate a catalog (TOML), account log and usage (scenario_generator),
// load the catalog through ratel's real loader, rate with the public API as `ratel rate`
// does (rule_plan::compile, fold_account_log, usage_batch, rate_batch), and rate the same
// scenario with the reference rater (reference_rater.hpp). Required:
//  - every record is rated (the scenarios are built so that none is rejected);
//  - each bill's lines agree to the fen with the reference: fees, one-off packs, allowance
//    lines (quantity drawn and size) and usage lines by (product, service, country, band,
//    rate, waived by a cap or not) with their quantities, and the total;
//  - the usage file shuffled and rated with 2 and 3 threads gives the same bytes of
//    bills_to_json as the file in order with 1 thread (DESIGN 1: order- and
//    thread-independence).
// On a failure the seed, the catalog, both input files and both bills are printed; the
// case reruns alone with RATEL_ORACLE_SEED=<seed> RATEL_ORACLE_CASES=1.
//
// RATEL_ORACLE_CASES (default 5000) sets the number of random cases, RATEL_ORACLE_SEED
// (default 1) the first seed; the seeds are consecutive.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "reference_rater.hpp"
#include "scenario_generator.hpp"

namespace ratel::oracle {
namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

std::string money_text(const rational& r) {
  // Line amounts have at most six decimals (places <= 6), so this is exact.
  const rational micros = r * money::micros_per_unit;
  if (boost::multiprecision::denominator(micros) != 1)
    return fmt::format("{} (not whole micro-units!)", r.str());
  return money::from_micros(boost::multiprecision::numerator(micros).convert_to<std::int64_t>(),
                            currency::parse("CNY"))
      .to_string();
}

// A bill as sorted comparable lines, one per bill line: a usage line by product, service,
// country, band, rate and whether a cap waived it (the engine says so in the description).
std::vector<std::string> canonical(const bill& b) {
  std::vector<std::string> lines;
  for (const bill_line& l : b.lines) {
    switch (l.kind) {
      case line_kind::fee:
      case line_kind::pack:
        lines.push_back(fmt::format("{} {} {}", to_string(l.kind), l.product, l.amount));
        break;
      case line_kind::allowance:
        lines.push_back(fmt::format("allowance {} {} drawn {} of {} {}", l.product,
                                    to_string(*l.svc), l.used->value(), l.size->value(), l.amount));
        break;
      case line_kind::usage:
        lines.push_back(fmt::format(
            "usage {}|{}|{}|{}|{}{} used {} {}", l.product, to_string(*l.svc), l.country, l.band,
            l.rate, l.description.find(", capped:") != std::string::npos ? "|waived" : "",
            l.used->value(), l.amount));
        break;
      default:
        lines.push_back(
            fmt::format("unexpected {} line {} {}", to_string(l.kind), l.product, l.amount));
        break;
    }
  }
  lines.push_back(fmt::format("total {}", b.total));
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> canonical(const reference_bill& b) {
  std::vector<std::string> lines;
  for (const reference_line& l : b.lines) {
    if (l.kind == "fee" || l.kind == "pack")
      lines.push_back(fmt::format("{} {} {}", l.kind, l.product, money_text(l.amount)));
    else if (l.kind == "allowance")
      lines.push_back(fmt::format("allowance {} {} drawn {} of {} {}", l.product, l.detail, l.used,
                                  l.size, money_text(l.amount)));
    else
      lines.push_back(
          fmt::format("usage {}|{} used {} {}", l.product, l.detail, l.used, money_text(l.amount)));
  }
  lines.push_back(fmt::format("total {}", money_text(b.total)));
  std::sort(lines.begin(), lines.end());
  return lines;
}

// A shuffled copy of a CSV file: the header stays first.
std::string shuffled(const std::string& csv, std::uint64_t seed) {
  std::vector<std::string> rows;
  std::size_t start = csv.find('\n') + 1;
  const std::string header = csv.substr(0, start);
  while (start < csv.size()) {
    const std::size_t end = csv.find('\n', start);
    rows.push_back(csv.substr(start, end + 1 - start));
    start = end + 1;
  }
  std::mt19937_64 engine(seed);
  for (std::size_t i = rows.size(); i > 1; --i)
    std::swap(rows[i - 1], rows[engine() % i]);  // Fisher-Yates
  std::string out = header;
  for (const std::string& r : rows) out += r;
  return out;
}

// JSON bills with "accounts.csv:<line>" written "accounts.csv": a shuffled log has the same
// lines elsewhere.
std::string without_account_lines(std::string json) {
  const std::string name = "accounts.csv:";
  for (std::size_t at = json.find(name); at != std::string::npos; at = json.find(name, at)) {
    std::size_t end = at + name.size();
    while (end < json.size() && json[end] >= '0' && json[end] <= '9') ++end;
    json.erase(at + name.size() - 1, end - (at + name.size() - 1));
    at += name.size() - 1;
  }
  return json;
}

struct case_result {
  bool ok = true;
  std::string report;
  coverage seen;
};

case_result run_case(std::uint64_t seed) {
  const generated_scenario s = generate_scenario(seed);
  case_result out;
  auto fail = [&](const std::string& why) {
    out.ok = false;
    out.report += why + "\n";
  };
  const std::string accounts = s.accounts_csv();
  const std::string usage_text = s.usage_csv();
  try {
    const catalog cat = parse_catalog(s.catalog_toml, fmt::format("oracle-{}.toml", seed));
    const rule_plan plan = rule_plan::compile(catalog(cat));
    const account_book book = fold_account_log(parse_account_log(accounts, "accounts.csv"), plan);
    const billing_cycle cycle = calendar_month_cycle(s.month, plan.home_zone());
    const batch_result engine =
        rate_batch(plan, book, parse_usage_csv(usage_text, "usage.csv"), cycle, 1);

    std::size_t records = 0;
    for (const generated_subscriber& sub : s.subscribers) records += sub.records.size();
    if (!engine.rejects.empty() || !engine.duplicates.empty() || engine.rated != records)
      fail(fmt::format("the engine rated {} of {} records ({} rejected, first: {})", engine.rated,
                       records, engine.rejects.size(),
                       engine.rejects.empty() ? "" : engine.rejects.front().detail));

    if (engine.bills.size() != s.subscribers.size())
      fail(fmt::format("the engine wrote {} bills for {} subscribers", engine.bills.size(),
                       s.subscribers.size()));
    for (const generated_subscriber& sub : s.subscribers) {
      const auto b = std::find_if(engine.bills.begin(), engine.bills.end(),
                                  [&](const bill& x) { return x.subscriber == sub.id; });
      if (b == engine.bills.end()) {
        fail(fmt::format("the engine has no bill for {}", sub.id));
        continue;
      }
      const reference_bill ref =
          rate_reference(cat, s.month, sub.orders, sub.records, sub.reactivations);
      out.seen += ref.seen;
      const std::vector<std::string> got = canonical(*b), want = canonical(ref);
      if (got != want)
        fail(fmt::format("bill of {} differs\n  engine:\n    {}\n  reference:\n    {}", sub.id,
                         fmt::join(got, "\n    "), fmt::join(want, "\n    ")));
    }

    // The same bytes whatever the order of the usage file and of the account log (D21: lines
    // at one instant apply in a fixed order, identical ones once) and the number of threads,
    // but for the account-log line numbers the bills' events cite.
    const std::string json = without_account_lines(bills_to_json(engine.bills));
    for (unsigned threads : {2u, 3u}) {
      const std::string reordered = shuffled(usage_text, seed * 31 + threads);
      const account_book reordered_book = fold_account_log(
          parse_account_log(shuffled(accounts, seed * 37 + threads), "accounts.csv"), plan);
      const batch_result again =
          rate_batch(plan, reordered_book, parse_usage_csv(reordered, "usage.csv"), cycle, threads);
      if (without_account_lines(bills_to_json(again.bills, threads)) != json)
        fail(fmt::format(
            "the bills differ with the usage and the account log shuffled and {} threads",
            threads));
    }
  } catch (const std::exception& e) {
    fail(fmt::format("exception: {}", e.what()));
  }
  if (!out.ok)
    out.report = fmt::format(
        "seed {} (rerun: RATEL_ORACLE_SEED={} RATEL_ORACLE_CASES=1)\n{}\n--- catalog ---\n{}"
        "--- accounts.csv ---\n{}--- usage.csv ---\n{}--- cycle {} ---\n",
        seed, seed, out.report, s.catalog_toml, accounts, usage_text, to_string(s.month));
  return out;
}

}  // namespace

TEST_CASE(
    "the engine agrees with the reference rater on random scenarios, in any order and thread "
    "count") {
  const std::uint64_t cases = env_or("RATEL_ORACLE_CASES", 5000);
  const std::uint64_t first = env_or("RATEL_ORACLE_SEED", 1);
  std::uint64_t failures = 0;
  coverage seen;
  for (std::uint64_t seed = first; seed < first + cases; ++seed) {
    const case_result r = run_case(seed);
    seen += r.seen;
    if (r.ok) continue;
    if (++failures <= 3)
      FAIL_CHECK(r.report);  // the first few in full
    else
      MESSAGE("seed ", seed, " fails too");
  }
  MESSAGE(fmt::format(
      "{} random scenarios from seed {}, {} failing; the reference saw {} prorated fees, {} "
      "prorated "
      "allowances, {} records split at an allowance's end, {} charges a cap reduced, {} cut-offs "
      "or rate "
      "changes, {} records split at one, {} reactivations, {} usage lines rounded with their "
      "product's others otherwise than alone (D18), {} fen given between equal remainders, {} "
      "account lines at a shared instant and {} identical ones (D21), {} cancellations "
      "withdrawn (D26)",
      cases, first, failures, seen.prorated_fees, seen.prorated_allowances, seen.allowance_splits,
      seen.capped_charges, seen.switches, seen.switch_splits, seen.reactivations,
      seen.group_rounded_lines, seen.group_rounding_ties, seen.same_instant_lines,
      seen.identical_lines, seen.reinstatements));
  // A generator that stopped reaching a rule would let the comparison pass vacuously.
  if (cases >= 500) {
    CHECK(seen.prorated_fees > 0);
    CHECK(seen.prorated_allowances > 0);
    CHECK(seen.allowance_splits > 0);
    CHECK(seen.capped_charges > 0);
    CHECK(seen.switch_splits > 0);
    CHECK(seen.reactivations > 0);
    CHECK(seen.group_rounded_lines > 0);
    CHECK(seen.group_rounding_ties > 0);
    CHECK(seen.same_instant_lines > 0);
    CHECK(seen.identical_lines > 0);
    CHECK(seen.reinstatements > 0);
  }
  CHECK(failures == 0);
}

TEST_CASE("the generator is deterministic: one seed, one scenario") {
  const generated_scenario a = generate_scenario(42), b = generate_scenario(42);
  CHECK(a.catalog_toml == b.catalog_toml);
  CHECK(a.accounts_csv() == b.accounts_csv());
  CHECK(a.usage_csv() == b.usage_csv());
  CHECK(generate_scenario(43).catalog_toml != a.catalog_toml);
}

}  // namespace ratel::oracle
