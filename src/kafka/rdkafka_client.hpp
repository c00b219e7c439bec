// Private: librdkafka's C handles owned, and a producer whose every message is either
// acknowledged by the brokers or reported (used by the consume worker and by produce).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ratel/kafka/kafka_settings.hpp"

namespace ratel::detail {

struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using kafka_conf = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;

struct handle_deleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
using kafka_handle = std::unique_ptr<rd_kafka_t, handle_deleter>;

struct partition_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
};
using partition_list = std::unique_ptr<rd_kafka_topic_partition_list_t, partition_list_deleter>;

/// A configuration with the settings' brokers and properties, then `name` = `value` pairs of
/// the caller's own (which the settings' properties cannot override where ratel's guarantees
/// depend on them: the caller sets those last). Throws kafka_error naming a refused property.
kafka_conf make_conf(const kafka_settings& settings);
void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);

/// An idempotent producer (acks from all in-sync replicas, no duplicates on retry, order
/// kept per partition). produce() queues a message; flush() waits until every message queued
/// is acknowledged and throws kafka_error if any was not: the caller then must not record
/// anything that depends on those messages having been published.
class checked_producer {
 public:
  explicit checked_producer(const kafka_settings& settings);
  void produce(const std::string& topic, std::string_view key, std::string_view value);
  void flush();
  /// Messages acknowledged since the producer was made.
  std::int64_t delivered() const { return state_->delivered; }

 private:
  struct delivery_state {
    std::int64_t delivered = 0;
    std::int64_t failed = 0;
    std::string first_failure;
  };
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque);
  std::unique_ptr<delivery_state> state_;
  kafka_handle handle_;
};

}  // namespace ratel::detail
