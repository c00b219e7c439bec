// `ratel produce` (see kafka/usage_producer.hpp).
#include "ratel/kafka/usage_producer.hpp"

#include "ratel/io/usage_json.hpp"
#include "rdkafka_client.hpp"

namespace ratel {

std::int64_t publish_usage(const kafka_settings& kafka, const std::string& topic,
                           const usage_batch& usage) {
  detail::checked_producer producer(kafka);
  for (const usage_record& r : usage.records())
    producer.produce(topic, r.subscriber, usage_record_to_json(r));
  producer.flush();
  return producer.delivered();
}

}  // namespace ratel
