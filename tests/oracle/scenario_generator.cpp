// Random scenarios for the oracle property test (see scenario_generator.hpp).
#include "scenario_generator.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <date/tz.h>
#include <fmt/format.h>

#include "ratel/money.hpp"

namespace ratel::oracle {
namespace {

using std::chrono::seconds;

class dice {
 public:
  explicit dice(std::uint64_t seed) : engine_(seed) {}
  /// Uniform enough in [0, n) for a test (n small next to 2^64); n >= 1.
  std::int64_t below(std::int64_t n) {
    return static_cast<std::int64_t>(engine_() % static_cast<std::uint64_t>(n));
  }
  std::int64_t between(std::int64_t lo, std::int64_t hi) { return lo + below(hi - lo + 1); }
  /// True with probability percent / 100.
  bool chance(int percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(below(static_cast<std::int64_t>(v.size())))];
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

std::string money_text(std::int64_t micros) {
  return money::from_micros(micros, currency::parse("CNY")).to_string();
}

// A quantity in base units (bytes or seconds) as catalog text, in a unit that divides it.
std::string quantity_text(dice& d, service svc, std::int64_t v) {
  if (svc == service::sms) return fmt::format("{} msg", v);
  if (svc == service::data) {
    if (v % (1024 * 1024) == 0 && d.chance(50)) return fmt::format("{} MB", v / (1024 * 1024));
    if (v % 1024 == 0 && d.chance(70)) return fmt::format("{} KB", v / 1024);
    return fmt::format("{} B", v);
  }
  if (v % 60 == 0 && d.chance(70)) return fmt::format("{} min", v / 60);
  return fmt::format("{} s", v);
}

std::string rounding_name(dice& d) {
  static const std::vector<std::string> modes{"half_up", "half_even", "half_down", "down",
                                              "up",      "floor",     "ceiling"};
  return d.pick(modes);
}

std::string time_text(instant t) {
  return date::format("%Y-%m-%dT%H:%M:%SZ", t);
}

// What the generator remembers of the catalog it wrote, to aim records at its edges.
struct catalog_facts {
  std::int64_t data_increment = 1024;
  std::int64_t voice_increment = 60;
  bool has_bands = false;
  int band_from = 0, band_to = 0;  // minutes
  std::vector<std::string> per_cycle_products;
  std::string one_off;                    // a stackable rest_of_cycle pack, if any
  std::vector<std::int64_t> data_sizes;   // allowance sizes, cut-off levels (bytes)
  std::vector<std::int64_t> voice_sizes;  // seconds
  std::vector<std::int64_t> sms_sizes;    // messages
  std::vector<std::int64_t> cap_units;    // cap level / a price per increment, in increments
};

class generator {
 public:
  explicit generator(std::uint64_t seed) : d_(seed) { out_.seed = seed; }

  generated_scenario run() {
    static const std::vector<std::string> zones{"Asia/Shanghai", "Asia/Shanghai", "Europe/London",
                                                "America/New_York"};
    zone_ = d_.pick(zones);
    static const std::vector<date::year_month> months{
        date::year(2012) / 7,  date::year(2012) / 2,  date::year(2013) / 2,  date::year(2012) / 3,
        date::year(2012) / 10, date::year(2012) / 11, date::year(2012) / 12, date::year(2013) / 4};
    out_.month = d_.pick(months);
    write_catalog();
    const std::int64_t subscribers = d_.between(1, 4);
    for (std::int64_t i = 0; i < subscribers; ++i)
      out_.subscribers.push_back(make_subscriber(fmt::format("s{}", i + 1)));
    return std::move(out_);
  }

 private:
  // ---- the catalog -------------------------------------------------------------------

  // A fifth of the scenarios rate the shipped China Mobile catalog itself (D4, D5, D6 as
  // shipped: gprs-20 and gprs-50 in one exclusive group, a monthly pack, a stacking top-up).
  bool use_shipped_catalog() {
    if (!d_.chance(20)) return false;
    std::ifstream in(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml");
    std::stringstream text;
    text << in.rdbuf();
    out_.catalog_toml = text.str();
    zone_ = "Asia/Shanghai";
    facts_.has_bands = true;
    facts_.band_from = 23 * 60, facts_.band_to = 7 * 60;
    facts_.per_cycle_products = {"gprs-20", "gprs-50", "data-pack-5"};
    facts_.one_off = "data-topup-3";
    facts_.data_sizes = {150 << 20, 500 << 20, 30 << 20, 10 << 20, 15LL << 30};
    facts_.cap_units = {50'000};  // 500.00 / 0.01 per KB
    return true;
  }

  void write_catalog() {
    if (use_shipped_catalog()) return;
    std::string& t = out_.catalog_toml;
    t += fmt::format(
        "[catalog]\nid = \"oracle\"\nhome_country = \"CN\"\nzone = \"{}\"\ncurrency = \"CNY\"\n\n",
        zone_);
    static const std::vector<std::int64_t> data_incs{1024, 1024,      1024,      1,
                                                     512,  10 * 1024, 100 * 1024};
    static const std::vector<std::int64_t> voice_incs{60, 60, 30, 6, 1};
    facts_.data_increment = d_.pick(data_incs);
    facts_.voice_increment = d_.pick(voice_incs);
    t += fmt::format(
        "[services]\nsms = {{ increment = \"1 msg\" }}\ndata = {{ increment = \"{}\" }}\nvoice = "
        "{{ increment = \"{}\" }}\n\n",
        quantity_text(d_, service::data, facts_.data_increment),
        quantity_text(d_, service::voice, facts_.voice_increment));
    if (d_.chance(75)) {
      facts_.has_bands = true;
      // Off-peak at random whole or half hours; it may wrap midnight or end at 24:00.
      facts_.band_from = static_cast<int>(d_.below(48)) * 30;
      do facts_.band_to = static_cast<int>(d_.between(1, 48)) * 30;
      while (facts_.band_to == facts_.band_from ||
             (facts_.band_to == 1440 && facts_.band_from == 0));
      if (d_.chance(30)) facts_.band_from = 23 * 60, facts_.band_to = 7 * 60;  // D17
      t += fmt::format(
          "[bands]\ndefault = \"peak\"\noff_peak = {{ from = \"{:02}:{:02}\", to = \"{:02}:{:02}\" "
          "}}\n\n",
          facts_.band_from / 60, facts_.band_from % 60, facts_.band_to / 60, facts_.band_to % 60);
    }
    if (d_.chance(25)) {
      // Another line rounding than D2's, to see that the rounding is the catalog's.
      t += fmt::format("[rounding]\nline = {{ places = {}, mode = \"{}\" }}\n\n", d_.between(0, 4),
                       rounding_name(d_));
    }
    t += "[countries]\nHK = { zone = \"Asia/Hong_Kong\" }\nMO = { zone = \"Asia/Macau\" }\n\n";
    t += "[country_groups]\nnear = [\"HK\", \"MO\"]\n\n";
    // The base tariff covers every service, band and country, so no record is rejected.
    write_rate(t, "[[rates]]", service::data, "", "", true);
    write_rate(t, "[[rates]]", service::voice, "", "", true);
    write_rate(t, "[[rates]]", service::sms, "", "", true);
    write_rates(t, "[[rates]]", 2, {"data||", "voice||", "sms||"});

    const std::int64_t products = d_.between(1, 3);
    const bool grouped = products >= 2 && d_.chance(40);  // p1 and p2 exclude each other (D5)
    bool cut_off_written = false;
    for (std::int64_t i = 0; i < products; ++i) {
      const std::string id = fmt::format("p{}", i + 1);
      facts_.per_cycle_products.push_back(id);
      t += fmt::format("[[products]]\nid = \"{}\"\nkind = \"{}\"\ncode = {}\npriority = {}\n", id,
                       d_.chance(60) ? "plan" : "pack", d_.between(1, 9), 100 * d_.between(1, 5));
      t += fmt::format("fee = {{ amount = \"{}\", per = \"cycle\" }}\n", money_text(fee_micros()));
      if (grouped && i < 2) {
        t += "exclusive_group = \"g\"\n";
        if (d_.chance(25)) t += "on_group_conflict = \"refuse\"\n";
      }
      static const std::vector<std::string> ends{"immediately", "next_day", "next_cycle"};
      t += fmt::format("unsubscribe = \"{}\"\n", d_.pick(ends));
      if (d_.chance(75)) {
        static const std::vector<std::string> strategies{"none", "actual_days", "days_12_365"};
        t += fmt::format(
            "proration = {{ fee = \"{}\", fee_rounding = {{ places = {}, mode = \"{}\" }}, "
            "allowance = \"{}\", "
            "allowance_rounding = \"{}\" }}\n",
            d_.pick(strategies), d_.between(0, 3), rounding_name(d_), d_.pick(strategies),
            rounding_name(d_));
      }
      t += "\n";
      product_has_data_ = false;
      write_allowances(t);
      write_rates(t, "  [[products.rates]]", 3);
      if (d_.chance(50)) write_cap(t);
      if (!cut_off_written && d_.chance(40)) {
        write_switch(t);
        cut_off_written = true;
      }
      if (d_.chance(40)) write_notify(t);
      t += reactivation_;
      reactivation_.clear();
    }
    if (d_.chance(40)) {
      facts_.one_off = "topup";
      t += fmt::format(
          "[[products]]\nid = \"topup\"\nkind = \"pack\"\ncode = {}\npriority = {}\n"
          "fee = {{ amount = \"{}\", per = \"order\" }}\nvalidity = \"rest_of_cycle\"\nstackable = "
          "true\n\n",
          d_.between(1, 9), 100 * d_.between(1, 5), money_text(fee_micros()));
      write_allowance(t, service::data);
    }
  }

  std::int64_t fee_micros() {
    switch (d_.below(4)) {
      case 0:
        return d_.between(0, 100) * 1'000'000;  // whole yuan
      case 1:
        return d_.between(0, 20000) * 10'000;  // cents
      case 2:
        return d_.between(0, 100'000'000);  // micro-units
      default:
        return 20'000'000;  // D6: 20.00
    }
  }

  // A rate whose price per increment is a whole number of micro-units (the loader refuses
  // any other): `per` is 1, 2, 5 or 10 increments and the price that many times a
  // per-increment price.
  void write_rate(std::string& t, const std::string& header, service svc, const std::string& band,
                  const std::string& where, bool capped) {
    const std::int64_t inc = increment(svc);
    static const std::vector<std::int64_t> multiples{1, 1, 2, 5, 10};
    const std::int64_t m = d_.pick(multiples);
    std::int64_t unit_price = 0;
    switch (d_.below(4)) {
      case 0:
        unit_price = d_.between(0, 20) * 10'000;
        break;  // 0.00 .. 0.20
      case 1:
        unit_price = d_.between(1, 100'000);
        break;  // six decimals
      case 2:
        unit_price = 10'000;
        break;  // D6: 0.01
      default:
        unit_price = d_.between(1, 2000) * 100;
        break;  // four decimals
    }
    if (svc == service::data && inc < 1024) unit_price /= 16;    // keep byte prices modest
    const std::string in = header.starts_with(' ') ? "  " : "";  // a product's rate is indented
    t += fmt::format("{}\n{}service = \"{}\"\n{}price = \"{}\"\n{}per = \"{}\"\n", header, in,
                     to_string(svc), in, money_text(unit_price * m), in,
                     quantity_text(d_, svc, inc * m));
    if (!band.empty()) t += fmt::format("{}band = \"{}\"\n", in, band);
    if (where.starts_with('['))
      t += fmt::format("{}where = {}\n", in, where);
    else if (!where.empty())
      t += fmt::format("{}where = \"{}\"\n", in, where);
    if (!capped) t += in + "capped = false\n";
    t += "\n";
    unit_prices_.push_back(unit_price);
  }

  // Up to `count` rates, never two of one service, band and kind of `where` in one list
  // (the loader refuses those as ambiguous).
  void write_rates(std::string& t, const std::string& header, int count,
                   std::vector<std::string> written = {}) {
    for (int i = 0; i < count; ++i) {
      if (d_.chance(40)) continue;
      const service svc = random_service();
      static const std::vector<std::string> wheres{"",        "",         "home", "home",
                                                   "roaming", "[\"HK\"]", "near"};
      const std::string where = d_.pick(wheres);
      const std::string band =
          facts_.has_bands && d_.chance(40) ? (d_.chance(80) ? "off_peak" : "peak") : "";
      // A list and a group are one kind of `where`; two of them overlapping are ambiguous.
      const bool listed = where == "near" || where.starts_with('[');
      const std::string key =
          fmt::format("{}|{}|{}", to_string(svc), band, listed ? "countries" : where);
      if (std::find(written.begin(), written.end(), key) != written.end()) continue;
      written.push_back(key);
      write_rate(t, header, svc, band, where, !d_.chance(10));
    }
  }

  std::int64_t increment(service svc) const {
    return svc == service::data    ? facts_.data_increment
           : svc == service::voice ? facts_.voice_increment
                                   : 1;
  }
  std::vector<std::int64_t>& sizes_of(service svc) {
    return svc == service::data    ? facts_.data_sizes
           : svc == service::voice ? facts_.voice_sizes
                                   : facts_.sms_sizes;
  }
  service random_service() {
    const std::int64_t r = d_.below(100);
    return r < 65 ? service::data : r < 90 ? service::voice : service::sms;
  }

  void write_allowance(std::string& t, service svc) {
    const std::int64_t inc = increment(svc);
    std::int64_t units = 0;
    switch (d_.below(3)) {
      case 0:
        units = d_.between(1, 50);
        break;
      case 1:
        units = d_.between(1, 5000);
        break;
      default:
        units = svc == service::data ? (150 * 1024 * 1024) / inc : d_.between(1, 600);
        break;
    }
    if (units == 0) units = 1;
    sizes_of(svc).push_back(units * inc);
    if (svc == service::data) product_has_data_ = true;
    t += fmt::format("  [[products.allowances]]\n  service = \"{}\"\n  quantity = \"{}\"\n",
                     to_string(svc), quantity_text(d_, svc, units * inc));
    if (facts_.has_bands && d_.chance(25)) t += "  band = \"off_peak\"\n";
    static const std::vector<std::string> wheres{"",         "",     "home",    "roaming",
                                                 "anywhere", "near", "[\"MO\"]"};
    if (const std::string& w = d_.pick(wheres); w.starts_with('['))
      t += fmt::format("  where = {}\n", w);
    else if (!w.empty())
      t += fmt::format("  where = \"{}\"\n", w);
    t += "\n";
  }

  void write_allowances(std::string& t) {
    const std::int64_t n = d_.between(0, 3);
    for (std::int64_t i = 0; i < n; ++i) write_allowance(t, random_service());
  }

  void write_cap(std::string& t) {
    std::int64_t level = 0;
    switch (d_.below(3)) {
      case 0:
        level = d_.between(1, 500) * 1'000'000;
        break;
      case 1:
        level = d_.between(1, 50'000'000);
        break;
      default:
        level = 500'000'000;
        break;  // D6
    }
    t += fmt::format(
        "  [[products.thresholds]]\n  counter = \"usage_fee\"\n  at = \"{}\"\n  action = \"cap\"\n",
        money_text(level));
    if (d_.chance(40)) t += "  scope = \"all\"\n";
    if (d_.chance(40)) t += fmt::format("  service = \"{}\"\n", to_string(random_service()));
    t += "\n";
    for (std::int64_t p : unit_prices_)
      if (p > 0) facts_.cap_units.push_back(level / p + (level % p != 0 ? 1 : 0));
  }

  void remember_fee_level(std::int64_t level) {
    for (std::int64_t p : unit_prices_)
      if (p > 0) facts_.cap_units.push_back(level / p + (level % p != 0 ? 1 : 0));
  }

  // A cut-off (D6) or a rate change, on data volume mostly, else on the data allowance
  // used or on data usage fees.
  void write_switch(std::string& t) {
    const bool cut_off = d_.chance(65);
    const std::int64_t counter = d_.below(10);
    std::string level;
    if (counter < 6 || (counter < 8 && !product_has_data_)) {
      const std::int64_t units =
          d_.chance(50) ? d_.between(1, 2000) : d_.between(1, 400'000'000 / facts_.data_increment);
      facts_.data_sizes.push_back(units * facts_.data_increment);
      level = fmt::format("counter = \"volume\"\n  at = \"{}\"\n",
                          quantity_text(d_, service::data, units * facts_.data_increment));
      if (d_.chance(60)) level += "  where = \"home\"\n";
    } else if (counter < 8) {
      level = fmt::format("counter = \"allowance_used\"\n  at = \"{}%\"\n",
                          d_.chance(50) ? 100 : d_.between(1, 100));
    } else {
      // Often a whole number of some rate's increments, so a record can end exactly on it.
      std::int64_t at = d_.between(1, 100'000'000);
      if (!unit_prices_.empty() && d_.chance(50))
        at = std::max<std::int64_t>(1, d_.pick(unit_prices_)) * d_.between(1, 5000);
      level = fmt::format("counter = \"usage_fee\"\n  at = \"{}\"\n", money_text(at));
      remember_fee_level(at);
      if (d_.chance(40)) level += "  scope = \"all\"\n";
    }
    t += fmt::format(
        "  [[products.thresholds]]\n  service = \"data\"\n  {}  action = \"{}\"\n  compare = "
        "\"{}\"\n",
        level, cut_off ? "cut_off" : "rate_change", d_.chance(50) ? "reaches" : "exceeds");
    const std::int64_t price = d_.between(0, 1000) * 100;
    t += fmt::format("  rate = {{ price = \"{}\", per = \"{}\", capped = {} }}\n\n",
                     money_text(price), quantity_text(d_, service::data, facts_.data_increment),
                     d_.chance(50) ? "true" : "false");
    if (cut_off && d_.chance(60)) {
      // D6: reactivate_data lifts the cut-off, and maybe the cap, for the rest of the cycle.
      static const std::vector<std::string> lifts{"\"cut_off\", \"cap\"", "\"cut_off\"", "\"cap\""};
      reactivation_ = fmt::format("  [products.reactivation]\n  lifts = [{}]\n\n", d_.pick(lifts));
    }
  }

  // Reminders change no amount; they make the engine split records at more points.
  void write_notify(std::string& t) {
    switch (d_.below(3)) {
      case 0:
        t += fmt::format(
            "  [[products.thresholds]]\n  counter = \"volume\"\n  service = \"data\"\n  at = "
            "\"{}\"\n"
            "  action = \"notify\"\n\n",
            quantity_text(d_, service::data, d_.between(1, 5000) * facts_.data_increment));
        break;
      case 1:
        t += fmt::format(
            "  [[products.thresholds]]\n  counter = \"usage_fee\"\n  at = \"{}\"\n  action = "
            "\"notify\"\n"
            "  compare = \"{}\"\n\n",
            money_text(d_.between(1, 100'000'000)), d_.chance(50) ? "reaches" : "exceeds");
        break;
      default:
        if (!product_has_data_) break;  // the loader refuses a share of nothing
        t += fmt::format(
            "  [[products.thresholds]]\n  counter = \"allowance_used\"\n  service = \"data\"\n"
            "  at = \"{}%\"\n  action = \"notify\"\n\n",
            d_.between(1, 100));
        break;
    }
  }

  // ---- the subscribers ---------------------------------------------------------------

  instant local_midnight(date::local_days day) const {
    return date::locate_zone(zone_)->to_sys(day, date::choose::earliest);
  }
  date::local_days first_day() const { return date::local_days{out_.month / 1}; }
  date::local_days next_first_day() const {
    return date::local_days{(out_.month + date::months(1)) / 1};
  }
  instant cycle_start() const { return local_midnight(first_day()); }
  instant cycle_end() const { return local_midnight(next_first_day()); }

  instant random_instant_in_cycle() {
    const std::int64_t span = (cycle_end() - cycle_start()).count();
    switch (d_.below(6)) {
      case 0:
        return local_midnight(first_day() +
                              date::days(d_.below((next_first_day() - first_day()).count())));
      case 1:
        return cycle_start();
      case 2:
        return cycle_end() - seconds(1);
      default:
        return cycle_start() + seconds(d_.below(span));
    }
  }

  instant subscribe_time() {
    switch (d_.below(5)) {
      case 0:
        return cycle_start() - seconds(d_.between(1, 60 * 86400));  // held all cycle
      case 1:
        return cycle_start();
      default:
        return random_instant_in_cycle();
    }
  }

  generated_subscriber make_subscriber(const std::string& id) {
    generated_subscriber s;
    s.id = id;
    for (const std::string& p : facts_.per_cycle_products)
      for (int again = 0; again < 2; ++again) {  // a second order: a re-subscription or refused
        if (!d_.chance(again == 0 ? 65 : 25)) continue;
        order o{p, subscribe_time(), std::nullopt};
        if (d_.chance(15)) {
          // D5: ordered for the next cycle, from the previous cycle or from this one.
          o.next_cycle = true;
          o.at = d_.chance(60) ? cycle_start() - seconds(d_.between(1, 27 * 86400))
                               : random_instant_in_cycle();
        }
        if (d_.chance(35)) {
          // An unsubscribe request later than the order: inside the cycle, at a midnight, or
          // just after it.
          instant u = d_.chance(30) ? local_midnight(first_day() + date::days(d_.between(1, 31)))
                                    : o.at + seconds(d_.between(1, 40 * 86400));
          if (u <= o.at) u = o.at + seconds(d_.between(1, 86400));
          o.unsubscribe_at = u;
        }
        s.orders.push_back(o);
      }
    if (!facts_.one_off.empty())
      for (std::int64_t n = d_.below(3); n > 0; --n)
        s.orders.push_back({facts_.one_off, random_instant_in_cycle(), std::nullopt});
    std::stable_sort(s.orders.begin(), s.orders.end(),
                     [](const order& a, const order& b) { return a.at < b.at; });
    if (d_.chance(40))
      for (std::int64_t n = d_.between(1, 3); n > 0; --n)
        s.reactivations.push_back(random_instant_in_cycle());

    const std::int64_t records = d_.between(0, 24);
    for (std::int64_t i = 0; i < records; ++i) {
      usage u;
      u.id = fmt::format("{}-r{:02}", id, i);
      u.time = record_time(s);
      u.svc = random_service();
      static const std::vector<std::string> countries{"", "", "", "", "", "", "HK", "MO", "CN"};
      u.country = d_.pick(countries);
      u.quantity = record_quantity(u.svc);
      s.records.push_back(u);
      // A second record that ends exactly where an allowance or a cut-off does, counting
      // from the one before it, at the same instant or a little later.
      if (d_.chance(20)) {
        const auto& sizes = sizes_of(u.svc);
        if (!sizes.empty()) {
          const std::int64_t target = d_.pick(sizes);
          if (target > u.quantity) {
            usage v = u;
            v.id = fmt::format("{}-r{:02}b", id, i);
            v.quantity = target - u.quantity;
            if (d_.chance(50) && v.time + seconds(60) < cycle_end()) v.time += seconds(60);
            s.records.push_back(v);
          }
        }
      }
    }
    return s;
  }

  instant record_time(const generated_subscriber& s) {
    instant t = random_instant_in_cycle();
    switch (d_.below(4)) {
      case 0:
        if (facts_.has_bands) {
          // At a band edge, or one second before it, on a random local day.
          const int minute = d_.chance(50) ? facts_.band_from : facts_.band_to;
          const date::local_days day =
              first_day() + date::days(d_.below((next_first_day() - first_day()).count()));
          t = date::locate_zone(zone_)->to_sys(
              date::local_seconds(day) + std::chrono::minutes(minute), date::choose::earliest);
          if (d_.chance(50)) t -= seconds(1);
        }
        break;
      case 1:
        if (!s.orders.empty()) {
          // At a subscription's start or end, or one second before.
          const order& o = d_.pick(s.orders);
          t = o.unsubscribe_at && d_.chance(50) ? *o.unsubscribe_at : o.at;
          if (d_.chance(50)) t -= seconds(1);
        }
        break;
      default:
        break;
    }
    if (t < cycle_start() || t >= cycle_end()) t = random_instant_in_cycle();
    return t;
  }

  std::int64_t record_quantity(service svc) {
    const std::int64_t inc = increment(svc);
    const auto& sizes = sizes_of(svc);
    std::int64_t q = 0;
    switch (d_.below(7)) {
      case 0:
        q = d_.below(3 * inc);
        break;  // under an increment or two
      case 1:
        q = d_.between(0, 5000) * inc;
        break;  // whole increments
      case 2:
        q = svc == service::data ? d_.between(0, 200) << 20
                                 : d_.between(0, svc == service::sms ? 20 : 7200);
        break;
      case 3:
        if (!sizes.empty()) q = d_.pick(sizes);
        break;  // a whole allowance
      case 4:
        if (!sizes.empty()) q = d_.pick(sizes) / 2;
        break;
      case 5:
        if (!facts_.cap_units.empty()) q = d_.pick(facts_.cap_units) * inc;
        break;  // to a cap
      default:
        q = d_.between(0, 3'000'000);
        break;
    }
    if (d_.chance(30))
      q += d_.chance(50) ? 1 : -1;  // a unit off the edge
    else if (d_.chance(20))
      q += d_.chance(50) ? inc : -inc;
    return std::max<std::int64_t>(q, 0);
  }

  dice d_;
  generated_scenario out_;
  std::string zone_;
  catalog_facts facts_;
  std::vector<std::int64_t> unit_prices_;
  bool product_has_data_ = false;
  std::string reactivation_;  // the [products.reactivation] table of the product being written  //
                              // the product being written has a data allowance
};

}  // namespace

std::string generated_scenario::accounts_csv() const {
  std::string csv = "subscriber,time,action,product,amount,note\n";
  // Every subscriber joins long before the cycle, so each one gets a bill.
  const instant joined =
      date::locate_zone("UTC")->to_sys(date::local_days{date::year(2011) / 1 / 1});
  for (const generated_subscriber& s : subscribers) {
    csv += fmt::format("{},{},join,,,\n", s.id, time_text(joined));
    for (const order& o : s.orders)
      csv += fmt::format("{},{},{},{},,\n", s.id, time_text(o.at),
                         o.next_cycle ? "subscribe_next_cycle" : "subscribe", o.product);
    for (const order& o : s.orders)
      if (o.unsubscribe_at)
        csv +=
            fmt::format("{},{},unsubscribe,{},,\n", s.id, time_text(*o.unsubscribe_at), o.product);
    for (instant t : s.reactivations)
      csv += fmt::format("{},{},reactivate_data,,,\n", s.id, time_text(t));
  }
  return csv;
}

std::string generated_scenario::usage_csv() const {
  std::string csv = "id,subscriber,time,service,quantity,country\n";
  for (const generated_subscriber& s : subscribers)
    for (const usage& u : s.records)
      csv += fmt::format("{},{},{},{},{},{}\n", u.id, s.id, time_text(u.time), to_string(u.svc),
                         u.quantity, u.country);
  return csv;
}

generated_scenario generate_scenario(std::uint64_t seed) {
  return generator(seed).run();
}

}  // namespace ratel::oracle
