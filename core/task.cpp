#include "core/task.hpp"

namespace tasks {

const char* to_string(Action action) {
  switch (action) {
    case Action::created: return "created";
    case Action::updated: return "updated";
    case Action::completed: return "completed";
    case Action::uncompleted: return "uncompleted";
    case Action::deleted: return "deleted";
  }
  return "unknown";
}

std::vector<std::string> apply_patch(Task& task, const TaskPatch& patch) {
  std::vector<std::string> changed;
  if (patch.title && *patch.title != task.title) {
    task.title = *patch.title;
    changed.emplace_back("title");
  }
  if (patch.description && *patch.description != task.description) {
    task.description = *patch.description;
    changed.emplace_back("description");
  }
  if (patch.due_date && *patch.due_date != task.due_date) {
    task.due_date = *patch.due_date;
    changed.emplace_back("due_date");
  }
  return changed;
}

}  // namespace tasks
