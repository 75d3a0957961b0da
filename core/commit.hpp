#pragma once

// What the user actor asks persistence to do, and what comes back.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/outbox.hpp"
#include "core/task.hpp"

namespace tasks {

enum class ChangeKind { insert, update, remove };

// The first answer to a mutation sent with an Idempotency-Key, stored in the same transaction
// as the change, so that a retry gets this answer instead of a second change.
struct IdempotencyRecord {
  std::string user_id, key;
  std::string fingerprint;  // of the request it came with
  int status = 0;           // the HTTP status answered
  std::string body;         // the body answered (empty for 204)
  std::string location;     // the Location header answered ("" when none)
  millis created_at = 0;
  millis expires_at = 0;  // after this the key is forgotten (TASKS_IDEMPOTENCY_TTL)
};

// A point on the steady clock after which a piece of work is not started any more.
struct Deadline {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();
  bool passed() const { return std::chrono::steady_clock::now() >= at; }
};

// One mutation of one task and every event it produces: both land in one transaction or neither.
struct Commit {
  ChangeKind kind = ChangeKind::insert;
  Task task;                          // the task after the change (for remove: as it was)
  std::int64_t expected_version = 0;  // update/remove: the version read before the change
  std::vector<OutboxEvent> events;
  // The request's deadline: a commit is never started after it, and the transaction it runs in
  // is bounded by it (then it is answered `expired` with nothing written).
  Deadline deadline = {};
  std::optional<IdempotencyRecord> idempotency = {};  // written first, in the same transaction
};

enum class StoreStatus {
  ok,
  not_found,       // the task does not exist (or belongs to someone else)
  conflict,        // the task's version moved since it was read (another writer)
  unavailable,     // the database failed; nothing was written
  expired,         // the deadline passed before it could be written; nothing was written
  quota_exceeded,  // an insert past the user's task quota; nothing was written
  duplicate_key,   // the Idempotency-Key is already recorded (a concurrent twin); nothing written
};

const char* to_string(StoreStatus status);

struct CommitOutcome {
  StoreStatus status = StoreStatus::ok;
  std::string error;  // for unavailable
};

struct LoadOutcome {
  StoreStatus status = StoreStatus::ok;
  std::optional<Task> task;
  std::string error;
};

struct ListOutcome {
  StoreStatus status = StoreStatus::ok;
  std::vector<Task> tasks;
  std::string error;
  // The position after the last task returned, when the page is full (a next page may follow):
  // what a keyset cursor encodes (ListQuery::after).
  std::optional<std::int64_t> next_after = {};
};

// The answer recorded for an Idempotency-Key (status ok), or none (not_found).
struct KeyOutcome {
  StoreStatus status = StoreStatus::ok;
  std::optional<IdempotencyRecord> record;
  std::string error;
};

}  // namespace tasks
