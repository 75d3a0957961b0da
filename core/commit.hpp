#pragma once

// What the user actor asks persistence to do, and what comes back.

#include <optional>
#include <string>
#include <vector>

#include "core/outbox.hpp"
#include "core/task.hpp"

namespace tasks {

enum class ChangeKind { insert, update, remove };

// One mutation of one task and every event it produces: both land in one transaction or neither.
struct Commit {
  ChangeKind kind = ChangeKind::insert;
  Task task;                          // the task after the change (for remove: as it was)
  std::int64_t expected_version = 0;  // update/remove: the version read before the change
  std::vector<OutboxEvent> events;
};

enum class StoreStatus {
  ok,
  not_found,    // the task does not exist (or belongs to someone else)
  conflict,     // the task's version moved since it was read (another writer)
  unavailable,  // the database failed; nothing was written
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
};

}  // namespace tasks
