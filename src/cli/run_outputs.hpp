// The files a `ratel rate` run writes, opened before any input is read (docs/design.md
// section 7): a path that cannot be used is found at once (exit 2), an output that names an
// input is refused, and every file is written whole or not at all.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include "commands.hpp"
#include "ratel/bill.hpp"
#include "ratel/io/output.hpp"

namespace ratel::cli {

/// An output named on the command line that cannot be used: found before anything is read,
/// exit 2.
struct unusable_output : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The files a run writes, each opened (so proved writable) before any input is read:
/// a mistake in a path costs nothing, not a whole run.
struct run_outputs {
  std::optional<output_dir> bill_folder;  ///< --out DIR
  std::optional<atomic_file> bills;       ///< --out-file FILE
  std::optional<atomic_file> rejects;     ///< --rejects FILE
  std::optional<atomic_file> events;      ///< --events FILE
};

/// Appends bill `b` to the text of a bills document in `format` (text, csv or json, as
/// --format): its text, its CSV rows, or its JSON array element, each after a separator
/// from the bill before it in `part` (a blank line, nothing, ",\n").
void append_bill(std::string& part, const bill& b, const std::string& format);

/// Opens the outputs `o` names; throws unusable_output saying what to do instead.
void open_outputs(const rate_options& o, run_outputs& out);

}  // namespace ratel::cli
