#include "events/cloud_event.hpp"

#include "core/ids.hpp"
#include "core/json_text.hpp"
#include "core/time.hpp"
#include "events/data_schema.hpp"

namespace tasks {

nlohmann::json make_cloud_event(const std::string& id, const std::string& type, const std::string& subject, millis time,
                                const EnvelopeContext& context, nlohmann::json data) {
  nlohmann::json event = {
      {"specversion", "1.0"},
      {"id", id},
      {"source", context.source},
      {"type", type},
      {"time", format_rfc3339(time)},
      {"subject", subject},
      {"datacontenttype", "application/json"},
      {"correlationid", context.correlation_id},
      {"data", std::move(data)},
  };
  if (const auto schema = data_schema_uri(type); !schema.empty()) event["dataschema"] = schema;
  // The distributed-tracing extension. `traceid` is what makes daprd keep our values: on an
  // event without it daprd writes its own (an empty string when it has no span).
  if (!context.traceparent.empty()) {
    event["traceparent"] = context.traceparent;
    event["traceid"] = context.traceparent;
  }
  if (!context.tracestate.empty()) event["tracestate"] = context.tracestate;
  return event;
}

bool valid_attribute_name(std::string_view name) {
  if (name.empty() || name.size() > 20) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::vector<std::string> envelope_problems(const nlohmann::json& event) {
  std::vector<std::string> problems;
  if (!event.is_object()) return {"the event is not a JSON object"};
  for (const char* required : {"specversion", "id", "source", "type"}) {
    auto it = event.find(required);
    if (it == event.end() || !it->is_string() || it->get<std::string>().empty())
      problems.push_back(std::string("missing or empty required attribute '") + required + "'");
  }
  if (event.value("specversion", "") != "1.0") problems.emplace_back("specversion is not 1.0");
  for (const auto& [key, value] : event.items()) {
    if (key == "data") continue;
    if (!valid_attribute_name(key)) problems.push_back("invalid attribute name '" + key + "'");
    if (!value.is_string() && !value.is_number_integer() && !value.is_boolean())
      problems.push_back("attribute '" + key + "' is not a string, integer or boolean");
  }
  if (auto it = event.find("time"); it != event.end() && (!it->is_string() || !parse_rfc3339(it->get<std::string>())))
    problems.emplace_back("time is not an RFC 3339 timestamp");
  if (event.contains("data") && event.value("datacontenttype", "") != "application/json")
    problems.emplace_back("data without datacontenttype application/json");
  return problems;
}

std::string cloud_event_text(const std::string& id, const std::string& type, const std::string& subject, millis time,
                             const EnvelopeContext& context, const nlohmann::json& data) {
  // The members in the order nlohmann's (sorted) object writes them, so that the text is the
  // same as make_cloud_event(...).dump(): unit `cloud_event/text_is_the_envelope_dumped`.
  std::string out;
  out.reserve(460 + 2 * context.traceparent.size() + context.tracestate.size());
  out += "{\"correlationid\":";
  append_json_string(out, context.correlation_id);
  out += ",\"data\":";
  out += data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  append_json_member(out, "datacontenttype", "application/json");
  if (const auto schema = data_schema_uri(type); !schema.empty()) append_json_member(out, "dataschema", schema);
  append_json_member(out, "id", id);
  append_json_member(out, "source", context.source);
  append_json_member(out, "specversion", "1.0");
  append_json_member(out, "subject", subject);
  append_json_member(out, "time", format_rfc3339(time));
  if (!context.traceparent.empty()) {
    append_json_member(out, "traceid", context.traceparent);
    append_json_member(out, "traceparent", context.traceparent);
  }
  if (!context.tracestate.empty()) append_json_member(out, "tracestate", context.tracestate);
  append_json_member(out, "type", type);
  out += '}';
  return out;
}

std::vector<OutboxEvent> build_outbox_events(const std::vector<PlannedEvent>& planned, const std::string& task_id,
                                             const std::string& user_id, millis time, const EnvelopeContext& context) {
  std::vector<OutboxEvent> out;
  out.reserve(planned.size());
  for (const auto& p : planned) {
    OutboxEvent e;
    e.topic = p.topic;
    e.event_id = new_uuid();
    e.event_type = p.type;
    e.partition_key = user_id;
    e.task_id = task_id;
    e.correlation_id = context.correlation_id;
    e.traceparent = context.traceparent;
    e.payload = cloud_event_text(e.event_id, p.type, task_id, time, context, p.data);
    e.created_at = time;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tasks
