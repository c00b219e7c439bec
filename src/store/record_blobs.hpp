// record_blobs.hpp (private): how the SQLite store keeps the records a closed cycle billed
// (sqlite_store.cpp, schema 7). A close of 10 M records made 10 M b-tree rows, one per
// record, and that was most of a close's cost (bench/README.md). Now:
//
//  - the records of one subscriber in one cycle, billed by one close, are one blob: each
//    record's id and usage row, in identity order (records_blob);
//  - every identity (subscriber, record id) a close billed is a 64-bit fingerprint, and the
//    close's fingerprints are kept sorted, in chunks (fingerprint_chunks), so that a later
//    close finds the identities it shares with the history by one ordered pass, and a
//    single identity is looked up by one seek per closed cycle.
//
// A fingerprint only says "maybe": every match is confirmed on the records themselves, so
// the check stays exact over the whole history (D25: a record already billed is a
// duplicate, whichever run it comes in). Both are stored: their bytes are fixed here
// (little-endian lengths and fingerprints) and never change without a schema migration.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ratel::store_blobs {

/// The stored fingerprint of a record identity: FNV-1a (64 bits) over the subscriber, a
/// 0 byte and the id, then the splitmix64 finaliser, so that nearby identities spread.
/// engine/hash.hpp ends with the same finaliser; it is written out here because a stored
/// value must not change when the in-memory hash does.
inline std::uint64_t record_fingerprint(std::string_view subscriber, std::string_view id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&h](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  for (const char c : subscriber) add(static_cast<unsigned char>(c));
  add(0);
  for (const char c : id) add(static_cast<unsigned char>(c));
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

/// A fingerprint as the store's signed 64-bit INTEGER column, in the same order (the top
/// bit flipped): chunks are found by range over it.
inline std::int64_t fingerprint_key(std::uint64_t fingerprint) {
  return static_cast<std::int64_t>(fingerprint ^ 0x8000000000000000ULL);
}

inline void append_u32(std::string& out, std::uint32_t v) {
  const char bytes[4] = {static_cast<char>(v), static_cast<char>(v >> 8),
                         static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out.append(bytes, 4);
}
inline std::uint32_t read_u32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return b[0] | static_cast<std::uint32_t>(b[1]) << 8 | static_cast<std::uint32_t>(b[2]) << 16 |
         static_cast<std::uint32_t>(b[3]) << 24;
}

/// One record of a blob. An empty row is a record billed by a store of schema 1, which
/// kept identities only.
struct blob_record {
  std::string_view id;
  std::string_view row;
};

/// The records of one (subscriber, cycle, close): each as the id's length (4 bytes), the
/// id, the row's length (4 bytes), the row.
class records_blob {
 public:
  void add(std::string_view id, std::string_view row) {
    // Whether the ids came in order is kept as they come: a blob written in order (the
    // usual case) is stored as it is, never read back and sorted.
    if (count_ != 0 && id < std::string_view(bytes_).substr(last_id_at_, last_id_size_))
      in_id_order_ = false;
    append_u32(bytes_, static_cast<std::uint32_t>(id.size()));
    last_id_at_ = bytes_.size();
    last_id_size_ = id.size();
    bytes_.append(id);
    append_u32(bytes_, static_cast<std::uint32_t>(row.size()));
    bytes_.append(row);
    ++count_;
  }
  const std::string& bytes() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  std::size_t size() const { return count_; }
  bool in_id_order() const { return in_id_order_; }
  void clear() {
    bytes_.clear();
    count_ = 0;
    in_id_order_ = true;
  }

  static bool by_id(const blob_record& a, const blob_record& b) { return a.id < b.id; }

  /// Adds the records of a blob to `out`; false when the blob is cut short.
  static bool read(std::string_view blob, std::vector<blob_record>& out) {
    for (std::size_t at = 0; at < blob.size();) {
      std::string_view parts[2];
      for (std::string_view& part : parts) {
        if (blob.size() - at < 4) return false;
        const std::uint32_t size = read_u32(blob.data() + at);
        at += 4;
        if (blob.size() - at < size) return false;
        part = blob.substr(at, size);
        at += size;
      }
      out.push_back({parts[0], parts[1]});
    }
    return true;
  }

  /// The blob of `records` in identity order (the bytes of a (subscriber, cycle, close)
  /// do not depend on the order its records were given in).
  static std::string write(std::vector<blob_record> records) {
    std::sort(records.begin(), records.end(), by_id);
    records_blob blob;
    for (const blob_record& r : records) blob.add(r.id, r.row);
    return std::move(blob.bytes_);
  }

 private:
  std::string bytes_;
  std::size_t count_ = 0;
  std::size_t last_id_at_ = 0, last_id_size_ = 0;
  bool in_id_order_ = true;
};

/// Fingerprints per chunk: a 64 KiB blob, found by its first fingerprint.
inline constexpr std::size_t fingerprints_per_chunk = 8192;

/// The fingerprints of a stored chunk, 8 bytes each, little-endian, ascending.
inline std::vector<std::uint64_t> read_fingerprints(std::string_view chunk) {
  std::vector<std::uint64_t> out(chunk.size() / 8);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = read_u32(chunk.data() + 8 * i) |
             static_cast<std::uint64_t>(read_u32(chunk.data() + 8 * i + 4)) << 32;
  return out;
}

/// Appends one fingerprint to a chunk.
inline void append_fingerprint(std::string& chunk, std::uint64_t fingerprint) {
  append_u32(chunk, static_cast<std::uint32_t>(fingerprint));
  append_u32(chunk, static_cast<std::uint32_t>(fingerprint >> 32));
}

}  // namespace ratel::store_blobs
