// Private librdkafka helpers (see rdkafka_client.hpp).
#include "rdkafka_client.hpp"

#include <fmt/format.h>

namespace ratel::detail {

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK)
    throw kafka_error(fmt::format("Kafka property {}={} refused: {}", name, value, error));
}

kafka_conf make_conf(const kafka_settings& settings) {
  kafka_conf conf(rd_kafka_conf_new());
  if (!settings.brokers.empty()) set(conf.get(), "bootstrap.servers", settings.brokers);
  for (const auto& [name, value] : settings.properties) set(conf.get(), name, value);
  return conf;
}

checked_producer::checked_producer(const kafka_settings& settings)
    : state_(std::make_unique<delivery_state>()) {
  kafka_conf conf = make_conf(settings);
  // What ratel's guarantees rest on, set after the user's properties so none undoes it.
  set(conf.get(), "enable.idempotence", "true");
  set(conf.get(), "acks", "all");
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &checked_producer::on_delivery);
  rd_kafka_conf_set_opaque(conf.get(), state_.get());
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error);
  if (!handle) throw kafka_error(fmt::format("cannot make a Kafka producer: {}", error));
  conf.release();  // rd_kafka_new owns it now
  handle_.reset(handle);
}

void checked_producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* state = static_cast<delivery_state*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++state->delivered;
    return;
  }
  if (state->failed++ == 0)
    state->first_failure = fmt::format("a message to {} was not delivered: {}",
                                       rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
}

void checked_producer::produce(const std::string& topic, std::string_view key,
                               std::string_view value) {
  for (;;) {
    const rd_kafka_resp_err_t err =
        rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                          RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                          RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    // A full queue empties as the brokers acknowledge: wait for some, then queue again.
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
      throw kafka_error(
          fmt::format("cannot queue a message for {}: {}", topic, rd_kafka_err2str(err)));
    rd_kafka_poll(handle_.get(), 100);
  }
  rd_kafka_poll(handle_.get(), 0);  // serve the delivery reports that are in
}

void checked_producer::flush() {
  // Waits as long as librdkafka itself retries a message (message.timeout.ms): each one is
  // then acknowledged or reported failed.
  while (rd_kafka_outq_len(handle_.get()) > 0) rd_kafka_flush(handle_.get(), 1000);
  if (state_->failed > 0)
    throw kafka_error(fmt::format("{} message(s) not delivered; the first: {}", state_->failed,
                                  state_->first_failure));
  char error[512];
  if (rd_kafka_fatal_error(handle_.get(), error, sizeof error) != RD_KAFKA_RESP_ERR_NO_ERROR)
    throw kafka_error(fmt::format("the Kafka producer failed: {}", error));
}

}  // namespace ratel::detail
