// `ratel merge`: the outputs of `ratel rate --shard I/N` runs into the output of one run
// over the whole file (io/shard_merge.hpp), to stdout or a file written whole.
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "ratel/error.hpp"
#include "ratel/io/output.hpp"
#include "ratel/io/shard_merge.hpp"
#include "standard_output.hpp"

namespace ratel::cli {

int run_merge(const merge_options& o) {
  const shard_output kind = o.what == "events"    ? shard_output::events_csv
                            : o.what == "rejects" ? shard_output::rejects_csv
                            : o.format == "csv"   ? shard_output::bills_csv
                            : o.format == "text"  ? shard_output::bills_text
                                                  : shard_output::bills_json;
  const std::vector<std::filesystem::path> files(o.files.begin(), o.files.end());
  for (const std::filesystem::path& f : files)
    if (!o.out_file.empty() &&
        std::filesystem::weakly_canonical(f) == std::filesystem::weakly_canonical(o.out_file)) {
      std::cerr << fmt::format("ratel merge: --out-file {} is one of the files to merge\n",
                               o.out_file);
      return 2;
    }
  try {
    std::optional<atomic_file> file;
    if (!o.out_file.empty()) file.emplace(atomic_file::create(o.out_file));
    standard_output out("the merged " + o.what);
    merge_shard_outputs(kind, files,
                        [&](std::string_view text) { file ? file->write(text) : out.write(text); });
    file ? file->commit() : out.finish();
    return 0;
  } catch (const input_error& e) {
    std::cerr << "ratel merge: " << e.what() << "\n";
    return 1;
  } catch (const output_error& e) {
    std::cerr << "ratel merge: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace ratel::cli
