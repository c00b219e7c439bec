// tests/oracle/scenario_generator.hpp: random catalogs, account logs and usage for the
// oracle property test.
//
// What: from one 64-bit seed, a whole scenario: a catalog as TOML text (plans and packs
// with random fees, proration strategies and roundings, allowances by service, band and
// `where`, rates with up to six decimals, an off-peak band at random hours, caps, a
// cut-off, reminders), one to four subscribers with subscribe/unsubscribe requests around
// and inside the cycle, and their usage records. The same seed gives the same scenario on
// every run and machine: the generator draws only from std::mt19937_64 (whose output the
// standard fixes) through its own arithmetic, never a std distribution (whose output it
// does not), and it never reads a clock.
//
// Why random and not only hand-picked: the interesting cases are where rules meet (a
// record ending exactly where an allowance does, a cap crossed inside an increment, a
// part-cycle allowance rounded to whole increments, a band edge at local midnight). The
// generator aims records at those points on purpose: allowance sizes and their halves,
// cut-off levels, cap levels divided by prices, band edges and subscription instants,
// each plus or minus one.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "reference_rater.hpp"

namespace ratel::oracle {

struct generated_subscriber {
  std::string id;
  std::vector<order> orders;           ///< in log (time) order
  std::vector<usage> records;          ///< in generation order
  std::vector<instant> reactivations;  ///< `reactivate_data` requests
};

struct generated_scenario {
  std::uint64_t seed = 0;
  std::string catalog_toml;
  date::year_month month;
  std::vector<generated_subscriber> subscribers;

  /// The account log (`subscriber,time,action,product,amount,note`) and the usage file
  /// (`id,subscriber,time,service,quantity,country`) that say the same as the fields above.
  std::string accounts_csv() const;
  std::string usage_csv() const;
};

/// The scenario of `seed`.
generated_scenario generate_scenario(std::uint64_t seed);

}  // namespace ratel::oracle
