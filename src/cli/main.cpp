// The `ratel` command line (DESIGN 4.5): rate and check.
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

int main(int argc, char** argv) {
  CLI::App app{"ratel: rates mobile usage into bills from tariff catalogs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ratel 0.1.0");

  ratel::cli::rate_options rate;
  CLI::App* rate_cmd = app.add_subcommand("rate", "rate usage records into bills for a cycle");
  rate_cmd->add_option("--catalog", rate.catalog, "tariff catalog (TOML)")->required()->check(CLI::ExistingFile);
  rate_cmd->add_option("--accounts", rate.accounts, "account log (CSV)")->required()->check(CLI::ExistingFile);
  rate_cmd->add_option("--usage", rate.usage, "usage records (CSV)")->required()->check(CLI::ExistingFile);
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

  std::vector<std::string> check_files;
  CLI::App* check_cmd = app.add_subcommand("check", "validate catalogs and print their compiled rules");
  check_cmd->add_option("files", check_files, "catalog files")->required()->check(CLI::ExistingFile);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (rate_cmd->parsed()) return ratel::cli::run_rate(rate);
  return ratel::cli::run_check(check_files);
}
