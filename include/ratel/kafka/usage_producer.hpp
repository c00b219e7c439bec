// ratel/kafka/usage_producer.hpp: `ratel produce`, a usage file published to a Kafka topic
// the way `ratel consume` reads it.
//
// Concept: each usage record becomes one message, keyed by its subscriber (so all of an
// account's records go to one partition, in the file's order), its value the record as JSON
// (io/usage_json.hpp). The call returns only when the brokers have acknowledged every
// message; a message they did not is a kafka_error, never a silent gap.
//
//   usage_batch usage = read_usage_csv("july.csv");
//   publish_usage({"localhost:9092", {}}, "usage", usage);
#pragma once

#include <cstdint>
#include <string>

#include "ratel/kafka/kafka_settings.hpp"
#include "ratel/usage.hpp"

namespace ratel {

/// Publishes the records of `usage` (not its rejects) to `topic`, in the batch's order.
/// Returns how many were published. Throws kafka_error.
std::int64_t publish_usage(const kafka_settings& kafka, const std::string& topic,
                           const usage_batch& usage);

}  // namespace ratel
