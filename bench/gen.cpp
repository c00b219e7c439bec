// ratel_gen: a deterministic generator of a month of realistic input for cmcc-2012.
//
//   ratel_gen --out DIR [--seed 7] [--subscribers 1000] [--records 100000] [--month 2012-07]
//             [--profile full|data|gprs20]
//
// Writes DIR/accounts.csv and DIR/usage.csv (DESIGN 4.2 and 4.1) for tariffs/cmcc-2012.toml:
// every subscriber on gprs-20; 40% with data-pack-5; 10% with one to three data-topup-3
// orders during the month; 5% roam, half of them with an intl-daypass ordered on their
// first roaming day; records of data (60%), voice (25%) and SMS (15%) at any time of day,
// so about a third fall off-peak; roamers' records are 5% of all, in the day pass's
// countries; 3% of subscribers are heavy users past their allowance and the 500.00 cap,
// and 1% pass the 15 GB cut-off. `--profile data` keeps only what bench/compare.sh's DuckDB
// side implements: home data on gprs-20, data-pack-5 and data-topup-3, no roaming, no
// passes, no voice or SMS. `--profile gprs20` keeps less still: home data on gprs-20 alone
// (no pack, no top-up), the month of issue 19's lean SQL. The same arguments give the same bytes on
// any machine: only the raw output of std::mt19937_64 (specified by the standard) is used.
//
// `--out` is required: a generator that writes a hundred thousand records into the current
// directory when run bare (or with `--help`, which it once did) surprises everyone.
// `--help` prints the usage; an unknown option or a bad value exits 2.
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

namespace {

struct options {
  std::uint64_t seed = 7;
  std::uint64_t subscribers = 1000;
  std::uint64_t records = 100000;
  std::string out;  // --out, required
  int year = 2012;
  unsigned month = 7;
  bool data_only = false;
  bool gprs20_only = false;  // data_only, and no product but gprs-20
};

constexpr std::string_view usage_text =
    "usage: ratel_gen --out DIR [--seed N] [--subscribers N] [--records N] [--month YYYY-MM]\n"
    "                 [--profile full|data|gprs20]\n"
    "\n"
    "Writes DIR/accounts.csv and DIR/usage.csv, a month of input for tariffs/cmcc-2012.toml;\n"
    "the same arguments give the same bytes on any machine.\n"
    "\n"
    "  --out DIR          directory to write to (made if missing)\n"
    "  --seed N           seed of the generator (default 7)\n"
    "  --subscribers N    subscribers, at least 1 (default 1000)\n"
    "  --records N        usage records (default 100000)\n"
    "  --month YYYY-MM    the month of the usage (default 2012-07)\n"
    "  --profile P        full: data, voice, SMS, roaming and passes (default);\n"
    "                     data: home data only, what bench/compare.sh's DuckDB side rates;\n"
    "                     gprs20: home data on gprs-20 alone (its lean SQL's month)\n"
    "  --help             print this and exit\n";

// A command line that cannot be used: the message, then a pointer to --help, exit 2.
struct usage_error : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

std::uint64_t number(std::string_view text, std::string_view name) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw usage_error(std::string(name) + ": not a whole number: \"" + std::string(text) + "\"");
  return v;
}

// Returns nullopt for --help.
std::optional<options> parse(int argc, char** argv) {
  options o;
  bool has_out = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view key = argv[i];
    if (key == "--help" || key == "-h") return std::nullopt;
    if (key != "--seed" && key != "--subscribers" && key != "--records" && key != "--out" &&
        key != "--month" && key != "--profile")
      throw usage_error("unknown option \"" + std::string(key) + "\"");
    if (i + 1 == argc) throw usage_error(std::string(key) + " needs a value");
    const std::string_view value = argv[++i];
    if (key == "--seed") {
      o.seed = number(value, key);
    } else if (key == "--subscribers") {
      o.subscribers = number(value, key);
      if (o.subscribers == 0) throw usage_error("--subscribers: at least 1");
    } else if (key == "--records") {
      o.records = number(value, key);
    } else if (key == "--out") {
      o.out = std::string(value);
      has_out = true;
    } else if (key == "--profile") {
      if (value != "full" && value != "data" && value != "gprs20")
        throw usage_error("--profile: \"" + std::string(value) + "\" is not full, data or gprs20");
      o.data_only = value == "data" || value == "gprs20";
      o.gprs20_only = value == "gprs20";
    } else {  // --month
      const auto bad = [&] {
        return usage_error("--month: \"" + std::string(value) + "\" is not YYYY-MM");
      };
      if (value.size() != 7 || value[4] != '-') throw bad();
      try {
        o.year = static_cast<int>(number(value.substr(0, 4), key));
        o.month = static_cast<unsigned>(number(value.substr(5, 2), key));
      } catch (const usage_error&) {
        throw bad();
      }
      if (o.month < 1 || o.month > 12) throw bad();
    }
  }
  if (!has_out) throw usage_error("--out DIR is required");
  return o;
}

// A buffered file writer (fmt would do, but this keeps the tool to the standard library).
class writer {
 public:
  explicit writer(const std::filesystem::path& path)
      : file_(std::fopen(path.string().c_str(), "wb")) {
    if (file_ == nullptr) throw std::runtime_error("cannot write " + path.string());
    buffer_.reserve(1 << 20);
  }
  ~writer() {
    flush();
    std::fclose(file_);
  }
  writer& operator<<(std::string_view s) {
    buffer_.append(s);
    if (buffer_.size() > (1 << 20) - 256) flush();
    return *this;
  }
  writer& operator<<(std::uint64_t v) {
    char text[24];
    auto [end, ec] = std::to_chars(text, text + sizeof text, v);
    return *this << std::string_view(text, static_cast<std::size_t>(end - text));
  }

 private:
  void flush() {
    std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
    buffer_.clear();
  }
  std::FILE* file_;
  std::string buffer_;
};

std::string two(unsigned v) {
  return {static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
}

}  // namespace

int main(int argc, char** argv) try {
  const std::optional<options> parsed = parse(argc, argv);
  if (!parsed) {
    std::fputs(usage_text.data(), stdout);
    return 0;
  }
  const options& o = *parsed;
  std::filesystem::create_directories(o.out);
  std::mt19937_64 rng(o.seed);
  auto below = [&](std::uint64_t n) { return rng() % n; };  // raw output only: portable
  const unsigned days =
      static_cast<unsigned>((date::year(o.year) / date::month(o.month) / date::last).day());
  const std::string month = std::to_string(o.year) + "-" + two(o.month);
  const std::string prev = o.month == 1 ? std::to_string(o.year - 1) + "-12"
                                        : std::to_string(o.year) + "-" + two(o.month - 1);
  auto msisdn = [](std::uint64_t i) { return std::to_string(13800000000ULL + i); };

  // Who is who: decided per subscriber from the generator, in subscriber order.
  enum class kind : std::uint8_t { normal, heavy, cut_off };
  std::vector<kind> kinds(o.subscribers, kind::normal);
  std::vector<bool> roamer(o.subscribers, false);
  {
    writer accounts(std::filesystem::path(o.out) / "accounts.csv");
    accounts << "subscriber,time,action,product,amount,note,country\n";
    for (std::uint64_t i = 0; i < o.subscribers; ++i) {
      const std::string id = msisdn(i);
      accounts << id << "," << prev << "-15T10:00:00+08:00,join,,,,\n";
      accounts << id << "," << prev << "-15T10:00:00+08:00,subscribe,gprs-20,,,\n";
      // gprs20: the same draws (the same usage as `data`), the packs and top-ups not written.
      if (below(100) < 40 && !o.gprs20_only)
        accounts << id << "," << prev << "-15T10:05:00+08:00,subscribe,data-pack-5,,,\n";
      if (below(100) < 10)
        for (std::uint64_t t = 0, n = 1 + below(3); t < n; ++t) {
          const unsigned day = static_cast<unsigned>(1 + below(days));
          const unsigned hour = static_cast<unsigned>(below(24));
          if (!o.gprs20_only)
            accounts << id << "," << month << "-" << two(day) << "T" << two(hour)
                     << ":00:00+08:00,subscribe,data-topup-3,,,\n";
        }
      const std::uint64_t r = below(100);
      kinds[i] = r < 1 ? kind::cut_off : r < 4 ? kind::heavy : kind::normal;
      roamer[i] = below(100) < 5 && !o.data_only;
      if (roamer[i] && below(2) == 0)
        accounts << id << "," << month << "-10T09:00:00+08:00,subscribe,intl-daypass,,,KR\n";
    }
  }

  writer usage(std::filesystem::path(o.out) / "usage.csv");
  usage << "id,subscriber,time,service,quantity,country,peer\n";
  static constexpr std::string_view roaming[] = {"KR", "HK", "JP", "US", "GB", "TH"};
  for (std::uint64_t n = 0; n < o.records; ++n) {
    const std::uint64_t s = below(o.subscribers);
    const unsigned day = static_cast<unsigned>(1 + below(days));
    const unsigned hour = static_cast<unsigned>(below(24));  // 8 of 24 hours are off-peak
    usage << "r" << n << "," << msisdn(s) << "," << month << "-" << two(day) << "T" << two(hour)
          << ":" << two(static_cast<unsigned>(below(60))) << ":"
          << two(static_cast<unsigned>(below(60))) << "+08:00,";
    const std::uint64_t service = o.data_only ? 0 : below(100);
    if (service < 60) {
      // Data: up to 4 MB a record; heavy users 40 MB (past 150 MB and the 500.00 cap in a
      // few dozen records); cut-off users 1 GB (past 15 GB).
      const std::uint64_t cap = kinds[s] == kind::cut_off ? (1ULL << 30)
                                : kinds[s] == kind::heavy ? 40ULL << 20
                                                          : 4ULL << 20;
      usage << "data," << below(cap) << ",";
      if (roamer[s] && below(2) == 0) usage << roaming[below(std::size(roaming))];
      usage << ",\n";
    } else if (service < 85) {
      usage << "voice," << below(900) << ",," << msisdn(below(o.subscribers)) << "\n";
    } else {
      usage << "sms,1,," << msisdn(below(o.subscribers)) << "\n";
    }
  }
  return 0;
} catch (const usage_error& e) {
  std::fprintf(stderr, "ratel_gen: %s\nrun ratel_gen --help for the usage\n", e.what());
  return 2;
} catch (const std::exception& e) {  // a directory or file that cannot be written
  std::fprintf(stderr, "ratel_gen: %s\n", e.what());
  return 1;
}
