#include "core/task_json.hpp"

#include "core/time.hpp"

namespace tasks {

nlohmann::ordered_json to_json(const Task& task) {
  using json = nlohmann::ordered_json;
  return {
      {"id", task.id},
      {"user_id", task.user_id},
      {"title", task.title},
      {"description", task.description ? json(*task.description) : json(nullptr)},
      {"completed", task.completed},
      {"due_date", task.due_date ? json(format_rfc3339(*task.due_date)) : json(nullptr)},
      {"created_at", format_rfc3339(task.created_at)},
      {"updated_at", format_rfc3339(task.updated_at)},
      {"version", task.version},
  };
}

}  // namespace tasks
