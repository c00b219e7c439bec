// What the CLI reads from a cycle store (see store_access.hpp).
#include "store_access.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ratel/io/output.hpp"
#include "ratel/io/usage_csv.hpp"
#include "ratel/store/sqlite_store.hpp"
#ifdef RATEL_WITH_POSTGRESQL
#include "ratel/store/postgresql_store.hpp"
#endif

namespace ratel::cli {

// SHA-256 of a file's bytes, in hex: what a closed cycle was rated from.
std::string file_digest(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw input_error({path, 0, 0}, "", "cannot read it to take its digest");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw output_error("cannot start a SHA-256 digest (libcrypto)");
  std::vector<unsigned char> block(1 << 16);
  std::size_t got = 0;
  while ((got = std::fread(block.data(), 1, block.size(), file.get())) > 0)
    EVP_DigestUpdate(context.get(), block.data(), got);
  if (std::ferror(file.get())) throw input_error({path, 0, 0}, "", "cannot read it to the end");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(context.get(), digest, &size);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string text_digest(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1)
    throw output_error("cannot take a SHA-256 digest (libcrypto)");
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::unique_ptr<cycle_store> open_store(const std::string& where) {
  if (where.starts_with("postgresql://") || where.starts_with("postgres://")) {
#ifdef RATEL_WITH_POSTGRESQL
    return open_postgresql_store(where);
#else
    throw store_error(
        fmt::format("--store {}: this ratel was built without the PostgreSQL store "
                    "(-DRATEL_STORE_POSTGRESQL=ON); give a file path (a SQLite store)",
                    where));
#endif
  }
  return open_sqlite_store(where);
}

std::string shown(const std::string& store) {
#ifdef RATEL_WITH_POSTGRESQL
  return without_password(store);
#else
  return store;
#endif
}

std::vector<adjustment> adjustments_of(const stored_bill& stored, const std::string& store_name) {
  const std::string where =
      fmt::format("{} (bill of {} for {})", store_name, stored.subscriber, to_string(stored.cycle));
  std::vector<adjustment> out;
  try {
    const nlohmann::json bill = nlohmann::json::parse(stored.json);
    const currency unit = currency::parse(bill.at("currency").get<std::string>());
    for (const nlohmann::json& line : bill.at("lines")) {
      if (line.at("kind").get<std::string>() != "adjustment") continue;
      const auto corrects = parse_year_month(line.at("corrects").get<std::string>());
      const auto adjusts = line_kind_names.parse(line.at("adjusts").get<std::string>());
      if (!corrects || !adjusts)
        throw store_error(fmt::format("{}: an adjustment line names no cycle or kind", where));
      out.push_back({*corrects, line.at("product").get<std::string>(), *adjusts,
                     money::parse(line.at("amount").get<std::string>(), unit)});
    }
  } catch (const store_error&) {
    throw;
  } catch (const std::exception& e) {  // JSON, an amount or a currency that does not parse
    throw store_error(fmt::format("{}: not a bill ratel wrote: {}", where, e.what()));
  }
  return out;
}

}  // namespace ratel::cli
