// usage_json: one usage record as a JSON object (see io/usage_json.hpp). The fields are
// checked by usage_fields.hpp, as a file's are.
#include "ratel/io/usage_json.hpp"

#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/usage_fields.hpp"

namespace ratel {
namespace {

using json = nlohmann::json;

constexpr const char* string_members[] = {"id",      "subscriber", "time", "service",
                                          "country", "region",     "peer", "product"};

}  // namespace

usage_batch parse_usage_json(std::string text, std::string source_name, std::uint32_t line) {
  usage_batch batch(std::move(source_name), std::move(text));
  auto reject_message = [&](reject_reason reason, std::string detail, std::string subscriber = {},
                            std::string id = {}) {
    batch.add_reject({line, reason, std::move(subscriber), std::move(id), std::move(detail)});
    batch.finish();
    return std::move(batch);
  };
  if (batch.text().size() > max_row_bytes)
    return reject_message(reject_reason::malformed_row,
                          fmt::format("the message is {} bytes long; a usage record has at most {}",
                                      batch.text().size(), max_row_bytes));
  json doc;
  try {
    doc = json::parse(batch.text());
  } catch (const json::exception& e) {
    return reject_message(reject_reason::malformed_row, fmt::format("not JSON: {}", e.what()));
  }
  if (!doc.is_object())
    return reject_message(reject_reason::malformed_row,
                          fmt::format("a usage record is a JSON object, not {}", doc.type_name()));

  // The string members: absent or null is empty, as an empty column is.
  std::string values[std::size(string_members)];
  for (std::size_t i = 0; i < std::size(string_members); ++i) {
    const auto at = doc.find(string_members[i]);
    if (at == doc.end() || at->is_null()) continue;
    if (!at->is_string())
      return reject_message(
          reject_reason::malformed_row,
          fmt::format("{}: expected a string, not {}", string_members[i], at->type_name()));
    values[i] = at->get<std::string>();
  }
  std::string& id = values[0];
  std::string& subscriber = values[1];
  std::string& time = values[2];
  std::string& service = values[3];
  std::string& country = values[4];
  std::string& region = values[5];
  std::string& peer = values[6];
  std::string& product = values[7];
  auto nameable = [](const std::string& s) {
    return s.size() <= max_named_field_bytes ? s : std::string();
  };
  std::string quantity;
  if (const auto at = doc.find("quantity"); at != doc.end() && !at->is_null()) {
    if (at->is_string())
      quantity = at->get<std::string>();
    else if (at->is_number())
      quantity = at->dump();  // an integer's digits; a fraction or exponent is refused below
    else
      return reject_message(reject_reason::bad_quantity,
                            fmt::format("quantity: expected an integer, not {}", at->type_name()),
                            nameable(subscriber), nameable(id));
  }

  const detail::usage_field_texts texts{id, subscriber, time, service, quantity, country};
  auto shown = [&](detail::usage_field f) {
    switch (f) {
      case detail::usage_field::time:
        return time;
      case detail::usage_field::service:
        return service;
      case detail::usage_field::quantity:
        return quantity;
      case detail::usage_field::country:
        break;
    }
    return country;
  };
  reject_reason reason = reject_reason::malformed_row;
  std::string why;
  const std::optional<detail::checked_usage_fields> checked =
      detail::check_usage_fields(texts, shown, reason, why);
  if (!checked) return reject_message(reason, std::move(why), nameable(subscriber), nameable(id));

  usage_record& r = batch.add_record();
  r.id = batch.keep(std::move(id));
  r.subscriber = batch.keep(std::move(subscriber));
  r.time = checked->time;
  r.written_offset_minutes = checked->written_offset_minutes;
  r.svc = checked->svc;
  r.quantity = checked->quantity;
  r.country = batch.keep(std::move(country));
  r.region = batch.keep(std::move(region));
  r.peer = batch.keep(std::move(peer));
  r.product = batch.keep(std::move(product));
  r.line = line;
  batch.finish();
  return batch;
}

std::string usage_record_to_json(const usage_record& r) {
  // The members in the order of DESIGN 4.1's columns.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["id"] = std::string(r.id);
  j["subscriber"] = std::string(r.subscriber);
  j["time"] = format_rfc3339(r.time, std::chrono::minutes(r.written_offset_minutes));
  j["service"] = std::string(to_string(r.svc));
  j["quantity"] = r.quantity;
  if (!r.country.empty()) j["country"] = std::string(r.country);
  if (!r.region.empty()) j["region"] = std::string(r.region);
  if (!r.peer.empty()) j["peer"] = std::string(r.peer);
  if (!r.product.empty()) j["product"] = std::string(r.product);
  return j.dump();
}

}  // namespace ratel
