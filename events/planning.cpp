#include "events/planning.hpp"

#include "core/time.hpp"
#include "core/topics.hpp"

namespace tasks {

namespace {

using json = nlohmann::json;

json nullable(const std::optional<std::string>& s) {
  return s ? json(*s) : json(nullptr);
}
json nullable_time(const std::optional<millis>& t) {
  return t ? json(format_rfc3339(*t)) : json(nullptr);
}

json full_task_data(const Task& t, const std::string& timestamp) {
  return {{"task_id", t.id},          {"user_id", t.user_id},
          {"title", t.title},         {"description", nullable(t.description)},
          {"completed", t.completed}, {"due_date", nullable_time(t.due_date)},
          {"version", t.version},     {"timestamp", timestamp}};
}

PlannedEvent task_event(Action action, const std::optional<Task>& before, const std::optional<Task>& after,
                        const std::string& ts) {
  const std::string topic(topics::task_events);
  switch (action) {
    case Action::created: return {topic, "task.created", full_task_data(*after, ts)};
    case Action::updated: {
      json data = full_task_data(*after, ts);
      data["changed_fields"] = changed_fields(*before, *after);
      return {topic, "task.updated", data};
    }
    case Action::completed:
    case Action::uncompleted:
      return {topic,
              action == Action::completed ? "task.completed" : "task.uncompleted",
              {{"task_id", after->id},
               {"user_id", after->user_id},
               {"title", after->title},
               {"completed", after->completed},
               {"version", after->version},
               {"timestamp", ts}}};
    case Action::deleted: break;
  }
  return {topic,
          "task.deleted",
          {{"task_id", before->id}, {"user_id", before->user_id}, {"version", before->version + 1}, {"timestamp", ts}}};
}

}  // namespace

bool reminder_active(const std::optional<Task>& task) {
  return task && task->due_date && !task->completed;
}

std::vector<std::string> changed_fields(const Task& before, const Task& after) {
  std::vector<std::string> out;
  if (before.title != after.title) out.emplace_back("title");
  if (before.description != after.description) out.emplace_back("description");
  if (before.due_date != after.due_date) out.emplace_back("due_date");
  return out;
}

std::vector<PlannedEvent> plan_events(const std::optional<Task>& before, const std::optional<Task>& after,
                                      Action action, millis at) {
  const std::string ts = format_rfc3339(at);
  const Task& subject = after ? *after : *before;
  const std::int64_t version = after ? after->version : before->version + 1;
  std::vector<PlannedEvent> events;
  events.push_back(task_event(action, before, after, ts));
  events.push_back({std::string(topics::task_updates),
                    "task.sync",
                    {{"task_id", subject.id},
                     {"user_id", subject.user_id},
                     {"action", to_string(action)},
                     {"version", version},
                     {"timestamp", ts}}});

  const bool was_active = reminder_active(before);
  const bool is_active = reminder_active(after);
  const std::string reminders(topics::reminders);
  if (!was_active && is_active) {
    events.push_back({reminders,
                      "reminder.scheduled",
                      {{"task_id", after->id},
                       {"user_id", after->user_id},
                       {"title", after->title},
                       {"due_date", format_rfc3339(*after->due_date)},
                       {"version", version},
                       {"timestamp", ts}}});
  } else if (was_active && is_active && before->due_date != after->due_date) {
    events.push_back({reminders,
                      "reminder.rescheduled",
                      {{"task_id", after->id},
                       {"user_id", after->user_id},
                       {"title", after->title},
                       {"due_date", format_rfc3339(*after->due_date)},
                       {"previous_due_date", format_rfc3339(*before->due_date)},
                       {"version", version},
                       {"timestamp", ts}}});
  } else if (was_active && !is_active) {
    events.push_back(
        {reminders,
         "reminder.cancelled",
         {{"task_id", subject.id}, {"user_id", subject.user_id}, {"version", version}, {"timestamp", ts}}});
  }
  return events;
}

}  // namespace tasks
