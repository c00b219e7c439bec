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

/// `ratel rate`; returns the exit code.
int run_rate(const rate_options& options);
/// `ratel check FILE...`; returns the exit code.
int run_check(const std::vector<std::string>& files);

}  // namespace ratel::cli
