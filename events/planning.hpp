#pragma once

// Event planning (contract §4): a pure function from a change to the events it produces.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"

namespace tasks {

struct PlannedEvent {
  std::string topic;
  std::string type;
  nlohmann::json data;
};

// `before` is the task as it was (none for create), `after` as it is now (none for delete);
// `at` is the moment of the change, which becomes every event's `timestamp`. Events come out in
// the order they are written: task-events, then task-updates, then reminders.
std::vector<PlannedEvent> plan_events(const std::optional<Task>& before, const std::optional<Task>& after,
                                      Action action, millis at);

// A task's reminder is active while it exists, has a due date and is not completed.
bool reminder_active(const std::optional<Task>& task);

// The names of the fields whose values differ between two versions of a task.
std::vector<std::string> changed_fields(const Task& before, const Task& after);

}  // namespace tasks
