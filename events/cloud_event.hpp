#pragma once

// The CloudEvents 1.0 envelope (structured JSON mode) and the outbox rows made from it.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/outbox.hpp"
#include "events/planning.hpp"

namespace tasks {

// What every event of one request shares.
struct EnvelopeContext {
  std::string source;           // TASKS_EVENT_SOURCE
  std::string correlation_id;   // the request's X-Correlation-ID
  std::string traceparent;      // the request's W3C traceparent (its own or the one taskd started)
  std::string tracestate = {};  // the request's W3C tracestate, or empty
};

// The envelope with `dataschema` (events/data_schema.hpp) and the distributed-tracing extension:
// `traceparent` and `traceid` (the same W3C value) and `tracestate` when there is one. Dapr
// overwrites the trace fields of an event without `traceid` (with "" when the publish carries no
// traceparent header), so both are set.
nlohmann::json make_cloud_event(const std::string& id, const std::string& type, const std::string& subject, millis time,
                                const EnvelopeContext& context, nlohmann::json data);

// make_cloud_event(...).dump() written directly, without building the envelope's tree (a third
// of an event's cost when it was built as a tree).
std::string cloud_event_text(const std::string& id, const std::string& type, const std::string& subject, millis time,
                             const EnvelopeContext& context, const nlohmann::json& data);

// Attribute names: lower-case letters and digits only, 1 to 20 characters (CloudEvents 1.0).
bool valid_attribute_name(std::string_view name);

// Everything wrong with an envelope (empty when it is a valid CloudEvent as this service emits it).
std::vector<std::string> envelope_problems(const nlohmann::json& event);

// Turns a change's planned events into outbox rows: fresh event ids, the user as partition key.
std::vector<OutboxEvent> build_outbox_events(const std::vector<PlannedEvent>& planned, const std::string& task_id,
                                             const std::string& user_id, millis time, const EnvelopeContext& context);

}  // namespace tasks
