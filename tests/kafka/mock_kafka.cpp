// mock_kafka: a Kafka cluster for the tests, and the little a test needs to talk to it.
// No Kafka broker is packaged for Debian; librdkafka's mock cluster speaks the real Kafka
// protocol over local sockets, so `ratel produce` and `ratel consume` (other processes)
// use it as they would a real cluster: consumer groups, rebalances, idempotent producers.
//
//   mock_kafka serve BOOTSTRAP_FILE TOPIC:PARTITIONS...  a 3-broker cluster with the topics
//                                                         (3 replicas), its bootstrap servers
//                                                         written to the file; until SIGTERM
//   mock_kafka send BOOTSTRAPS TOPIC      stdin lines KEY<TAB>VALUE, published as they are
//   mock_kafka dump BOOTSTRAPS TOPIC      every message of the topic, one line each:
//                                         PARTITION<TAB>OFFSET<TAB>KEY<TAB>VALUE
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

volatile std::sig_atomic_t stopped = 0;
extern "C" void on_signal(int) {
  stopped = 1;
}

[[noreturn]] void die(const std::string& what) {
  std::cerr << "mock_kafka: " << what << "\n";
  std::exit(1);
}

rd_kafka_conf_t* conf_with(const std::vector<std::pair<std::string, std::string>>& properties) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  for (const auto& [name, value] : properties)
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK)
      die(name + ": " + error);
  return conf;
}

int serve(const std::string& bootstrap_file, const std::vector<std::string>& topics) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf_with({{"test.mock.num.brokers", "3"}}),
                                    error, sizeof error);
  if (!handle) die(error);
  rd_kafka_mock_cluster_t* cluster = rd_kafka_handle_mock_cluster(handle);
  if (!cluster) die("no mock cluster");
  for (const std::string& t : topics) {
    const std::size_t colon = t.find(':');
    if (colon == std::string::npos) die("a topic is NAME:PARTITIONS, not " + t);
    const std::string name = t.substr(0, colon);
    if (rd_kafka_mock_topic_create(cluster, name.c_str(), std::stoi(t.substr(colon + 1)), 3))
      die("cannot create topic " + name);
  }
  {
    const std::string temporary = bootstrap_file + ".part";
    std::ofstream out(temporary);
    out << rd_kafka_mock_cluster_bootstraps(cluster) << "\n";
    out.close();
    if (!out || std::rename(temporary.c_str(), bootstrap_file.c_str()) != 0)
      die("cannot write " + bootstrap_file);
  }
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  while (!stopped) rd_kafka_poll(handle, 100);
  rd_kafka_destroy(handle);
  return 0;
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err) die(std::string("a message was not delivered: ") + rd_kafka_err2str(m->err));
}

int send(const std::string& brokers, const std::string& topic) {
  rd_kafka_conf_t* conf =
      conf_with({{"bootstrap.servers", brokers}, {"enable.idempotence", "true"}});
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (!handle) die(error);
  std::string line;
  long sent = 0;
  while (std::getline(std::cin, line)) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) die("a line is KEY<TAB>VALUE");
    char* value = line.data() + tab + 1;  // the macros below cast without parentheses
    const std::size_t value_size = line.size() - tab - 1;
    while (rd_kafka_producev(handle, RD_KAFKA_V_TOPIC(topic.c_str()),
                             RD_KAFKA_V_KEY(line.data(), tab), RD_KAFKA_V_VALUE(value, value_size),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(handle, 100);
    ++sent;
  }
  while (rd_kafka_outq_len(handle) > 0) rd_kafka_flush(handle, 1000);
  rd_kafka_destroy(handle);
  std::cerr << "mock_kafka: " << sent << " messages sent to " << topic << "\n";
  return 0;
}

int dump(const std::string& brokers, const std::string& topic) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER,
                                    conf_with({{"bootstrap.servers", brokers},
                                               {"group.id", "mock-kafka-dump"},
                                               {"enable.auto.commit", "false"},
                                               {"enable.partition.eof", "false"}}),
                                    error, sizeof error);
  if (!handle) die(error);
  rd_kafka_poll_set_consumer(handle);
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* t = rd_kafka_topic_new(handle, topic.c_str(), nullptr);
  if (rd_kafka_metadata(handle, 0, t, &metadata, 10000) || metadata->topic_cnt != 1)
    die("no metadata for " + topic);
  const int partitions = metadata->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(t);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  std::map<int, std::int64_t> end;
  for (int p = 0; p < partitions; ++p) {
    std::int64_t low = 0, high = 0;
    if (rd_kafka_query_watermark_offsets(handle, topic.c_str(), p, &low, &high, 10000))
      die("no watermarks for " + topic);
    if (high > low) end[p] = high;
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(handle, list);
  rd_kafka_topic_partition_list_destroy(list);
  while (!end.empty()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(handle, 10000);
    if (!m) die("no message for 10 s before the end of " + topic);
    if (m->err) die(rd_kafka_message_errstr(m));
    std::cout << m->partition << '\t' << m->offset << '\t'
              << std::string(static_cast<const char*>(m->key), m->key_len) << '\t'
              << std::string(static_cast<const char*>(m->payload), m->len) << '\n';
    if (m->offset + 1 >= end[m->partition]) end.erase(m->partition);
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(handle);
  rd_kafka_destroy(handle);
  return std::cout.flush() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() >= 2 && a[0] == "serve") return serve(a[1], {a.begin() + 2, a.end()});
  if (a.size() == 3 && a[0] == "send") return send(a[1], a[2]);
  if (a.size() == 3 && a[0] == "dump") return dump(a[1], a[2]);
  std::cerr
      << "usage: mock_kafka serve FILE TOPIC:N... | send BROKERS TOPIC | dump BROKERS TOPIC\n";
  return 2;
}
