// ratel's kernels, each beside a baseline measured in the same run on the same machine,
// so results are read as ratios (bench/README.md). Build type: Release or RelWithDebInfo.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include <boost/multiprecision/cpp_int.hpp>

#include "io/csv.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/run/batch.hpp"
#include "ratel/run/live.hpp"

using namespace ratel;

namespace {

// Instants spread over 2019 (a year with DST changes in London).
std::vector<instant> spread_instants(std::size_t n) {
  std::mt19937_64 rng(42);
  const auto start = date::sys_days{date::year(2019) / 1 / 1}.time_since_epoch();
  std::vector<instant> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(instant{std::chrono::duration_cast<std::chrono::seconds>(start) +
                          std::chrono::seconds(rng() % (365LL * 86400))});
  return out;
}

void offset_at_cached(benchmark::State& state) {
  zone london = zone::locate("Europe/London");
  auto times = spread_instants(4096);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(london.offset_at(times[i++ & 4095]));
}
BENCHMARK(offset_at_cached);

void offset_at_baseline_tz_get_info(benchmark::State& state) {
  const date::time_zone* london = date::locate_zone("Europe/London");
  auto times = spread_instants(4096);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(london->get_info(times[i++ & 4095]).offset);
}
BENCHMARK(offset_at_baseline_tz_get_info);

void local_day_cached(benchmark::State& state) {
  zone london = zone::locate("Europe/London");
  auto times = spread_instants(4096);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(london.local_day(times[i++ & 4095]));
}
BENCHMARK(local_day_cached);

void local_day_baseline_zoned_time(benchmark::State& state) {
  const date::time_zone* london = date::locate_zone("Europe/London");
  auto times = spread_instants(4096);
  std::size_t i = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(
        date::floor<date::days>(date::zoned_time(london, times[i++ & 4095]).get_local_time()));
}
BENCHMARK(local_day_baseline_zoned_time);

void csv_split_ratel(benchmark::State& state) {
  const std::string_view row =
      "r123456,13800000471,2012-07-17T11:56:50+08:00,data,1854681,KR,13800000251";
  std::vector<ratel::detail::csv::field> fields;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ratel::detail::csv::split(row, fields));
    benchmark::DoNotOptimize(fields.data());
  }
}
BENCHMARK(csv_split_ratel);

void csv_split_baseline_memchr(benchmark::State& state) {
  // The floor: find the commas, nothing else (no quotes, no columns).
  const std::string_view row =
      "r123456,13800000471,2012-07-17T11:56:50+08:00,data,1854681,KR,13800000251";
  for (auto _ : state) {
    std::size_t commas = 0;
    for (const char *p = row.data(), *end = row.data() + row.size();
         (p = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(end - p))));
         ++p)
      ++commas;
    benchmark::DoNotOptimize(commas);
  }
}
BENCHMARK(csv_split_baseline_memchr);

void parse_rfc3339_ratel(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_rfc3339("2012-07-03T22:00:00+08:00"));
}
BENCHMARK(parse_rfc3339_ratel);

void parse_rfc3339_baseline_date_from_stream(benchmark::State& state) {
  for (auto _ : state) {
    std::istringstream in("2012-07-03T22:00:00+08:00");
    date::sys_seconds t;
    in >> date::parse("%FT%T%Ez", t);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(parse_rfc3339_baseline_date_from_stream);

void mul_div_ratel(benchmark::State& state) {
  const money fee = money::parse("20.00", currency::parse("CNY"));
  std::int64_t days = 1;
  for (auto _ : state) {
    benchmark::DoNotOptimize(mul_div(fee, days, 31, rounding::half_up));
    days = days % 31 + 1;
  }
}
BENCHMARK(mul_div_ratel);

void mul_div_baseline_cpp_rational(benchmark::State& state) {
  using boost::multiprecision::cpp_rational;
  std::int64_t days = 1;
  for (auto _ : state) {
    cpp_rational r = cpp_rational(20'000'000) * days / 31;
    benchmark::DoNotOptimize(r);
    days = days % 31 + 1;
  }
}
BENCHMARK(mul_div_baseline_cpp_rational);

// A month of synthetic usage: `subscribers` subscribers on gprs-20 (+ data-pack-5 for
// half), data, voice and SMS spread over July 2012.
struct month {
  std::string accounts;
  std::string usage;
  std::size_t rows = 0;
};

month make_month(std::size_t subscribers, std::size_t records_each) {
  month m;
  m.accounts = "subscriber,time,action,product,amount,note\n";
  m.usage = "id,subscriber,time,service,quantity,country\n";
  std::mt19937_64 rng(7);
  const char* services[] = {"data", "data", "data", "voice", "sms"};
  for (std::size_t s = 0; s < subscribers; ++s) {
    m.accounts +=
        fmt::format("{},2012-06-01T00:00:00+08:00,subscribe,gprs-20,,\n", 13800000000 + s);
    if (s % 2 == 0)
      m.accounts +=
          fmt::format("{},2012-06-01T00:00:00+08:00,subscribe,data-pack-5,,\n", 13800000000 + s);
    for (std::size_t r = 0; r < records_each; ++r) {
      const char* svc = services[rng() % 5];
      std::uint64_t q = svc[0] == 'd' ? rng() % 4'000'000 : svc[0] == 'v' ? rng() % 600 : 1;
      m.usage += fmt::format("r{},{},2012-07-{:02}T{:02}:{:02}:{:02}+08:00,{},{},{}\n", r,
                             13800000000 + s, 1 + rng() % 31, rng() % 24, rng() % 60, rng() % 60,
                             svc, q, rng() % 20 == 0 ? "KR" : "");
      ++m.rows;
    }
  }
  return m;
}

const month& bench_month() {
  static const month m = make_month(2000, 100);  // 200,000 records
  return m;
}

void usage_read_baseline_count_lines(benchmark::State& state) {
  const month& m = bench_month();
  for (auto _ : state) {
    std::size_t lines = 0;
    for (const char* p = m.usage.data();
         (p = static_cast<const char*>(std::memchr(p, '\n', m.usage.data() + m.usage.size() - p)));
         ++p)
      ++lines;
    benchmark::DoNotOptimize(lines);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * m.rows));
}
BENCHMARK(usage_read_baseline_count_lines)->Unit(benchmark::kMillisecond);

void usage_read(benchmark::State& state) {
  const month& m = bench_month();
  for (auto _ : state)
    benchmark::DoNotOptimize(parse_usage_csv(m.usage, "usage.csv").records().size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * m.rows));
}
BENCHMARK(usage_read)->Unit(benchmark::kMillisecond);

void rate_month(benchmark::State& state) {
  const month& m = bench_month();
  rule_plan plan = rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  account_book book = fold_account_log(parse_account_log(m.accounts, "accounts.csv"), plan);
  usage_batch usage = parse_usage_csv(m.usage, "usage.csv");
  billing_cycle july = calendar_month_cycle(date::year(2012) / 7, plan.home_zone());
  const auto threads = static_cast<unsigned>(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(rate_batch(plan, book, usage, july, threads).rated);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * m.rows));
}
BENCHMARK(rate_month)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Issue 18, live rating (run/live.hpp): 1,000 gprs-20 subscribers (half with data-pack-5)
// with 300 records each in July 2012, given one by one in time order as a worker receives
// them, against the batch rating of the same records on one thread. About 360 MB of data
// each: past the 80% and 100% reminders, the 500.00 fee reminder and the cap.
struct live_month {
  month m = make_month(1000, 300);
  rule_plan plan = rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  account_book book = fold_account_log(parse_account_log(m.accounts, "accounts.csv"), plan);
  usage_batch usage = parse_usage_csv(m.usage, "usage.csv");
  billing_cycle july = calendar_month_cycle(date::year(2012) / 7, plan.home_zone());
  std::vector<const usage_record*> arriving;  // in (time, id) order

  live_month() {
    for (const usage_record& r : usage.records()) arriving.push_back(&r);
    std::sort(arriving.begin(), arriving.end(), [](const usage_record* a, const usage_record* b) {
      return std::tie(a->time, a->subscriber, a->id) < std::tie(b->time, b->subscriber, b->id);
    });
  }
};

const live_month& bench_live_month() {
  static const live_month m;
  return m;
}

void live_rating_baseline_batch(benchmark::State& state) {
  const live_month& m = bench_live_month();
  for (auto _ : state)
    benchmark::DoNotOptimize(rate_batch(m.plan, m.book, m.usage, m.july, 1).rated);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * m.arriving.size()));
}
BENCHMARK(live_rating_baseline_batch)->Unit(benchmark::kMillisecond);

// Records per second, and each add's latency: p50 and p99 over every record of the month
// (the clock read around each add, about 20 ns, is inside the figures). Arg 0: in arrival
// order, the 1,000 accounts interleaved (each add finds its account cold in the cache);
// arg 1: one account's month after another's (the same adds, the account warm).
void live_rating(benchmark::State& state) {
  const live_month& m = bench_live_month();
  std::vector<const usage_record*> order = m.arriving;
  if (state.range(0) == 1)
    std::stable_sort(order.begin(), order.end(), [](const usage_record* a, const usage_record* b) {
      return a->subscriber < b->subscriber;
    });
  std::vector<std::int64_t> nanos(order.size());
  std::size_t events = 0;
  for (auto _ : state) {
    std::unordered_map<std::string_view, live_account> accounts;
    accounts.reserve(1000);
    for (std::size_t i = 0; i < order.size(); ++i) {
      const usage_record& r = *order[i];
      const auto start = std::chrono::steady_clock::now();
      auto at = accounts.find(r.subscriber);
      if (at == accounts.end())
        at = accounts.try_emplace(r.subscriber, m.plan, m.book.find(r.subscriber), m.july).first;
      events += at->second.add(r).events.size();
      nanos[i] = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - start)
                     .count();
    }
    benchmark::DoNotOptimize(events);
  }
  std::sort(nanos.begin(), nanos.end());
  state.counters["p50_ns"] = static_cast<double>(nanos[nanos.size() / 2]);
  state.counters["p99_ns"] = static_cast<double>(nanos[nanos.size() * 99 / 100]);
  state.counters["events"] = static_cast<double>(events / state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * m.arriving.size()));
}
BENCHMARK(live_rating)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Issue 14 item 11: one subscriber with `n` account-log lines a minute apart, of the
// stackable data-topup-3, in blocks of subscribe, subscribe, unsubscribe, unsubscribe (the
// second unsubscribe is refused). The fold was quadratic in the lines of one subscriber.
void fold_one_subscriber(benchmark::State& state) {
  const rule_plan plan =
      rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  const auto n = static_cast<std::uint32_t>(state.range(0));
  std::vector<account_entry> log;
  log.reserve(n);
  const instant first = date::sys_days{date::year(2012) / 7 / 1} - std::chrono::hours(8);
  for (std::uint32_t i = 0; i < n; ++i) {
    account_entry e;
    e.subscriber = "13800000001";
    e.time = first + std::chrono::minutes(i);
    e.action = i % 4 < 2 ? account_action::subscribe : account_action::unsubscribe;
    e.product = "data-topup-3";
    e.where = {"accounts.csv", i + 2, 1};
    log.push_back(std::move(e));
  }
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<account_entry> copy = log;  // the fold takes its entries by value
    state.ResumeTiming();
    benchmark::DoNotOptimize(fold_account_log(std::move(copy), plan).histories().size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(fold_one_subscriber)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

// Issue 14 item 11, after the fold: what the rater, the biller and the points ledger do
// with one long history over a run of many cycles. One subscriber, ten years (120
// cycles from January 2012): gprs-20 (five thresholds) and gprs-50 by turns, one month
// each, and `n` lines in all, the rest of them data-topup-3 in blocks of subscribe,
// subscribe, unsubscribe, unsubscribe (the second refused); 20 data records a cycle.
void bill_long_history(benchmark::State& state) {
  const rule_plan plan =
      rule_plan::compile(load_catalog(RATEL_SOURCE_DIR "/tariffs/cmcc-2012.toml"));
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const date::year_month first_month = date::year(2012) / 1;
  std::vector<billing_cycle> cycles;
  for (int m = 0; m < 120; ++m)
    cycles.push_back(calendar_month_cycle(first_month + date::months(m), plan.home_zone()));
  std::vector<account_entry> log;
  log.reserve(n);
  auto line = [&](instant t, account_action a, const char* product) {
    account_entry e;
    e.subscriber = "13800000001";
    e.time = t;
    e.action = a;
    e.product = product;
    e.where = {"accounts.csv", static_cast<std::uint32_t>(log.size() + 2), 1};
    log.push_back(std::move(e));
  };
  line(cycles.front().start, account_action::subscribe, "gprs-20");
  for (std::size_t m = 1; m < cycles.size(); ++m)  // ordered mid-month, from the next cycle
    line(cycles[m - 1].start + date::days(14), account_action::subscribe,
         m % 2 == 0 ? "gprs-20" : "gprs-50");
  const auto span = cycles.back().end - cycles.front().start;
  const std::uint32_t topups = n - static_cast<std::uint32_t>(log.size());
  for (std::uint32_t i = 0; i < topups; ++i)
    line(cycles.front().start + span / topups * i,
         i % 4 < 2 ? account_action::subscribe : account_action::unsubscribe, "data-topup-3");
  const account_book book = fold_account_log(std::move(log), plan);
  std::mt19937_64 rng(11);
  std::string usage = "id,subscriber,time,service,quantity,country\n";
  for (const billing_cycle& c : cycles)
    for (int r = 0; r < 20; ++r) {
      const instant t = c.start + std::chrono::seconds(rng() % 2'419'200);  // in its first 28 days
      usage += fmt::format("r{}-{},13800000001,{},data,{},\n", to_string(c.month), r,
                           format_rfc3339(t, plan.home_zone().offset_at(t)), rng() % 4'000'000);
    }
  const usage_batch records = parse_usage_csv(usage, "usage.csv");
  for (auto _ : state)
    benchmark::DoNotOptimize(rate_batch(plan, book, records, cycles, 1).bills.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(bill_long_history)->Arg(100'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
