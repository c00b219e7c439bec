// ratel/kafka/consumer.hpp: `ratel consume`, a Kafka consumer-group worker rating usage
// records as they arrive (DESIGN 6, D28).
//
// Concept: the worker joins a consumer group on the usage topic (messages keyed by
// subscriber, one usage record each as JSON). The group gives it partitions; for each it
// loads the accounts' open cycles and the offset its last owner saved in the store, and
// reads on from there (kafka/live_worker.hpp does the rating). Each message's threshold
// events go to the events topic and a malformed or refused message to the rejects topic,
// both keyed by subscriber. Every `save_every` messages (or `save_interval`), and before a
// partition is given up, the worker waits until the brokers have acknowledged every event
// and reject, then saves the accounts and offsets in one store transaction, then commits
// the offsets to Kafka as well (so the group's lag shows): an event is in its topic before
// any record after its trigger is committed, and a restart resumes exactly at the durable
// state. A worker killed in between republishes the events of the records it reads again,
// with the same ids.
//
// Month after month: the worker rates one open cycle. A record of a later cycle holds its
// partition there (paused, its state saved at once), so none is lost or rated out of its
// cycle; once `ratel close` has closed the cycle (close_live_cycle, which reads the saved
// state in its own transaction), the worker notices within `save_interval` and rates the
// next cycle from each partition's saved offset. With a grace period (close_after), the
// worker reads on past the next cycle's first records while they are within the grace, and
// the group closes the cycle by itself once every partition has reached the grace's end, in
// record time: a partition that never gets a record past it holds the close back (`ratel
// close` closes it by hand). A record of a closed cycle is late: kept
// with its account, and billed as adjustments by the next close (D25, live_worker.hpp).
//
//   consume_options o;
//   o.kafka.brokers = "localhost:9092";
//   consume_summary s = consume(plan, accounts, *store, date::year(2019) / 8, o, stop);
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ratel/kafka/kafka_settings.hpp"
#include "ratel/kafka/live_worker.hpp"

namespace ratel {

struct consume_options {
  kafka_settings kafka;
  std::string group = "ratel";
  std::string usage_topic = "usage";
  std::string events_topic = "ratel-events";
  std::string rejects_topic = "ratel-rejects";
  std::int64_t save_every = 1000;                 ///< messages between saves
  std::chrono::milliseconds save_interval{1000};  ///< at most this long between saves
  /// Stop once every partition the worker holds is read to its end and no message came for
  /// this long (a run over what a topic holds); none: run until `stop`.
  std::optional<std::chrono::milliseconds> stop_when_idle;
  /// A grace period in record time: the worker reads on past records of the next cycle
  /// dated less than this after its cycle's end (live_worker.hpp), and the cycle is closed
  /// (close_live_cycle, with `close_inputs`; `store_name` names the store in messages) once
  /// every partition of the topic has reached a record at or past it. None: records of the
  /// next cycle wait from the first, and `ratel close` closes the cycle.
  std::optional<std::chrono::seconds> close_after;
  cycle_inputs close_inputs;
  std::string store_name = "the store";
  /// Where the account log comes from when it changes while the worker runs (a store's log,
  /// store/account_log_in_store.hpp; a topic; a backend's own database): asked every
  /// `save_interval`, it returns the new histories when the log changed since it last did,
  /// nothing otherwise. The worker then saves, and loads its partitions again with them (an
  /// event that the new histories make fire on records saved before is published then).
  /// None: the histories given to consume() hold for the whole run.
  std::function<std::optional<account_book>()> accounts_changed;
  /// Progress lines (assignments, revocations, saves), if wanted.
  std::function<void(std::string_view)> log;
};

/// What one worker did, per partition it held (counts since it was last assigned it).
struct consume_summary {
  std::map<std::pair<std::string, std::int32_t>, partition_counts> partitions;
  std::int64_t events = 0;   ///< event messages published
  std::int64_t rejects = 0;  ///< reject messages published
  std::int64_t saves = 0;    ///< store transactions
  std::int64_t closes = 0;   ///< cycles this worker closed after their grace (close_after)
  /// When the first and the last usage message were taken (none: no message came), on the
  /// system clock, so that the workers of a group can be timed together.
  std::optional<std::chrono::system_clock::time_point> first_message, last_message;
};

/// Runs the worker from `cycle` (or the first cycle after it the store has not closed) until
/// `stop` is set (a signal) or, with stop_when_idle, the topic is read. Saves before it
/// returns. Throws kafka_error (Kafka failed it: nothing unpublished was
/// saved), partition_moved (another worker took a partition and saved: this one is stale)
/// or store_error.
consume_summary consume(const rule_plan& plan, const account_book& accounts, cycle_store& store,
                        date::year_month cycle, const consume_options& options,
                        const std::atomic<bool>& stop);

}  // namespace ratel
