// ratel/kafka/kafka_settings.hpp: how ratel reaches a Kafka cluster, and the error it
// throws when Kafka fails it.
//
// Concept: the brokers to bootstrap from and any librdkafka property besides (security,
// timeouts: `--kafka key=value` on the command line), applied to every client ratel makes.
// A delivery that Kafka did not acknowledge, a property librdkafka refuses, a fatal client
// error: all are kafka_error, never a message silently lost.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ratel {

struct kafka_settings {
  std::string brokers;  ///< bootstrap.servers: "host:port,host:port"
  /// Further librdkafka properties, in order (a later one wins): {"session.timeout.ms", "6000"}.
  std::vector<std::pair<std::string, std::string>> properties;
};

/// Kafka refused or lost something: what, and librdkafka's own words.
class kafka_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ratel
