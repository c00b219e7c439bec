// ratel/io/usage_json.hpp: a usage record as one JSON object (DESIGN 4.1's fields), the
// form a record has as a message (a Kafka topic keyed by subscriber, issue 18).
//
// Concept: {"id": "r1", "subscriber": "13800000001", "time": "2012-07-03T22:00:00+08:00",
// "service": "data", "quantity": 1048576, "country": "KR"}: the columns of a usage file as
// members. id, subscriber, time, service and quantity are required; country, region, peer
// and product optional; other members are ignored, as unknown columns are. quantity is a
// JSON integer, or a string of digits as in a file. The fields are checked as a file's are,
// by the same code, with the same reasons and words: a message that cannot be a record is
// a reject, never an exception, so one bad message never stops a consumer.
//
//   usage_batch one = parse_usage_json(message_text, "usage/3", 1041);  // partition, offset
//   one.records().size() + one.rejects().size() == 1
#pragma once

#include <cstdint>
#include <string>

#include "ratel/usage.hpp"

namespace ratel {

/// Parses one message: a batch holding one record or one reject, of line `line` (the
/// caller's reference for it: a message's offset), named `source_name` in messages.
usage_batch parse_usage_json(std::string text, std::string source_name, std::uint32_t line);

/// A record as the JSON object parse_usage_json reads (absent optional fields left out),
/// without a line end. Parsing it gives the same record. JSON text is UTF-8: a field that
/// is not throws nlohmann::json::type_error.
std::string usage_record_to_json(const usage_record& r);

}  // namespace ratel
