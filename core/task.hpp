#pragma once

// The domain: a task, the requests that change it, and the actions that name those changes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tasks {

// Milliseconds since the Unix epoch, UTC. Every time in the system is one of these.
using millis = std::int64_t;

struct Task {
  std::string id;  // lower-case UUID
  std::string user_id;
  std::string title;
  std::optional<std::string> description;
  bool completed = false;
  std::optional<millis> due_date;
  millis created_at = 0;
  millis updated_at = 0;
  std::int64_t version = 1;

  friend bool operator==(const Task&, const Task&) = default;
};

// The fields a client may give on create (already validated and normalised).
struct NewTask {
  std::string title;
  std::optional<std::string> description;
  std::optional<millis> due_date;
};

// A PATCH: an outer empty optional means "not given", an inner empty one means "set to null".
struct TaskPatch {
  std::optional<std::string> title;
  std::optional<std::optional<std::string>> description;
  std::optional<std::optional<millis>> due_date;
};

// GET /tasks query: a page by offset, or (keyset) the page after a position a previous page
// returned; never both.
struct ListQuery {
  std::optional<bool> completed;
  std::int64_t limit = 100;
  std::int64_t offset = 0;
  std::optional<std::int64_t> after = {};  // decoded from the `after` cursor (core/list_cursor)
};

// What a mutation did; also the `action` of task.sync events.
enum class Action { created, updated, completed, uncompleted, deleted };

const char* to_string(Action action);

// Applies a validated patch; returns the names of the fields whose values changed.
std::vector<std::string> apply_patch(Task& task, const TaskPatch& patch);

}  // namespace tasks
