#include "events/data_schema.hpp"

#include <array>
#include <utility>

namespace tasks {

namespace {

// Constants, so that writing an envelope costs one lookup among nine and no formatting.
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> schemas = {{
    {"task.created", "urn:tasks:schemas:events:v1:task.created"},
    {"task.updated", "urn:tasks:schemas:events:v1:task.updated"},
    {"task.completed", "urn:tasks:schemas:events:v1:task.completed"},
    {"task.uncompleted", "urn:tasks:schemas:events:v1:task.uncompleted"},
    {"task.deleted", "urn:tasks:schemas:events:v1:task.deleted"},
    {"task.sync", "urn:tasks:schemas:events:v1:task.sync"},
    {"reminder.scheduled", "urn:tasks:schemas:events:v1:reminder.scheduled"},
    {"reminder.rescheduled", "urn:tasks:schemas:events:v1:reminder.rescheduled"},
    {"reminder.cancelled", "urn:tasks:schemas:events:v1:reminder.cancelled"},
}};

}  // namespace

std::string_view data_schema_uri(std::string_view type) {
  for (const auto& [name, uri] : schemas)
    if (name == type) return uri;
  return {};
}

}  // namespace tasks
