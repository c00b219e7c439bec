// ratel/io/shard_merge.hpp: the outputs of `ratel rate --shard I/N` runs merged into the
// output one run over the whole file gives, byte for byte (DESIGN section 5).
//
// Concept: a shard's bills are in subscriber order, and every subscriber is in exactly one
// shard (run/stream.hpp, subscriber_shard), so the whole run's bills are the shards' bills
// merged by subscriber; its events likewise; its rejects are the shards' merged by line.
// A merge reads each shard's file entry by entry (a bill, a CSV row) and holds one entry
// per shard at a time, so outputs of any size merge in little memory. The shards may be
// given in any order.
//
//   std::vector<std::filesystem::path> shards{"s0.json", "s1.json", "s2.json"};
//   merge_shard_outputs(shard_output::bills_json, shards,
//                       [&](std::string_view text) { out.write(text); });
#pragma once

#include <filesystem>
#include <functional>
#include <span>
#include <string_view>

namespace ratel {

/// What a shard's file holds: its bills in one of `ratel rate`'s formats (stdout or
/// --out-file), its --events file, or its --rejects file.
enum class shard_output { bills_json, bills_csv, bills_text, events_csv, rejects_csv };

/// Merges `shards` (one file per shard) into the whole run's bytes, handed to `write` in
/// pieces. Throws input_error (file:line, what) when a file is not an output of that kind
/// as ratel writes it, or is not in its order (say, the output of another run).
void merge_shard_outputs(shard_output kind, std::span<const std::filesystem::path> shards,
                         const std::function<void(std::string_view)>& write);

}  // namespace ratel
