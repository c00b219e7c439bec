// `ratel produce`, `ratel consume` and `ratel close` (docs/design.md section 6, D28): usage
// records published to Kafka, rated live by a consumer group of workers that keep their
// state in a cycle store, and the cycle closed from that state into bills.
//
//   ratel produce --brokers B --topic usage --usage july.csv
//   ratel consume --brokers B --catalog C --accounts A --store billing.db --cycle 2019-07
//   ratel close --catalog C --accounts A --store billing.db --cycle 2019-07 > bills.json
#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/io/account_log.hpp"
#include "ratel/io/bill_writer.hpp"
#include "ratel/io/catalog_toml.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/rejects_csv.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/kafka/consumer.hpp"
#include "ratel/kafka/usage_producer.hpp"
#include "ratel/store/account_log_in_store.hpp"
#include "rejects_shown.hpp"
#include "run_outputs.hpp"
#include "standard_output.hpp"
#include "store_access.hpp"

namespace ratel::cli {
namespace {

std::atomic<bool> stop_requested{false};
extern "C" void request_stop(int) {
  stop_requested.store(true);
}

// --kafka name=value, as librdkafka names its properties.
std::optional<kafka_settings> settings_of(const std::string& command, const std::string& brokers,
                                          const std::vector<std::string>& properties) {
  kafka_settings s{brokers, {}};
  for (const std::string& p : properties) {
    const std::size_t equals = p.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::cerr << fmt::format(
          "ratel {}: --kafka \"{}\" is not NAME=VALUE (a librdkafka "
          "property, such as session.timeout.ms=10000)\n",
          command, p);
      return std::nullopt;
    }
    s.properties.emplace_back(p.substr(0, equals), p.substr(equals + 1));
  }
  return s;
}

std::optional<date::year_month> one_cycle(const std::string& command, const std::string& text) {
  const std::optional<date::year_month> month = parse_year_month(text);
  if (!month) std::cerr << fmt::format("ratel {}: --cycle: \"{}\" is not YYYY-MM\n", command, text);
  return month;
}

// --close-after: a whole number of days, hours, minutes or seconds ("2d", "36h", "90m",
// "45s"), at most a year; nullopt (said on stderr) otherwise.
std::optional<std::chrono::seconds> grace_of(const std::string& text) {
  std::int64_t amount = 0;
  const char* end = text.data() + text.size();
  const auto [unit, error] = std::from_chars(text.data(), end, amount);
  std::optional<std::chrono::seconds> out;
  // Any amount past a year's seconds is past the bound in every unit: refused before it is
  // multiplied, so that no amount can overflow.
  constexpr std::int64_t most = 366LL * 86'400;
  if (error == std::errc() && unit + 1 == end && amount >= 0 && amount <= most) {
    switch (*unit) {
      case 'd':
        out = std::chrono::days(amount);
        break;
      case 'h':
        out = std::chrono::hours(amount);
        break;
      case 'm':
        out = std::chrono::minutes(amount);
        break;
      case 's':
        out = std::chrono::seconds(amount);
        break;
      default:
        break;
    }
  }
  if (!out || *out > std::chrono::days(366)) {
    std::cerr << fmt::format(
        "ratel consume: --close-after: \"{}\" is not a grace period such as 2d, 36h, 90m or "
        "45s (at most 366 days)\n",
        text);
    return std::nullopt;
  }
  return out;
}

// What a cycle closed from live rating was rated from: the catalog, the account log (a file,
// or the store's: `accounts` empty), and the records the live workers saved (they go with
// the close, as the records billed).
cycle_inputs live_close_inputs(const std::string& catalog, const std::string& accounts,
                               cycle_store& store) {
  return {file_digest(catalog),
          accounts.empty() ? text_digest(account_log_text(store)) : file_digest(accounts),
          "live: the records saved by ratel consume", ratel_version};
}

// The account log of `--accounts FILE`, or without it the store's (`ratel accounts --add`).
std::vector<account_entry> account_log_from(const std::string& accounts, cycle_store& store,
                                            const std::string& store_name) {
  if (!accounts.empty()) return read_account_log(accounts);
  std::vector<account_entry> log = account_log_of(store, store_name);
  if (log.empty())
    throw input_error({store_name, 0, 0}, "",
                      "the store keeps no account log: give --accounts FILE, or add one with "
                      "ratel accounts --store STORE --add FILE");
  return log;
}

}  // namespace

int run_produce(const produce_options& o) {
  const std::optional<kafka_settings> kafka = settings_of("produce", o.brokers, o.kafka);
  if (!kafka) return 2;
  std::optional<atomic_file> rejects_file;
  try {
    if (!o.rejects.empty()) {
      if (std::filesystem::weakly_canonical(o.rejects) ==
          std::filesystem::weakly_canonical(o.usage)) {
        std::cerr << "ratel produce: --rejects names the usage file itself\n";
        return 2;
      }
      rejects_file.emplace(atomic_file::create(o.rejects));
    }
  } catch (const output_error& e) {
    std::cerr << "ratel produce: " << e.what() << "\n";
    return 2;
  }
  try {
    const usage_batch usage = read_usage_csv(o.usage);
    const std::int64_t published = publish_usage(*kafka, o.topic, usage);
    if (rejects_file) {
      rejects_file->write(rejects_csv_header());
      for (const reject& j : usage.rejects()) rejects_file->write(reject_csv_row(j));
      for (const duplicate& d : usage.duplicates()) rejects_file->write(duplicate_csv_row(d));
      rejects_file->commit();
    } else {
      const std::size_t shown = std::min(usage.rejects().size(), rejects_shown);
      for (std::size_t i = 0; i < shown; ++i) {
        const reject& j = usage.rejects()[i];
        std::cerr << fmt::format("{}:{}: {}: {}\n", printable(o.usage), j.line, to_string(j.reason),
                                 printable(j.detail));
      }
      if (usage.rejects().size() > shown)
        std::cerr << fmt::format(
            "ratel produce: ... and {} more rejected records; --rejects FILE writes them all\n",
            usage.rejects().size() - shown);
    }
    std::cerr << fmt::format(
        "ratel produce: {} records of {} published to {} (each acknowledged); {} rejected, "
        "{} duplicates, not published\n",
        published, printable(o.usage), o.topic, usage.rejects().size(), usage.duplicates().size());
    return usage.rejects().empty() && usage.duplicates().empty() ? 0 : 1;
  } catch (const input_error& e) {
    std::cerr << "ratel produce: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel produce: " << e.what() << "\n";
    return 1;
  } catch (const kafka_error& e) {
    std::cerr << "ratel produce: " << e.what() << "\n";
    return 1;
  }
}

int run_consume(const consume_command_options& o) {
  const std::optional<kafka_settings> kafka = settings_of("consume", o.brokers, o.kafka);
  const std::optional<date::year_month> month = one_cycle("consume", o.cycle);
  if (!kafka || !month) return 2;
  consume_options options;
  options.kafka = *kafka;
  options.group = o.group;
  options.usage_topic = o.topic;
  options.events_topic = o.events_topic;
  options.rejects_topic = o.rejects_topic;
  options.save_every = o.save_every;
  options.save_interval = std::chrono::milliseconds(o.save_interval_ms);
  if (o.stop_when_idle_ms > 0)
    options.stop_when_idle = std::chrono::milliseconds(o.stop_when_idle_ms);
  if (!o.close_after.empty()) {
    options.close_after = grace_of(o.close_after);
    if (!options.close_after) return 2;
  }
  options.store_name = shown(o.store);
  if (o.verbose)
    options.log = [](std::string_view line) { std::cerr << "ratel consume: " << line << "\n"; };
  // SIGINT and SIGTERM stop the worker at the next message: it saves and leaves the group.
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  try {
    const rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    std::unique_ptr<cycle_store> store = open_store(o.store);
    const account_book accounts =
        fold_account_log(account_log_from(o.accounts, *store, shown(o.store)), plan);
    if (o.accounts.empty()) {
      // The store's account log, followed: read again (whole) whenever it grows.
      options.accounts_changed = [&, seen = store->account_log_size()]() mutable {
        std::optional<account_book> changed;
        if (const std::int64_t now = store->account_log_size(); now != seen) {
          changed = fold_account_log(account_log_of(*store, shown(o.store)), plan);
          seen = now;
        }
        return changed;
      };
    }
    if (options.close_after)
      options.close_inputs = live_close_inputs(o.catalog, o.accounts, *store);
    const consume_summary s = consume(plan, accounts, *store, *month, options, stop_requested);
    for (const auto& [key, c] : s.partitions)
      std::cerr << fmt::format(
          "ratel consume: {}[{}]: {} messages = {} rated ({} of them late records of closed "
          "cycles, D25) + {} rejected + {} duplicates\n",
          key.first, key.second, c.handled, c.rated, c.late, c.rejected, c.duplicates);
    std::cerr << fmt::format(
        "ratel consume: {} events and {} rejects published to {} and {}; {} saves in {}{}\n",
        s.events, s.rejects, o.events_topic, o.rejects_topic, s.saves, shown(o.store),
        s.closes > 0 ? fmt::format("; {} cycle(s) closed after their grace", s.closes) : "");
    if (o.verbose && s.first_message) {
      // For timing a group of workers together (bench/kafka_live.sh): milliseconds since
      // the epoch.
      auto ms = [](std::chrono::system_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
      };
      std::cerr << fmt::format("ratel consume: messages taken from {} to {} (ms since the epoch)\n",
                               ms(*s.first_message), ms(*s.last_message));
    }
    return 0;
  } catch (const input_error& e) {
    std::cerr << "ratel consume: " << e.what() << "\n";
    return 1;
  } catch (const partition_moved& e) {
    std::cerr << "ratel consume: another worker took a partition of this one and saved: "
              << e.what() << "; this worker stops (run it again to rejoin the group)\n";
    return 1;
  } catch (const store_error& e) {
    std::cerr << "ratel consume: " << e.what() << "\n";
    return 1;
  } catch (const kafka_error& e) {
    std::cerr << "ratel consume: " << e.what()
              << "; the store keeps what this worker saved before it\n";
    return 1;
  }
}

int run_close(const close_options& o) {
  const std::optional<date::year_month> month = one_cycle("close", o.cycle);
  if (!month) return 2;
  std::optional<atomic_file> file;
  try {
    if (!o.out_file.empty()) file.emplace(atomic_file::create(o.out_file));
  } catch (const output_error& e) {
    std::cerr << "ratel close: " << e.what() << "\n";
    return 2;
  }
  try {
    const rule_plan plan = rule_plan::compile(load_catalog(o.catalog));
    std::unique_ptr<cycle_store> store = open_store(o.store);
    const account_book accounts =
        fold_account_log(account_log_from(o.accounts, *store, shown(o.store)), plan);
    const cycle_inputs inputs = live_close_inputs(o.catalog, o.accounts, *store);
    if (const std::optional<closed_cycle> closed = store->find(*month)) {
      const bool same = closed->inputs == inputs;
      std::cerr << fmt::format(
          "ratel close: cycle {} is closed already in {}{}. Its bills: ratel bills --store {} "
          "--subscriber ID --cycle {}\n",
          to_string(*month), shown(o.store),
          same ? ": nothing changed" : ", from other inputs; a closed cycle is never rewritten",
          shown(o.store), to_string(*month));
      return same ? 0 : 1;
    }
    const live_close_result closed =
        close_live_cycle(plan, accounts, *store, *month, inputs, shown(o.store));
    std::string part;
    for (const bill& b : closed.bills) append_bill(part, b, o.format);
    std::string document;
    if (o.format == "json")
      document = closed.bills.empty() ? "[]\n" : "[\n" + part + "\n]\n";
    else if (o.format == "csv")
      document = std::string(bills_csv_header()) + part;
    else
      document = part;
    if (file) {
      file->write(document);
      file->commit();
    } else {
      standard_output out("the bills");
      out.write(document);
      out.finish();
    }
    std::cerr << fmt::format(
        "ratel close: cycle {} closed in {}: {} bills, {} of them for accounts rated live; {} "
        "late records of closed cycles billed as adjustments (D25), {} rejected\n",
        to_string(*month), shown(o.store), closed.bills.size(), closed.live_accounts,
        closed.late_rated, closed.late_rejects.size());
    // A late record the rating of its closed cycle rejects is found only now (the workers
    // kept it): said here, each with its reason.
    const std::size_t shown_rejects = std::min(closed.late_rejects.size(), rejects_shown);
    for (std::size_t i = 0; i < shown_rejects; ++i) {
      const reject& j = closed.late_rejects[i];
      std::cerr << fmt::format("ratel close: late record {} of {}: {}: {}\n", printable(j.id),
                               printable(j.subscriber), to_string(j.reason), printable(j.detail));
    }
    if (closed.late_rejects.size() > shown_rejects)
      std::cerr << fmt::format("ratel close: ... and {} more rejected late records\n",
                               closed.late_rejects.size() - shown_rejects);
    return closed.late_rejects.empty() ? 0 : 1;
  } catch (const input_error& e) {
    std::cerr << "ratel close: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel close: " << e.what() << "\n";
    return 1;
  } catch (const store_error& e) {
    std::cerr << "ratel close: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
