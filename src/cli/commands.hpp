// The CLI's commands, callable without the argument parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ratel::cli {

struct rate_options {
  std::string catalog;
  std::string accounts;
  std::string usage;
  std::string cycle;
  std::string format = "json";
  std::string out = "-";
  std::string out_file;  ///< instead of --out: one file, written whole or not at all
  std::string rejects;
  std::string events;
  unsigned threads = 1;
  std::string memory_budget = "512M";  ///< parse_memory_size
  std::string store;  ///< --store: close the cycle in this store (store_commands.cpp)
  std::string shard;  ///< --shard I/N: only the subscribers of hash shard I of N
};

/// `ratel merge`: the outputs of `rate --shard I/N` runs into one run's output.
struct merge_options {
  std::string what;    ///< bills, events or rejects
  std::string format;  ///< of bills: json, csv or text
  std::vector<std::string> files;
  std::string out_file;  ///< empty: stdout
};

struct bills_options {
  std::string store;
  std::string subscriber;
  std::string cycle;  ///< empty: every stored cycle
};

/// `ratel accounts`: the account log a store keeps, printed or added to.
struct accounts_options {
  std::string store;
  std::string add;  ///< an account-log file to add; empty: print the store's log
};

struct rerate_options {
  std::string catalog;
  std::string accounts;
  std::string usage;  ///< may be empty with a store: the records the store billed
  std::string bill;   ///< may be empty with a store: the bill the store keeps
  std::string format = "json";
  bool verified = false;
  bool pre_refund = false;
  std::string store;       ///< a cycle store: the bill, records and carried state it keeps
  std::string subscriber;  ///< with a store: whose bill
  std::string cycle;       ///< with a store: which cycle
};

struct explain_options {
  std::string catalog;
  std::string accounts;
  std::string usage;  ///< may be empty with a store: the records the store billed
  std::string subscriber;
  std::string cycle;
  std::string record;
  std::string store;  ///< a cycle store: the records and carried state it keeps
};

/// `ratel produce`: a usage file published to a Kafka topic.
struct produce_options {
  std::string brokers;
  std::vector<std::string> kafka;  ///< librdkafka properties, NAME=VALUE
  std::string topic = "usage";
  std::string usage;
  std::string rejects;  ///< rows not published, with their reasons (CSV); empty: stderr
};

/// `ratel consume`: a consumer-group worker rating a topic live (ratel/kafka/consumer.hpp).
struct consume_command_options {
  std::string brokers;
  std::vector<std::string> kafka;  ///< librdkafka properties, NAME=VALUE
  std::string catalog;
  std::string accounts;
  std::string store;
  std::string cycle;
  std::string group = "ratel";
  std::string topic = "usage";
  std::string events_topic = "ratel-events";
  std::string rejects_topic = "ratel-rejects";
  std::int64_t save_every = 1000;
  std::int64_t save_interval_ms = 1000;
  std::int64_t stop_when_idle_ms = 0;  ///< 0: run until SIGINT or SIGTERM
  std::string close_after;             ///< a grace period ("2d"); empty: `ratel close` closes
  bool verbose = false;
};

/// `ratel close`: a cycle rated live closed into bills.
struct close_options {
  std::string catalog;
  std::string accounts;
  std::string store;
  std::string cycle;
  std::string format = "json";
  std::string out_file;  ///< empty: stdout
};

/// `ratel produce`, `ratel consume`, `ratel close` (live_commands.cpp); return the exit code.
int run_produce(const produce_options& options);
int run_consume(const consume_command_options& options);
int run_close(const close_options& options);

/// `ratel rerate`; returns the exit code.
int run_rerate(const rerate_options& options);
/// `ratel explain`; returns the exit code.
int run_explain(const explain_options& options);

/// "512M", "2G", "64K", "65536": bytes, with an optional binary unit (K, M, G = 2^10, 2^20,
/// 2^30; "MB" and "MiB" read the same). nullopt for anything else, zero, or over 2^50.
std::optional<std::size_t> parse_memory_size(std::string_view text);

/// `ratel rate`; returns the exit code.
int run_rate(const rate_options& options);
/// `ratel rate --store`: closes the cycle in the store; returns the exit code.
int run_rate_into_store(const rate_options& options, std::size_t memory_budget);
/// `ratel bills --store`: prints stored bills; returns the exit code.
int run_bills(const bills_options& options);
/// `ratel accounts --store`: prints or adds to the store's account log; returns the exit code.
int run_accounts(const accounts_options& options);
/// `ratel merge`; returns the exit code.
int run_merge(const merge_options& options);
/// `ratel check FILE...`; returns the exit code.
int run_check(const std::vector<std::string>& files);

}  // namespace ratel::cli
