// ratel/rules.hpp: the compiled RulePlan.
//
// Concept: a validated catalog compiled once into flat, immutable lookup tables for the
// rater: the band of every minute of the day, a dense index for every country code,
// each `where` as a bit set over country codes, rates sorted most-specific first, and the
// rating increment of each service. A rule_plan is never changed after compile(), so any
// number of threads can rate with one plan.
//
// Rate choice (documented in tariffs/README.md): for the part of a record that no
// allowance covers, the subscriber's held products are tried in draw order (D13); the
// first one with a matching rate decides, else the catalog's base rates. Within one list
// the most specific match wins: an explicit country list beats home/roaming beats
// anywhere, then a named band beats any band. The loader has already refused lists where
// that could tie.
//
//   rule_plan plan = rule_plan::compile(load_catalog("tariffs/cmcc-2012.toml"));
//   band_id b = plan.band_at(t);              // "off_peak" at 23:30 Beijing time
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ratel/catalog.hpp"
#include "ratel/time.hpp"

namespace ratel {

/// Index of a time band: 0 is the catalog's default band, then the named bands in order.
using band_id = std::uint8_t;
static_assert(std::numeric_limits<band_id>::max() >= max_named_bands,
              "a band_id numbers the default band and every named band a catalog may have");

/// A country code as a dense index 0..675 (AA..ZZ).
using country_id = std::uint16_t;
inline constexpr std::size_t country_id_count = 26 * 26;

/// Dense index of a two-letter code; nullopt unless two upper-case letters.
constexpr std::optional<country_id> country_index(std::string_view code) noexcept {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')
    return std::nullopt;
  return static_cast<country_id>((code[0] - 'A') * 26 + (code[1] - 'A'));
}

/// A `where` compiled to the set of countries it covers.
using country_set = std::bitset<country_id_count>;

/// A rate ready to apply.
struct compiled_rate {
  const rate* source = nullptr;  ///< the catalog's rate (its position, price, per)
  service svc = service::data;
  std::optional<band_id> band;  ///< nullopt: any band
  country_set covers;
  int specificity = 0;  ///< area specificity x 2 + (band given): higher wins
  money price_per_increment;
  bool capped = true;  ///< false: caps never stop it and usage_fee counters do not count it
};

/// A threshold ready to evaluate. Levels are in the counter's own unit: increments of the
/// service for volume and allowance_used (a percentage until the rater knows the allowance),
/// micro-units for usage_fee, a count for distinct_peers.
struct compiled_threshold {
  const threshold* source = nullptr;
  std::size_t product = 0;  ///< the owning product's index
  counter_kind counter = counter_kind::volume;
  std::optional<service> svc;
  country_set covers;  ///< volume: the countries counted; others: all
  peer_filter peers = peer_filter::any;
  bool all_fees = false;  ///< usage_fee: every usage charge, not only the product's
  std::int64_t level = 0;
  comparison compare = comparison::reaches;
  threshold_action action = threshold_action::notify;
  std::optional<compiled_rate> then_rate;  ///< cut_off and rate_change
};

struct compiled_allowance {
  const allowance* source = nullptr;
  std::optional<band_id> band;
  country_set covers;
};

/// A pass ready to apply: the countries it covers and its price for each.
struct compiled_pass {
  const pass_rule* source = nullptr;
  country_set covers;
  std::vector<std::pair<country_set, money>> prices;  ///< the first that holds a country
  const money& price_for(country_id c) const;
};

struct compiled_product {
  const product* source = nullptr;
  std::vector<compiled_allowance> allowances;
  std::vector<compiled_rate> rates;  ///< most specific first
  std::vector<compiled_threshold> thresholds;
  /// Has an allowance of data at home: a "domestic data pack" for addon policies (D8).
  bool has_domestic_data = false;
  std::optional<compiled_pass> pass;
};

class rule_plan {
 public:
  /// Compiles a catalog (validated by the loader). The plan owns its copy of the catalog.
  static rule_plan compile(catalog c);

  rule_plan(rule_plan&&) noexcept = default;
  rule_plan& operator=(rule_plan&&) noexcept = default;

  const catalog& source() const noexcept { return *catalog_; }
  const zone& home_zone() const noexcept { return home_zone_; }
  country_id home_country() const noexcept { return home_country_; }

  /// Band of the home-zone time of day of t (D17: a record belongs to its start's band).
  band_id band_at(instant t) const;
  /// The same, given the home zone's offset at t (zone::offset_span_at).
  band_id band_at(instant t, std::chrono::seconds home_offset) const;
  std::string_view band_name(band_id b) const;

  /// The zone of a country's local days (the home zone for home). `c` must be listed.
  const zone& zone_of(country_id c) const;

  /// The country of a record: empty means home; nullopt if the catalog does not list it.
  std::optional<country_id> country_of(std::string_view code) const noexcept;
  std::string country_code(country_id c) const;

  /// Rating increment of a service; nullopt if the catalog does not rate it.
  const std::optional<quantity>& increment(service s) const noexcept {
    return increments_[static_cast<std::size_t>(s)];
  }

  std::size_t product_count() const noexcept { return products_.size(); }
  const compiled_product& product_at(std::size_t index) const { return products_[index]; }
  std::optional<std::size_t> product_index(std::string_view id) const noexcept;

  /// A called number as the catalog compares numbers (D20): written internationally
  /// ("+" or "00") with the home calling code, it is the national number that follows
  /// ("+8613012345678" and "008613012345678" are "13012345678"); with another calling code
  /// it is a foreign number, its digits after the "+" or "00"; otherwise it is as written.
  struct called_number {
    bool foreign = false;
    std::string_view digits;
    bool operator==(const called_number&) const = default;
  };
  called_number normalise_number(std::string_view peer) const noexcept;

  /// Whether a called number belongs to the home network: a national number (after
  /// normalise_number) that starts with one of [network] on_net_prefixes. A foreign number
  /// and an empty peer are never on-net.
  bool is_on_net(std::string_view peer) const noexcept;

  /// The base tariff's rates, most specific first.
  std::span<const compiled_rate> base_rates() const noexcept { return base_rates_; }

  /// Most specific rate of `rates` (sorted as compiled) matching the record's service,
  /// band and country; nullptr if none.
  static const compiled_rate* match(std::span<const compiled_rate> rates, service s, band_id band,
                                    country_id country) noexcept;

 private:
  rule_plan() = default;
  compiled_rate compile_rate(const rate& r) const;
  compiled_threshold compile_threshold(const threshold& t, std::size_t product) const;
  country_set compile_area(const area& a) const;
  std::optional<band_id> band_by_name(std::string_view name) const;

  std::unique_ptr<const catalog> catalog_;  // stable address: compiled rules point into it
  zone home_zone_ = zone::locate("UTC");
  country_id home_country_ = 0;
  country_set listed_;                                        // home and every [countries] entry
  std::vector<zone> zones_;                                   // [0] home, then each country's
  std::array<std::uint16_t, country_id_count> zone_index_{};  // country -> zones_
  std::array<band_id, 24 * 60> band_by_minute_{};
  std::vector<std::string_view> band_names_;
  std::array<std::optional<quantity>, all_services.size()> increments_{};
  std::vector<compiled_product> products_;
  std::vector<compiled_rate> base_rates_;
};

}  // namespace ratel
