#include "core/answers.hpp"

#include "core/task_json.hpp"

namespace tasks {

std::string task_body(const Task& task) {
  return to_json(task).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

StoredAnswer success_answer(ReplyStatus status, const std::optional<Task>& task) {
  switch (status) {
    case ReplyStatus::created: return {201, task ? task_body(*task) : "", task ? "/api/v1/tasks/" + task->id : ""};
    case ReplyStatus::deleted: return {204, "", ""};
    default: return {200, task ? task_body(*task) : "", ""};
  }
}

KeyVerdict judge_key(const std::optional<IdempotencyRecord>& recorded, const std::string& fingerprint) {
  if (!recorded) return KeyVerdict::proceed;
  return recorded->fingerprint == fingerprint ? KeyVerdict::replay : KeyVerdict::mismatch;
}

}  // namespace tasks
