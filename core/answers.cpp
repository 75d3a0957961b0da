#include "core/answers.hpp"

#include "core/json_text.hpp"
#include "core/time.hpp"

namespace tasks {

// to_json(task).dump() written directly (the tree cost as much as the rest of the answer):
// unit `answers/task_body_is_the_task_json_dumped`.
std::string task_body(const Task& task) {
  std::string out;
  out.reserve(256 + task.title.size() + (task.description ? task.description->size() : 0));
  out += "{\"id\":";
  append_json_string(out, task.id);
  append_json_member(out, "user_id", task.user_id);
  append_json_member(out, "title", task.title);
  out += ",\"description\":";
  if (task.description)
    append_json_string(out, *task.description);
  else
    out += "null";
  out += task.completed ? ",\"completed\":true" : ",\"completed\":false";
  out += ",\"due_date\":";
  if (task.due_date)
    append_json_string(out, format_rfc3339(*task.due_date));
  else
    out += "null";
  append_json_member(out, "created_at", format_rfc3339(task.created_at));
  append_json_member(out, "updated_at", format_rfc3339(task.updated_at));
  out += ",\"version\":";
  out += std::to_string(task.version);
  out += '}';
  return out;
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
