#pragma once

// The three topics (contract §4); each has its own publisher actor.

#include <array>
#include <string_view>

namespace tasks::topics {

inline constexpr std::string_view task_events = "task-events";
inline constexpr std::string_view task_updates = "task-updates";
inline constexpr std::string_view reminders = "reminders";

inline constexpr std::array<std::string_view, 3> all = {task_events, task_updates, reminders};

}  // namespace tasks::topics
