#pragma once

// Outbox rows: one event waiting to be published. Persistence stores them opaquely (topic,
// key, payload and a few columns for operators); events/ builds and publishes them.

#include <cstdint>
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
  std::int64_t attempts = 0;
  std::string last_error;
  millis next_attempt_at = 0;
};

// A dead-lettered event, kept until redriven.
struct DeadLetter {
  std::int64_t id = 0;
  OutboxEvent event;
  std::int64_t attempts = 0;
  std::string reason;
  millis dead_at = 0;
};

// What one delivery round did to the rows it fetched; persistence applies it in one transaction.
struct DeliveryReport {
  std::vector<std::int64_t> delivered;  // answered 204: removed from the outbox
  struct Retry {
    std::int64_t id = 0;
    std::int64_t attempts = 0;
    std::string error;
    millis next_attempt_at = 0;
  };
  std::vector<Retry> retries;  // failed, will be tried again
  struct Dead {
    std::int64_t id = 0;
    std::int64_t attempts = 0;
    std::string reason;
  };
  std::vector<Dead> dead;  // moved to the dead-letter table
  bool empty() const { return delivered.empty() && retries.empty() && dead.empty(); }
};

// The rows a publisher may send now: due, and not behind a waiting row of the same user.
struct OutboxFetch {
  bool ok = true;
  std::vector<OutboxRow> rows;
  std::string error;
};

// One topic's backlog.
struct OutboxBacklog {
  std::string topic;
  std::int64_t pending = 0;
  millis oldest_created_at = 0;  // 0 when nothing is pending
};

}  // namespace tasks
