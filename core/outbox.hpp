#pragma once

// Outbox rows: one event waiting to be published. Persistence stores them opaquely (topic,
// key, payload and a few columns for operators); events/ builds and publishes them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"

namespace tasks {

// An event written in the same transaction as the change that caused it.
struct OutboxEvent {
  std::string topic;
  std::string event_id;       // the CloudEvent id, stable across retries
  std::string event_type;     // e.g. task.created, for logs and the admin API
  std::string partition_key;  // the user id: one user's events stay in order
  std::string task_id;
  std::string correlation_id;
  std::string traceparent;  // forwarded to the sidecar; empty when the request had none
  std::string payload;      // the complete CloudEvent JSON
  millis created_at = 0;
};

// A stored outbox row with its delivery bookkeeping.
struct OutboxRow {
  std::int64_t id = 0;  // monotonically increasing: commit order
  OutboxEvent event;
  std::int64_t attempts = 0;  // every failed attempt, whoever's fault
  std::string last_error;
  millis next_attempt_at = 0;
  // The start of the event's current run of failures of its own (0: none): what
  // TASKS_PUBLISH_MAX_AGE is measured against. Topic-wide trouble resets it.
  millis first_failed_at = 0;
  // Its lane (topic, user): how often the lane's head failed for itself in a row (the lane's
  // backoff exponent), and the event id of the dead letter the lane waits behind ("" when none).
  std::int64_t lane_failures = 0;
  std::string waiting_behind;
  // The bucket of its user and the epoch of this replica's lease on it when it was fetched: the
  // fencing token its settle must still hold (-1: not fetched under a lease).
  std::int32_t bucket = -1;
  std::int64_t epoch = 0;
};

// A dead-lettered event, kept until redriven or discarded. It stops its lane (topic, user):
// that user's later events on the topic wait behind it.
struct DeadLetter {
  std::int64_t id = 0;
  OutboxEvent event;
  std::int64_t attempts = 0;
  std::string reason;
  millis dead_at = 0;
};

// A dead letter an operator (or the retention) gave up on: what it was, who, when and why.
struct DiscardedEvent {
  std::int64_t id = 0;
  OutboxEvent event;  // payload not kept
  std::int64_t attempts = 0;
  std::string dead_reason;  // why it was dead-lettered
  millis dead_at = 0;
  millis discarded_at = 0;
  std::string discarded_by;  // the operator's name as given, or "retention"
  std::string note;          // the operator's reason
};

// A lane (topic, user) stopped by a dead letter.
struct BlockedLane {
  std::string topic, user_id;
  std::int64_t dead_letter_id = 0;  // the outbox id the dead letter keeps
  std::string event_id, event_type, task_id;
  millis since = 0;
  std::string reason;
  std::int64_t waiting = 0;  // the user's later events of the topic waiting behind it
};

// What one delivery round did to the rows it fetched; persistence applies it in one transaction.
// Every entry names its lane (the user) so that the lane's state moves with it.
struct DeliveryReport {
  std::string topic;
  struct Delivered {
    std::int64_t id = 0;
    std::string user_id;
    std::int32_t bucket = -1;
  };
  std::vector<Delivered> delivered;  // answered 204: removed from the outbox
  struct Retry {
    std::int64_t id = 0;
    std::string user_id;
    std::int64_t attempts = 0;
    std::string error;
    millis next_attempt_at = 0;  // of the row (shown to operators)
    // The lane backs off (a failure of this user's events): its head waits until
    // next_attempt_at, its failure count becomes lane_failures. Otherwise (topic-wide trouble,
    // which the publisher backs off itself) the lane keeps no delay and its count resets.
    bool lane_backoff = false;
    std::int64_t lane_failures = 0;
    millis first_failed_at = 0;  // the row's own-failure clock after this attempt (0: reset)
    std::int32_t bucket = -1;
  };
  std::vector<Retry> retries;  // failed, will be tried again
  struct Dead {
    std::int64_t id = 0;
    std::string user_id;
    std::int64_t attempts = 0;
    std::string reason;
    std::int32_t bucket = -1;
  };
  std::vector<Dead> dead;            // moved to the dead-letter table; each stops its lane
  std::vector<std::string> recount;  // lanes a fetch found without the rows they count
  // Fencing: the epoch of each bucket's lease the rows were fetched under. An entry is applied
  // only while this replica still holds its bucket at that epoch; otherwise another replica
  // owns the rows now and the entry changes nothing (its event may go out once more, after).
  std::map<std::int32_t, std::int64_t> leases;
  bool empty() const { return delivered.empty() && retries.empty() && dead.empty() && recount.empty(); }
};

// The rows a publisher may send now: the first rows of lanes that are neither backing off nor
// stopped by a dead letter, lanes with the oldest head first, each lane's rows in id order.
struct OutboxFetch {
  bool ok = true;
  std::vector<OutboxRow> rows;
  std::string error;
  std::vector<std::string> empty_lanes;  // lanes that count rows they do not have (to recount)
  // How long the leases these rows come under still hold, from when the fetch was asked: no
  // publish call may start after that (0 when no rows).
  std::int64_t lease_ms = 0;
  bool paused = false;  // the topic is paused for the whole service (topic_controls)
};

// One topic's backlog, read from the lanes table and two index lookups: the same cost at any
// number of pending rows.
struct OutboxBacklog {
  std::string topic;
  std::int64_t pending = 0;
  millis oldest_created_at = 0;  // 0 when nothing is pending
  std::int64_t lanes = 0;        // users with pending events
  std::int64_t lanes_backing_off = 0;
  std::int64_t lanes_blocked = 0;  // stopped by a dead letter
  std::int64_t dead_letters = 0;
  millis oldest_dead_at = 0;  // 0 when there are none
};

}  // namespace tasks
