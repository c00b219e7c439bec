// The `ratel` command line (DESIGN 4.5): rate, rerate, explain and check.
//
// Exit codes: 0 success; 1 the inputs were read but something is wrong with them (a
// broken catalog or account log; usage records rejected or duplicated: the bills are
// still written, the rejects file says which records and why); 2 usage error.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/money.hpp"
#include "ratel/quantity.hpp"

namespace {

// The three inputs every rating command reads.
void add_inputs(CLI::App* command, std::string& catalog, std::string& accounts, std::string& usage) {
  command->add_option("--catalog", catalog, "tariff catalog (TOML)")->required()->check(CLI::ExistingFile);
  command->add_option("--accounts", accounts, "account log (CSV)")->required()->check(CLI::ExistingFile);
  command->add_option("--usage", usage, "usage records (CSV)")->required()->check(CLI::ExistingFile);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ratel: rates mobile usage into bills from tariff catalogs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ratel 0.1.0");

  ratel::cli::rate_options rate;
  CLI::App* rate_cmd = app.add_subcommand("rate", "rate usage records into bills for a cycle");
  add_inputs(rate_cmd, rate.catalog, rate.accounts, rate.usage);
  rate_cmd->add_option("--cycle", rate.cycle, "billing cycle YYYY-MM, or consecutive cycles YYYY-MM..YYYY-MM")->required();
  rate_cmd->add_option("--format", rate.format, "json, text or csv")
      ->check(CLI::IsMember({"json", "text", "csv"}))
      ->default_val("json");
  rate_cmd->add_option("--out", rate.out, "directory for one file per bill, or - for stdout")
      ->default_val("-");
  rate_cmd->add_option("--rejects", rate.rejects, "write rejected and duplicate records here (CSV)");
  rate_cmd->add_option("--events", rate.events, "also write the bills' events here (CSV)");
  rate_cmd->add_option("--threads", rate.threads, "worker threads (the output does not depend on it)")
      ->default_val(1)
      ->check(CLI::Range(1, 256));
  rate_cmd->add_option("--memory-budget", rate.memory_budget,
                       "memory to aim for (e.g. 512M, 2G); past it the records spill to a temporary "
                       "directory ($TMPDIR), the output does not depend on it")
      ->default_val("512M");

  ratel::cli::rerate_options rerate;
  CLI::App* rerate_cmd = app.add_subcommand("rerate", "re-rate a disputed bill and work out the refund (D14)");
  add_inputs(rerate_cmd, rerate.catalog, rerate.accounts, rerate.usage);
  rerate_cmd->add_option("--bill", rerate.bill, "the disputed bill: ratel's JSON, or CSV subscriber,cycle,product,kind,amount")
      ->required()
      ->check(CLI::ExistingFile);
  rerate_cmd->add_flag("--verified", rerate.verified, "the overcharge is verified: credit the whole refund now");
  rerate_cmd->add_flag("--pre-refund", rerate.pre_refund, "credit the principal now, the double part after verification");
  rerate_cmd->add_option("--format", rerate.format, "json or text")->check(CLI::IsMember({"json", "text"}))->default_val("json");

  ratel::cli::explain_options explain;
  CLI::App* explain_cmd = app.add_subcommand("explain", "show how every line of a bill was made");
  add_inputs(explain_cmd, explain.catalog, explain.accounts, explain.usage);
  explain_cmd->add_option("--subscriber", explain.subscriber, "the subscriber")->required();
  explain_cmd->add_option("--cycle", explain.cycle, "billing cycle, YYYY-MM")->required();
  explain_cmd->add_option("--record", explain.record, "explain this record's path in full");

  std::vector<std::string> check_files;
  CLI::App* check_cmd = app.add_subcommand("check", "validate catalogs and print their compiled rules");
  check_cmd->add_option("files", check_files, "catalog files")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  // The commands report bad input themselves (input_error, with file:line:col). Anything
  // else reaching here is a defect of ratel: say so plainly rather than abort.
  try {
    if (rate_cmd->parsed()) return ratel::cli::run_rate(rate);
    if (rerate_cmd->parsed()) return ratel::cli::run_rerate(rerate);
    if (explain_cmd->parsed()) return ratel::cli::run_explain(explain);
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
