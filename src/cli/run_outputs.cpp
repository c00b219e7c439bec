// Opening a run's outputs before its inputs are read (see run_outputs.hpp).
#include "run_outputs.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ratel/io/bill_writer.hpp"

namespace ratel::cli {
namespace {

// Whether two paths name one file: the same inode when both exist, else the same
// absolute path once `.` and `..` and the links of the existing part are resolved.
bool same_file(const std::string& a, const std::string& b) {
  using file_status = struct stat;
  file_status x{}, y{};
  if (::stat(a.c_str(), &x) == 0 && ::stat(b.c_str(), &y) == 0)
    return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
  std::error_code error_a, error_b;
  const auto canonical_a = std::filesystem::weakly_canonical(std::filesystem::absolute(a), error_a);
  const auto canonical_b = std::filesystem::weakly_canonical(std::filesystem::absolute(b), error_b);
  return !error_a && !error_b && canonical_a == canonical_b;
}

}  // namespace

void open_outputs(const rate_options& o, run_outputs& out) {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"--catalog", o.catalog}, {"--accounts", o.accounts}, {"--usage", o.usage}};
  std::vector<std::pair<std::string, std::string>> files;
  if (!o.out_file.empty()) files.emplace_back("--out-file", o.out_file);
  if (!o.rejects.empty()) files.emplace_back("--rejects", o.rejects);
  if (!o.events.empty()) files.emplace_back("--events", o.events);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& [option, path] = files[i];
    for (const auto& [input_option, input] : inputs)
      if (same_file(path, input))
        throw unusable_output(
            fmt::format("{} {}: is the {} file; writing it would destroy an input. "
                        "Name another file",
                        option, path, input_option.substr(2)));
    std::error_code error;
    const bool device =
        std::filesystem::exists(path, error) && !std::filesystem::is_regular_file(path, error);
    for (std::size_t j = 0; j < i && !device; ++j)  // /dev/null may take both
      if (same_file(path, files[j].second))
        throw unusable_output(fmt::format("{} and {} name the same file {}: name two files",
                                          files[j].first, option, path));
  }
  const auto open_file = [](const std::string& option, const std::string& path) {
    try {
      return atomic_file::create(path);
    } catch (const output_error& e) {
      throw unusable_output(fmt::format(
          "{}: {}. Name a file in a folder that exists and that you can write", option, e.what()));
    }
  };
  for (const auto& [option, path] : files) {
    atomic_file file = open_file(option, path);
    if (option == "--out-file")
      out.bills = std::move(file);
    else if (option == "--rejects")
      out.rejects = std::move(file);
    else
      out.events = std::move(file);
  }
  if (o.out != "-") {
    std::error_code error;
    if (std::filesystem::exists(o.out, error) && !std::filesystem::is_directory(o.out, error))
      throw unusable_output(
          fmt::format("--out {}: is a file, not a folder. --out takes a folder (made if "
                      "missing) for one file per bill, or - for stdout; --out-file FILE "
                      "writes all the bills to one file",
                      o.out));
    try {
      out.bill_folder.emplace(o.out);
      (void)out.bill_folder->create("probe");  // can a file be made there? (it leaves nothing)
    } catch (const output_error& e) {
      throw unusable_output(fmt::format("--out: {}. Name a folder you can write", e.what()));
    }
  }
}

void append_bill(std::string& part, const bill& b, const std::string& format) {
  if (format == "text") {
    if (!part.empty()) part += "\n";
    part += bill_to_text(b);
  } else if (format == "csv") {
    part += bill_to_csv_rows(b);
  } else {
    if (!part.empty()) part += ",\n";
    append_bill_json_element(part, b);
  }
}

}  // namespace ratel::cli
