// The CLI's commands, callable without the argument parser.
#pragma once

#include <string>
#include <vector>

namespace ratel::cli {

struct rate_options {
  std::string catalog;
  std::string accounts;
  std::string usage;
  std::string cycle;
  std::string format = "json";
  std::string out = "-";
  std::string rejects;
  std::string events;
  unsigned threads = 1;
};

struct rerate_options {
  std::string catalog;
  std::string accounts;
  std::string usage;
  std::string bill;
  std::string format = "json";
  bool verified = false;
  bool pre_refund = false;
};

struct explain_options {
  std::string catalog;
  std::string accounts;
  std::string usage;
  std::string subscriber;
  std::string cycle;
  std::string record;
};

/// `ratel rerate`; returns the exit code.
int run_rerate(const rerate_options& options);
/// `ratel explain`; returns the exit code.
int run_explain(const explain_options& options);

/// `ratel rate`; returns the exit code.
int run_rate(const rate_options& options);
/// `ratel check FILE...`; returns the exit code.
int run_check(const std::vector<std::string>& files);

}  // namespace ratel::cli
