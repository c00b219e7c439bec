// usage: the usage_batch container and de-duplication (see usage.hpp). Reading usage CSV
// is in src/io/usage_csv.cpp.
#include "ratel/usage.hpp"

#include <algorithm>
#include <bit>
#include <cassert>
#include <compare>
#include <tuple>

#include "engine/hash.hpp"
#include "engine/huge_pages.hpp"

namespace ratel {
namespace {

auto identity_of(const usage_record& r) {
  return std::tie(r.subscriber, r.id);
}
auto content_of(const usage_record& r) {
  return std::tie(r.time, r.svc, r.quantity, r.country, r.region, r.peer, r.product);
}

std::uint64_t identity_hash(const usage_record& r) noexcept {
  const std::uint64_t a = detail::string_hash(r.subscriber);
  const std::uint64_t b = detail::string_hash(r.id);
  // Mix so that ("ab", "c") and ("a", "bc") and swapped fields hash apart.
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

/// Keeps one record per (subscriber, id) and moves the others to `duplicates`. Which one is
/// kept depends on content only (the smallest content tuple, then the line for identical
/// content), so that a file and any shuffle of it rate the same records. Records stay in
/// file order; duplicates are listed in line order.
///
/// Why a hash table: sorting every record by its strings is a memcmp per comparison on
/// scattered memory, and even sorting (hash, index) pairs was a tenth of a run. One pass
/// over an open-addressing table of identity hashes finds every group; strings are only
/// compared when two hashes are equal. The hash only decides which records get compared:
/// the result (who is kept, what is a duplicate) depends on exact identity and content,
/// never on hash values.
void remove_duplicates(std::vector<usage_record>& records, std::vector<duplicate>& duplicates) {
  if (records.size() < 2) return;
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t kept = 0;  // record counts are bounded by line numbers, which are 32-bit
    bool used = false;
  };
  const std::size_t capacity = std::bit_ceil(records.size() + records.size() / 2);
  const std::size_t mask = capacity - 1;
  std::vector<slot> table(capacity);
  // Records left out, each with the slot of its identity: who is kept is final only at the end.
  std::vector<std::pair<std::uint32_t, std::size_t>> dropped;

  // Hashes first, in file order (the strings are read in the order they lie in memory),
  // so that the table's slot for a record a few ahead can be fetched while this one is
  // placed: the table is larger than the cache and every probe would otherwise wait.
  std::vector<std::uint64_t> hashes(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) hashes[i] = identity_hash(records[i]);
  auto home = [&](std::uint64_t h) { return (h ^ (h >> 29)) & mask; };
  constexpr std::size_t ahead = 16;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i + ahead < records.size()) __builtin_prefetch(&table[home(hashes[i + ahead])]);
    std::uint32_t index = static_cast<std::uint32_t>(i);
    const std::uint64_t h = hashes[i];
    for (std::size_t at = home(h);; at = (at + 1) & mask) {
      slot& s = table[at];
      if (!s.used) {
        s = {h, index, true};
        break;
      }
      if (s.hash != h || identity_of(records[s.kept]) != identity_of(records[i])) continue;
      if (kept_over(records[index], records[s.kept])) std::swap(index, s.kept);
      dropped.emplace_back(index, at);
      break;
    }
  }
  if (dropped.empty()) return;

  std::vector<bool> left_out(records.size(), false);
  for (const auto& [index, at] : dropped) {
    const usage_record& r = records[index];
    const usage_record& kept = records[table[at].kept];
    left_out[index] = true;
    duplicates.push_back({r.line, kept.line, std::string(r.subscriber), std::string(r.id),
                          same_content(r, kept), std::nullopt});
  }
  std::sort(duplicates.begin(), duplicates.end(),
            [](const duplicate& a, const duplicate& b) { return a.line < b.line; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < records.size(); ++i)
    if (!left_out[i]) records[out++] = records[i];
  records.resize(out);
}

}  // namespace

bool kept_over(const usage_record& a, const usage_record& b) noexcept {
  if (auto c = content_of(a) <=> content_of(b); c != 0) return c < 0;
  return a.line < b.line;  // identical content: any choice is the same record
}

bool same_content(const usage_record& a, const usage_record& b) noexcept {
  return content_of(a) == content_of(b);
}

usage_batch::usage_batch(std::string source_name, std::string text)
    : source_name_(std::move(source_name)), text_(std::make_unique<std::string>(std::move(text))) {}

std::string_view usage_batch::keep(std::string value) {
  return unescaped_.emplace_back(std::move(value));
}

void usage_batch::reserve(std::size_t rows) {
  records_.reserve(records_.size() + rows);
  // A shard's records are about 100 bytes each, filled at once: large pages, fewer faults.
  detail::prefer_huge_pages(records_.data(), records_.capacity() * sizeof(usage_record));
}

void usage_batch::finish() {
  remove_duplicates(records_, duplicates_);
  assert(rows_read_ == records_.size() + rejects_.size() + duplicates_.size());
}

void usage_batch::set_aside_as_billed(
    std::vector<std::pair<std::size_t, date::year_month>> billed) {
  std::sort(billed.begin(), billed.end());
  std::vector<usage_record> kept;
  kept.reserve(records_.size() - billed.size());
  auto next = billed.begin();
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const usage_record& r = records_[i];
    if (next != billed.end() && next->first == i) {
      duplicates_.push_back(
          {r.line, 0, std::string(r.subscriber), std::string(r.id), true, next->second});
      ++next;
      continue;
    }
    kept.push_back(r);
  }
  records_ = std::move(kept);
  assert(rows_read_ == records_.size() + rejects_.size() + duplicates_.size());
}

}  // namespace ratel
