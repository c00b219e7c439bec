// The `ratel` command line (DESIGN 4.5): rate (and rate --store), bills, rerate, explain,
// merge, check, and for live rating produce, consume and close.
//
// Exit codes: 0 success; 1 the inputs were read but something is wrong with them (a
// broken catalog or account log; usage records rejected or duplicated: the bills are
// still written, the rejects file says which records and why); 2 usage error.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "ratel/money.hpp"
#include "ratel/quantity.hpp"

namespace {

// The three inputs every rating command reads.
void add_inputs(CLI::App* command, std::string& catalog, std::string& accounts, std::string& usage,
                bool usage_required = true) {
  command->add_option("--catalog", catalog, "tariff catalog (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--accounts", accounts, "account log (CSV)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--usage", usage, "usage records (CSV)")
      ->required(usage_required)
      ->check(CLI::ExistingFile);
}

// Optimal string alignment distance (edits, a swap of two neighbours counting one), to
// suggest the option a mistyped one was meant to be: "--cylce" is one swap from "--cycle".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

// What the user typed that ratel did not understand, named before anything else. CLI11
// checks required options before it looks at arguments left over, so a mistyped option
// ("--cylce 2012-07") was reported as the one it was meant to be ("--cycle is required"),
// and the user went looking for a --cycle they had given. Returns the message, or nullopt
// when every argument was understood (the error is then CLI11's own, and right).
std::optional<std::string> not_understood(const CLI::App& app, int argc, char** argv) {
  const std::vector<std::string> left = app.remaining(true);
  // CLI11 keeps the left-overs per command, not in command-line order: take the first in
  // argv (its index, or argc when there is none).
  auto first = [&](auto&& wanted) {
    int i = 1;
    while (i < argc && !(wanted(std::string_view(argv[i])) &&
                         std::find(left.begin(), left.end(), argv[i]) != left.end()))
      ++i;
    return i;
  };
  auto any = [](std::string_view) { return true; };
  auto option_like = [](std::string_view a) { return a.starts_with('-') && a != "-"; };
  const std::vector<CLI::App*> commands = app.get_subcommands();
  const int word = first(any);
  if (word == argc) return std::nullopt;
  if (commands.empty() && !option_like(argv[word])) {  // "ratel rat --catalog ..."
    std::vector<std::string> names;
    for (const CLI::App* command :
         app.get_subcommands([](const CLI::App* c) { return !c->get_name().empty(); }))
      names.push_back(command->get_name());
    return fmt::format("ratel: unknown command \"{}\" (the commands are {})", argv[word],
                       fmt::join(names, ", "));
  }
  const int option = first(option_like);
  if (option == argc) {
    return fmt::format("ratel {}: unexpected argument \"{}\"", commands.front()->get_name(),
                       argv[word]);
  }
  // An option before the command's name is ratel's own, after it the command's.
  const CLI::App* command = &app;
  for (int i = 1; !commands.empty() && i < option; ++i)
    if (argv[i] == commands.front()->get_name()) command = commands.front();
  const std::string name =
      std::string(argv[option]).substr(0, std::string_view(argv[option]).find('='));
  std::string message =
      fmt::format("{}: unknown option \"{}\"",
                  command == &app ? std::string("ratel") : "ratel " + command->get_name(), name);
  // The closest long option, if it is close: at most two edits, fewer than half its letters.
  std::string best;
  std::size_t best_distance = 3;
  for (const CLI::Option* known : command->get_options())
    for (const std::string& long_name : known->get_lnames()) {
      const std::string candidate = "--" + long_name;
      const std::size_t distance = edit_distance(name, candidate);
      if (distance < best_distance && 2 * distance < long_name.size()) {
        best = candidate;
        best_distance = distance;
      }
    }
  if (!best.empty()) message += fmt::format(" (did you mean {}?)", best);
  return message;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ratel: rates mobile usage into bills from tariff catalogs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ratel 0.1.0");

  ratel::cli::rate_options rate;
  CLI::App* rate_cmd = app.add_subcommand("rate", "rate usage records into bills for a cycle");
  add_inputs(rate_cmd, rate.catalog, rate.accounts, rate.usage);
  rate_cmd
      ->add_option("--cycle", rate.cycle,
                   "billing cycle YYYY-MM, or consecutive cycles YYYY-MM..YYYY-MM")
      ->required();
  rate_cmd->add_option("--format", rate.format, "json, text or csv")
      ->check(CLI::IsMember({"json", "text", "csv"}))
      ->default_val("json");
  CLI::Option* out_option =
      rate_cmd
          ->add_option("--out", rate.out,
                       "folder for one file per bill (made if missing), or - for stdout")
          ->default_val("-");
  rate_cmd
      ->add_option("--out-file", rate.out_file,
                   "all the bills in one file, as on stdout, written whole or not at all")
      ->excludes(out_option);
  rate_cmd->add_option("--rejects", rate.rejects,
                       "write rejected and duplicate records here (CSV)");
  rate_cmd->add_option("--events", rate.events, "also write the bills' events here (CSV)");
  rate_cmd
      ->add_option("--threads", rate.threads, "worker threads (the output does not depend on it)")
      ->default_val(1)
      ->check(CLI::Range(1, 256));
  rate_cmd
      ->add_option("--memory-budget", rate.memory_budget,
                   "memory to aim for (e.g. 512M, 2G); past it the records spill to unnamed "
                   "files in $TMPDIR (/tmp if unset), the output does not depend on it")
      ->default_val("512M");
  rate_cmd->add_option("--shard", rate.shard,
                       "I/N: rate only the subscribers of hash shard I (0..N-1) of N; the N "
                       "shards' outputs together are the whole run's (ratel merge)");
#ifdef RATEL_WITH_STORE
  rate_cmd->add_option("--store", rate.store,
                       "close the cycle in this store (a SQLite file, made if missing, or a "
                       "postgresql:// URL): it goes on from the last closed cycle's carried "
                       "state; one cycle at a time, bills to stdout or "
                       "--out-file");
#endif

  ratel::cli::rerate_options rerate;
  CLI::App* rerate_cmd =
      app.add_subcommand("rerate", "re-rate a disputed bill and work out the refund (D14)");
  // --usage and --bill are required unless a store gives them (run_rerate checks).
  add_inputs(rerate_cmd, rerate.catalog, rerate.accounts, rerate.usage, false);
  rerate_cmd
      ->add_option("--bill", rerate.bill,
                   "the disputed bill: ratel's JSON, or CSV subscriber,cycle,product,kind,amount")
      ->check(CLI::ExistingFile);
  rerate_cmd->add_flag("--verified", rerate.verified,
                       "the overcharge is verified: credit the whole refund now");
  rerate_cmd->add_flag("--pre-refund", rerate.pre_refund,
                       "credit the principal now, the double part after verification");
  rerate_cmd->add_option("--format", rerate.format, "json or text")
      ->check(CLI::IsMember({"json", "text"}))
      ->default_val("json");

  ratel::cli::explain_options explain;
  CLI::App* explain_cmd = app.add_subcommand("explain", "show how every line of a bill was made");
  add_inputs(explain_cmd, explain.catalog, explain.accounts, explain.usage, false);
  explain_cmd->add_option("--subscriber", explain.subscriber, "the subscriber")->required();
  explain_cmd->add_option("--cycle", explain.cycle, "billing cycle, YYYY-MM")->required();
  explain_cmd->add_option("--record", explain.record, "explain this record's path in full");
#ifdef RATEL_WITH_STORE
  // A store gives what a closed cycle was billed from: its records (unless --usage), and
  // the state before it (points, pass charges); rerate also takes the bill it keeps.
  rerate_cmd->add_option("--store", rerate.store,
                         "re-rate a bill the store keeps (a SQLite file or postgresql://...)");
  rerate_cmd->add_option("--subscriber", rerate.subscriber, "with --store: whose bill");
  rerate_cmd->add_option("--cycle", rerate.cycle, "with --store: the cycle, YYYY-MM");
  explain_cmd->add_option("--store", explain.store,
                          "explain from the records and state a store keeps (SQLite file or "
                          "postgresql://...)");
#endif

#ifdef RATEL_WITH_STORE
  ratel::cli::bills_options bills;
  CLI::App* bills_cmd = app.add_subcommand("bills", "print the bills a store keeps (JSON)");
  // A SQLite file must exist (opening one would make it); a PostgreSQL URL is checked by
  // connecting.
  const CLI::Validator existing_store(
      [](std::string& where) -> std::string {
        if (where.starts_with("postgresql://") || where.starts_with("postgres://")) return "";
        return CLI::ExistingFile(where);
      },
      "FILE|postgresql://...");
  bills_cmd->add_option("--store", bills.store, "the store: a SQLite file, or postgresql://...")
      ->required()
      ->check(existing_store);
  bills_cmd->add_option("--subscriber", bills.subscriber, "the subscriber")->required();
  bills_cmd->add_option("--cycle", bills.cycle, "one cycle, YYYY-MM (default: every one)");

  ratel::cli::accounts_options accounts;
  CLI::App* accounts_cmd = app.add_subcommand(
      "accounts",
      "print the account log a store keeps (CSV), or add a file's entries to it (live workers "
      "and ratel close without --accounts follow it)");
  accounts_cmd
      ->add_option("--store", accounts.store,
                   "the store: a SQLite file (made if missing), or postgresql://...")
      ->required();
  accounts_cmd->add_option("--add", accounts.add, "an account log (CSV) whose entries to add")
      ->check(CLI::ExistingFile);
#endif

#ifdef RATEL_WITH_KAFKA
  // Live rating (docs/design.md section 6): usage published to Kafka, rated by a consumer
  // group of workers keeping their state in a store, the cycle closed from that state.
  ratel::cli::produce_options produce;
  CLI::App* produce_cmd = app.add_subcommand(
      "produce", "publish a usage file to a Kafka topic, one JSON message per record");
  produce_cmd->add_option("--brokers", produce.brokers, "Kafka bootstrap servers, host:port,...")
      ->required();
  produce_cmd->add_option("--kafka", produce.kafka, "a librdkafka property, NAME=VALUE");
  produce_cmd->add_option("--topic", produce.topic, "the usage topic")->default_val("usage");
  produce_cmd->add_option("--usage", produce.usage, "usage records (CSV)")
      ->required()
      ->check(CLI::ExistingFile);
  produce_cmd->add_option("--rejects", produce.rejects,
                          "write the rows not published, with their reasons, here (CSV)");

  ratel::cli::consume_command_options consume;
  CLI::App* consume_cmd =
      app.add_subcommand("consume",
                         "rate a Kafka usage topic live in a consumer group, publishing threshold "
                         "events as they happen and keeping the state in a store");
  consume_cmd->add_option("--brokers", consume.brokers, "Kafka bootstrap servers, host:port,...")
      ->required();
  consume_cmd->add_option("--kafka", consume.kafka, "a librdkafka property, NAME=VALUE");
  consume_cmd->add_option("--catalog", consume.catalog, "tariff catalog (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  consume_cmd
      ->add_option("--accounts", consume.accounts,
                   "account log (CSV) (default: the store's, followed as it grows: ratel "
                   "accounts --add)")
      ->check(CLI::ExistingFile);
  consume_cmd
      ->add_option("--store", consume.store,
                   "the state of the open cycle and the offsets: a SQLite file (made if "
                   "missing) or a postgresql:// URL, shared by the group's workers")
      ->required();
  consume_cmd
      ->add_option("--cycle", consume.cycle,
                   "the cycle to rate first, YYYY-MM (if it is closed, the first after it that "
                   "is not); each later one is rated once ratel close has closed the one before")
      ->required();
  consume_cmd->add_option("--group", consume.group, "the consumer group")->default_val("ratel");
  consume_cmd->add_option("--topic", consume.topic, "the usage topic")->default_val("usage");
  consume_cmd->add_option("--events-topic", consume.events_topic, "threshold events go here")
      ->default_val("ratel-events");
  consume_cmd->add_option("--rejects-topic", consume.rejects_topic, "rejected messages go here")
      ->default_val("ratel-rejects");
  consume_cmd->add_option("--save-every", consume.save_every, "messages between saves")
      ->default_val(1000)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}));
  consume_cmd
      ->add_option("--save-interval-ms", consume.save_interval_ms,
                   "at most this long between saves")
      ->default_val(1000)
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86'400'000}));
  consume_cmd
      ->add_option("--stop-when-idle-ms", consume.stop_when_idle_ms,
                   "stop once every partition held is read to its end and nothing came "
                   "for this long (default: run until SIGINT or SIGTERM)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86'400'000}));
  consume_cmd->add_option(
      "--close-after", consume.close_after,
      "a grace period in record time (2d, 36h, 90m, 45s): read on past the next cycle's "
      "records dated less than this after the cycle's end, so later records of the cycle still "
      "go on its bill, and close the cycle once every partition reached a record past it "
      "(default: records of the next cycle wait from the first; ratel close closes)");
  consume_cmd->add_flag("--verbose", consume.verbose,
                        "say on stderr when partitions come and go and when state is saved");

  ratel::cli::close_options close;
  CLI::App* close_cmd = app.add_subcommand(
      "close", "close a cycle rated live by ratel consume: bill it from the store's state");
  close_cmd->add_option("--catalog", close.catalog, "tariff catalog (TOML)")
      ->required()
      ->check(CLI::ExistingFile);
  close_cmd
      ->add_option("--accounts", close.accounts,
                   "account log (CSV) (default: the store's: ratel accounts --add)")
      ->check(CLI::ExistingFile);
  close_cmd->add_option("--store", close.store, "the store the workers saved their state in")
      ->required();
  close_cmd->add_option("--cycle", close.cycle, "the cycle to close, YYYY-MM")->required();
  close_cmd->add_option("--format", close.format, "json, text or csv")
      ->check(CLI::IsMember({"json", "text", "csv"}))
      ->default_val("json");
  close_cmd->add_option("--out-file", close.out_file,
                        "write the bills here, whole or not at all (default: stdout)");
#endif

  ratel::cli::merge_options merge;
  CLI::App* merge_cmd = app.add_subcommand(
      "merge", "merge the outputs of rate --shard I/N runs into the whole run's output");
  merge_cmd->add_option("what", merge.what, "bills, events or rejects")
      ->required()
      ->check(CLI::IsMember({"bills", "events", "rejects"}));
  merge_cmd->add_option("files", merge.files, "one output file per shard, in any order")
      ->required()
      ->check(CLI::ExistingFile);
  merge_cmd->add_option("--format", merge.format, "of bills: json, text or csv")
      ->check(CLI::IsMember({"json", "text", "csv"}))
      ->default_val("json");
  merge_cmd->add_option("--out-file", merge.out_file,
                        "write here, whole or not at all (default: stdout)");

  std::vector<std::string> check_files;
  CLI::App* check_cmd =
      app.add_subcommand("check", "validate catalogs and print their compiled rules");
  check_cmd->add_option("files", check_files, "catalog files")
      ->required()
      ->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" that exit 0: they win over anything left over.
    if (e.get_exit_code() != 0)
      if (const std::optional<std::string> message = not_understood(app, argc, argv)) {
        std::cerr << *message << "\nRun with --help for more information.\n";
        return 2;
      }
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  // The commands report bad input themselves (input_error, with file:line:col). Anything
  // else reaching here is a defect of ratel: say so plainly rather than abort.
  try {
    if (rate_cmd->parsed()) return ratel::cli::run_rate(rate);
    if (rerate_cmd->parsed()) return ratel::cli::run_rerate(rerate);
    if (explain_cmd->parsed()) return ratel::cli::run_explain(explain);
    if (merge_cmd->parsed()) return ratel::cli::run_merge(merge);
#ifdef RATEL_WITH_STORE
    if (bills_cmd->parsed()) return ratel::cli::run_bills(bills);
    if (accounts_cmd->parsed()) return ratel::cli::run_accounts(accounts);
#endif
#ifdef RATEL_WITH_KAFKA
    if (produce_cmd->parsed()) return ratel::cli::run_produce(produce);
    if (consume_cmd->parsed()) return ratel::cli::run_consume(consume);
    if (close_cmd->parsed()) return ratel::cli::run_close(close);
#endif
    return ratel::cli::run_check(check_files);
  } catch (const ratel::money_error& e) {  // absurd volumes that rating did not reject
    std::cerr << "ratel: the amounts overflow exact money: " << e.what() << "\n";
    return 1;
  } catch (const ratel::quantity_error& e) {
    std::cerr << "ratel: the quantities overflow: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "ratel: internal error (please report it with the inputs): " << e.what() << "\n";
    return 1;
  }
}
