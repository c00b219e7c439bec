// `ratel consume`'s consumer-group worker (see kafka/consumer.hpp).
#include "ratel/kafka/consumer.hpp"

#include <algorithm>
#include <cstring>
#include <exception>
#include <set>

#include <fmt/format.h>

#include "rdkafka_client.hpp"

namespace ratel {
namespace {

using clock = std::chrono::steady_clock;
using partition_key = std::pair<std::string, std::int32_t>;

class consume_run {
 public:
  consume_run(const rule_plan& plan, const account_book& accounts, cycle_store& store,
              date::year_month cycle, const consume_options& options)
      : options_(options),
        plan_(plan),
        accounts_(&accounts),
        store_(store),
        worker_(std::make_unique<live_worker>(plan, accounts, store, first_open(store, cycle),
                                              grace())),
        producer_(options.kafka) {
    detail::kafka_conf conf = detail::make_conf(options.kafka);
    detail::set(conf.get(), "group.id", options.group);
    // The store holds the offsets that count; Kafka's committed ones only show the lag, and
    // are committed by hand after each save, never ahead of it.
    detail::set(conf.get(), "enable.auto.commit", "false");
    detail::set(conf.get(), "enable.auto.offset.store", "false");
    // A saved offset the topic no longer holds (retention deleted records never rated) is an
    // error, never a silent jump to whatever is there now.
    detail::set(conf.get(), "auto.offset.reset", "error");
    detail::set(conf.get(), "enable.partition.eof", "true");
    rd_kafka_conf_set_rebalance_cb(conf.get(), &consume_run::on_rebalance);
    rd_kafka_conf_set_opaque(conf.get(), this);
    char error[512];
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error);
    if (!handle) throw kafka_error(fmt::format("cannot make a Kafka consumer: {}", error));
    conf.release();
    consumer_.reset(handle);
    rd_kafka_poll_set_consumer(consumer_.get());
    detail::partition_list topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), options.usage_topic.c_str(),
                                      RD_KAFKA_PARTITION_UA);
    if (const rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get()))
      throw kafka_error(
          fmt::format("cannot subscribe to {}: {}", options.usage_topic, rd_kafka_err2str(err)));
  }

  consume_summary run(const std::atomic<bool>& stop) {
    try {
      rate_until(stop);
    } catch (...) {
      // Failed: nothing more is saved (what was not acknowledged must be read again), but the
      // group is left at once, so that its partitions go to another worker now rather than
      // after the session times out.
      failed_ = true;
      rd_kafka_consumer_close(consumer_.get());
      throw;
    }
    // Leaving the group gives up the partitions (the rebalance callback saves first).
    rd_kafka_consumer_close(consumer_.get());
    rethrow_from_callback();
    return summary_;
  }

 private:
  std::chrono::seconds grace() const {
    return options_.close_after.value_or(std::chrono::seconds{0});
  }

  // `cycle`, or the first cycle after it the store has not closed.
  static date::year_month first_open(cycle_store& store, date::year_month cycle) {
    while (store.find(cycle)) cycle += date::months(1);
    return cycle;
  }

  void rate_until(const std::atomic<bool>& stop) {
    last_save_ = last_message_ = last_check_ = clock::now();
    log(fmt::format("rating cycle {}", to_string(worker_->cycle())));
    while (!stop.load()) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), 100);
      rethrow_from_callback();
      if (m) {
        std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(
            m, rd_kafka_message_destroy);
        take(*m);
      }
      if (unsaved_ >= options_.save_every ||
          (unsaved_ > 0 && clock::now() - last_save_ >= options_.save_interval))
        save();
      // Whether `ratel close` closed the cycle (or, with a grace period, whether it is due
      // to close): then the next one is rated.
      if (clock::now() - last_check_ >= options_.save_interval) {
        last_check_ = clock::now();
        follow_account_log();
        if (options_.close_after) close_when_due();
        if (store_.find(worker_->cycle())) next_cycle();
      }
      if (options_.stop_when_idle && idle(*options_.stop_when_idle)) break;
    }
    save();
  }

  void log(std::string_view line) const {
    if (options_.log) options_.log(line);
  }

  void take(const rd_kafka_message_t& m) {
    const partition_key key{m.rkt ? rd_kafka_topic_name(m.rkt) : "", m.partition};
    if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end_.insert(key);
      return;
    }
    if (m.err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET)
      throw kafka_error(fmt::format(
          "{}[{}]: the offset to read on from is no longer in the topic: records were deleted "
          "(retention) before they were rated ({})",
          key.first, key.second, rd_kafka_message_errstr(&m)));
    if (m.err) {
      char error[512];
      if (rd_kafka_fatal_error(consumer_.get(), error, sizeof error))
        throw kafka_error(fmt::format("the Kafka consumer failed: {}", error));
      // Transient (a broker gone, a leader moving): librdkafka retries by itself.
      log(fmt::format("kafka: {}", rd_kafka_message_errstr(&m)));
      return;
    }
    last_message_ = clock::now();
    summary_.last_message = std::chrono::system_clock::now();
    if (!summary_.first_message) summary_.first_message = summary_.last_message;
    const usage_message message{
        key.first, key.second, m.offset,
        std::string(static_cast<const char*>(m.payload), m.payload ? m.len : 0),
        std::string(static_cast<const char*>(m.key), m.key ? m.key_len : 0)};
    const handled_message out = worker_->handle(message);
    if (out.held) {
      // A record of the next cycle: the partition waits there until this cycle is closed.
      if (held_.insert(key).second) {
        detail::partition_list one(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(one.get(), key.first.c_str(), key.second);
        rd_kafka_pause_partitions(consumer_.get(), one.get());
        // Saved at once: a close of this cycle then bills every record before the wait.
        at_end_.insert(key);
        save();
        log(fmt::format(
            "{}[{}] waits at offset {} (saved): a record after cycle {}, which is not closed",
            key.first, key.second, m.offset, to_string(worker_->cycle())));
      }
      at_end_.insert(key);  // nothing more to do there in this cycle
      return;
    }
    at_end_.erase(key);
    for (const outgoing_message& e : out.events)
      producer_.produce(options_.events_topic, e.key, e.value);
    for (const outgoing_message& r : out.rejects)
      producer_.produce(options_.rejects_topic, r.key, r.value);
    summary_.events += static_cast<std::int64_t>(out.events.size());
    summary_.rejects += static_cast<std::int64_t>(out.rejects.size());
    next_[key] = worker_->position(key.first, key.second).next;
    ++unsaved_;
  }

  // Publishing first, then the store, then Kafka's own offsets: see consumer.hpp.
  void save() {
    producer_.flush();
    try {
      worker_->save();
    } catch (const cycle_closed& e) {
      // Closed since this worker loaded it: what it rated of the cycle since its last save
      // is late now, read again by the worker of the next cycle.
      log(e.what());
      next_cycle();
      return;
    }
    ++summary_.saves;
    unsaved_ = 0;
    last_save_ = clock::now();
    if (next_.empty()) return;
    detail::partition_list offsets(
        rd_kafka_topic_partition_list_new(static_cast<int>(next_.size())));
    for (const auto& [key, next] : next_)
      rd_kafka_topic_partition_list_add(offsets.get(), key.first.c_str(), key.second)->offset =
          next;
    // Asynchronous, and only for the lag to show: a commit lost is harmless.
    rd_kafka_commit(consumer_.get(), offsets.get(), 1);
    log(fmt::format("saved {} partition(s)", next_.size()));
  }

  // With a grace period: the cycle is closed once every partition of the topic waits for its
  // close (each reached a record dated at or past the cycle's end plus the grace, and saved
  // there), by whichever worker of the group sees it first; the others find it closed.
  void close_when_due() {
    const date::year_month cycle = worker_->cycle();
    const std::vector<partition_offset> saved = store_.saved_offsets(options_.usage_topic);
    const auto waiting = std::count_if(saved.begin(), saved.end(), [&](const partition_offset& p) {
      return p.waits_for_close == cycle;
    });
    if (waiting == 0 || waiting < partitions_of_topic()) return;
    try {
      const live_close_result closed = close_live_cycle(plan_, *accounts_, store_, cycle,
                                                        options_.close_inputs, options_.store_name);
      ++summary_.closes;
      log(fmt::format(
          "closed cycle {} after its grace: {} bills, {} late records of closed cycles billed as "
          "adjustments, {} rejected",
          to_string(cycle), closed.bills.size(), closed.late_rated, closed.late_rejects.size()));
    } catch (const store_error& e) {
      if (!store_.find(cycle)) throw;
      log(fmt::format("cycle {} was closed by another worker ({})", to_string(cycle), e.what()));
    }
  }

  // The number of partitions of the usage topic (the brokers' metadata, asked once).
  std::int64_t partitions_of_topic() {
    if (topic_partitions_ > 0) return topic_partitions_;
    rd_kafka_topic_t* topic =
        rd_kafka_topic_new(consumer_.get(), options_.usage_topic.c_str(), nullptr);
    if (!topic) throw kafka_error(fmt::format("cannot look up topic {}", options_.usage_topic));
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(consumer_.get(), 0, topic, &metadata, 10000);
    rd_kafka_topic_destroy(topic);
    if (err)
      throw kafka_error(fmt::format("cannot read the metadata of topic {}: {}",
                                    options_.usage_topic, rd_kafka_err2str(err)));
    if (metadata->topic_cnt == 1 && !metadata->topics[0].err)
      topic_partitions_ = metadata->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(metadata);
    if (topic_partitions_ <= 0)
      throw kafka_error(fmt::format("topic {} has no partitions", options_.usage_topic));
    return topic_partitions_;
  }

  // The worker's cycle is closed (`ratel close`): the next one is rated, each partition
  // read on from its saved offset (a partition waiting at a record of it resumes there).
  void next_cycle() {
    const date::year_month next = first_open(store_, worker_->cycle() + date::months(1));
    rate_afresh(next, nullptr);
    log(fmt::format("cycle {} is closed: rating cycle {}", to_string(next - date::months(1)),
                    to_string(next)));
  }

  // The account log changed (accounts_changed): saved, then every partition loaded again with
  // the new histories and read on from where it was saved.
  void follow_account_log() {
    if (!options_.accounts_changed) return;
    std::optional<account_book> changed = options_.accounts_changed();
    if (!changed) return;
    save();
    auto book = std::make_unique<account_book>(std::move(*changed));
    rate_afresh(first_open(store_, worker_->cycle()), book.get());
    owned_accounts_ = std::move(book);  // the old book goes once no worker refers to it
    log("the account log changed: the partitions are loaded again with it");
  }

  // A new worker rates `cycle` (with `accounts`, or the book rated so far), each partition
  // loaded again from the store and read on from its saved offset.
  void rate_afresh(date::year_month next, const account_book* accounts) {
    if (accounts != nullptr) accounts_ = accounts;
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (const rd_kafka_resp_err_t err = rd_kafka_assignment(consumer_.get(), &assigned))
      throw kafka_error(
          fmt::format("cannot list this worker's partitions: {}", rd_kafka_err2str(err)));
    const detail::partition_list owned(assigned);
    for (int i = 0; i < assigned->cnt; ++i) {
      const partition_key key{assigned->elems[i].topic, assigned->elems[i].partition};
      add_counts(key);
    }
    worker_ = std::make_unique<live_worker>(plan_, *accounts_, store_, next, grace());
    for (int i = 0; i < assigned->cnt; ++i) {
      rd_kafka_topic_partition_t& p = assigned->elems[i];
      const std::int64_t from = worker_->assign(p.topic, p.partition);
      p.offset = from > 0 ? from : RD_KAFKA_OFFSET_BEGINNING;
      next_.erase({p.topic, p.partition});
      at_end_.erase({p.topic, p.partition});
      held_.erase({p.topic, p.partition});
    }
    publish_unsent_events();
    unsaved_ = 0;
    if (assigned->cnt == 0) return;
    // Read again from the saved offsets (what is queued from before is dropped), then go on.
    if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), assigned, 10000)) {
      const std::string why = rd_kafka_error_string(error);
      rd_kafka_error_destroy(error);
      throw kafka_error(
          fmt::format("cannot read the partitions again for cycle {}: {}", to_string(next), why));
    }
    for (int i = 0; i < assigned->cnt; ++i)
      if (assigned->elems[i].err)
        throw kafka_error(fmt::format("cannot read {}[{}] again for cycle {}: {}",
                                      assigned->elems[i].topic, assigned->elems[i].partition,
                                      to_string(next), rd_kafka_err2str(assigned->elems[i].err)));
    rd_kafka_resume_partitions(consumer_.get(), assigned);
  }

  // A partition's counts of the worker now rating it, added to the summary's.
  void add_counts(const partition_key& key) {
    const partition_counts& c = worker_->counts(key.first, key.second);
    partition_counts& total = summary_.partitions[key];
    total.handled += c.handled;
    total.rated += c.rated;
    total.late += c.late;
    total.rejected += c.rejected;
    total.duplicates += c.duplicates;
  }

  // Idle: the group gave this worker its partitions (none, if there are more workers than
  // partitions), every one is read to its end, and nothing came for `quiet`. Not while a
  // rebalance is under way: its assignment is empty then, and a worker that left would
  // leave partitions half read.
  bool idle(std::chrono::milliseconds quiet) {
    if (!assigned_once_ || rebalancing_ || clock::now() - last_message_ < quiet) return false;
    rd_kafka_topic_partition_list_t* held = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &held)) return false;
    const detail::partition_list owned(held);
    for (int i = 0; i < held->cnt; ++i)
      if (!at_end_.contains({held->elems[i].topic, held->elems[i].partition})) return false;
    return true;
  }

  static void on_rebalance(rd_kafka_t* handle, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<consume_run*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(handle), "COOPERATIVE") == 0;
    try {
      if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        self->assign(*partitions);
        if (cooperative)
          rd_kafka_error_destroy(rd_kafka_incremental_assign(handle, partitions));
        else
          rd_kafka_assign(handle, partitions);
        // A partition this worker paused before (waiting at the next cycle) stays paused
        // through a rebalance: it is read afresh now.
        rd_kafka_resume_partitions(handle, partitions);
        return;
      }
      self->revoke(*partitions);
    } catch (...) {
      // Not through librdkafka's C frames: run() throws it on its next turn.
      self->failure_ = std::current_exception();
    }
    if (cooperative)
      rd_kafka_error_destroy(rd_kafka_incremental_unassign(handle, partitions));
    else
      rd_kafka_assign(handle, nullptr);
  }

  void assign(rd_kafka_topic_partition_list_t& partitions) {
    assigned_once_ = true;
    rebalancing_ = false;
    for (int i = 0; i < partitions.cnt; ++i) {
      rd_kafka_topic_partition_t& p = partitions.elems[i];
      // Nothing read yet: from the first record the topic still holds.
      const std::int64_t from = worker_->assign(p.topic, p.partition);
      p.offset = from > 0 ? from : RD_KAFKA_OFFSET_BEGINNING;
      summary_.partitions.try_emplace({p.topic, p.partition});
      log(fmt::format("assigned {}[{}] from offset {}", p.topic, p.partition, from));
    }
    publish_unsent_events();
  }

  // Events the loaded accounts fire now and never sent (the account log changed since they
  // were saved): published before anything that follows them is saved.
  void publish_unsent_events() {
    for (const outgoing_message& e : worker_->take_unsent_events()) {
      producer_.produce(options_.events_topic, e.key, e.value);
      ++summary_.events;
    }
  }

  void revoke(rd_kafka_topic_partition_list_t& partitions) {
    rebalancing_ = true;  // until the group assigns again
    // What was rated of them is saved before another worker may load it (unless this worker
    // failed: then nothing more is).
    if (!failed_) save();
    for (int i = 0; i < partitions.cnt; ++i) {
      const rd_kafka_topic_partition_t& p = partitions.elems[i];
      add_counts({p.topic, p.partition});
      worker_->revoke(p.topic, p.partition);
      next_.erase({p.topic, p.partition});
      at_end_.erase({p.topic, p.partition});
      held_.erase({p.topic, p.partition});
      log(fmt::format("revoked {}[{}]", p.topic, p.partition));
    }
  }

  void rethrow_from_callback() {
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

  const consume_options& options_;
  const rule_plan& plan_;
  const account_book* accounts_;                  // the account log's histories
  std::unique_ptr<account_book> owned_accounts_;  // since the log changed (accounts_changed)
  cycle_store& store_;
  std::unique_ptr<live_worker> worker_;  // of the cycle being rated
  detail::checked_producer producer_;
  // Destroyed without leaving the group: run() leaves it, and nothing else may; no
  // rebalance callback may reach a half-destroyed run.
  struct consumer_deleter {
    void operator()(rd_kafka_t* k) const {
      rd_kafka_destroy_flags(k, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
  };
  std::unique_ptr<rd_kafka_t, consumer_deleter> consumer_;
  std::map<partition_key, std::int64_t> next_;  // the next offset of each partition held
  std::set<partition_key> at_end_;              // read to the end, or waiting for the next cycle
  std::set<partition_key> held_;                // paused at a record of the next cycle
  std::int64_t unsaved_ = 0;
  std::int64_t topic_partitions_ = 0;
  clock::time_point last_save_, last_message_, last_check_;
  bool assigned_once_ = false;
  bool rebalancing_ = false;
  bool failed_ = false;
  std::exception_ptr failure_;
  consume_summary summary_;
};

}  // namespace

consume_summary consume(const rule_plan& plan, const account_book& accounts, cycle_store& store,
                        date::year_month cycle, const consume_options& options,
                        const std::atomic<bool>& stop) {
  consume_run run(plan, accounts, store, cycle, options);
  return run.run(stop);
}

}  // namespace ratel
