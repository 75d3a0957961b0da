#include <boost/test/unit_test.hpp>
#include <set>

#include "core/time.hpp"
#include "events/cloud_event.hpp"
#include "events/data_schema.hpp"
#include "events/planning.hpp"

using namespace tasks;

namespace {
constexpr millis at = 1796115600123LL;
const std::string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
const EnvelopeContext ctx{"tasks-backend", "corr-1", traceparent};
}  // namespace

BOOST_AUTO_TEST_SUITE(cloud_event)

BOOST_AUTO_TEST_CASE(has_every_required_attribute) {
  auto e = make_cloud_event("id-1", "task.created", "task-1", at, ctx, {{"x", 1}});
  BOOST_TEST(e["specversion"] == "1.0");
  BOOST_TEST(e["id"] == "id-1");
  BOOST_TEST(e["source"] == "tasks-backend");
  BOOST_TEST(e["type"] == "task.created");
  BOOST_TEST(e["subject"] == "task-1");
  BOOST_TEST(e["datacontenttype"] == "application/json");
  BOOST_TEST(e["correlationid"] == "corr-1");
  BOOST_TEST(e["data"]["x"] == 1);
  BOOST_TEST(e["traceparent"] == traceparent);
  BOOST_TEST(!e.contains("tracestate"));
  BOOST_TEST(e["dataschema"] == "urn:tasks:schemas:events:v1:task.created");
  BOOST_TEST(envelope_problems(e).empty());
}

// Every type taskd plans names the schema of its data: urn:tasks:schemas:events:v1:<type>, the
// `$id` of schemas/events/v1/<type>.json (the ctest event_schemas_check resolves every event's).
BOOST_AUTO_TEST_CASE(every_planned_type_names_its_data_schema) {
  Task t;
  t.id = "task-1";
  t.user_id = "alice";
  t.title = "a";
  t.version = 1;
  Task due = t;
  due.due_date = at;
  Task later = due;
  later.due_date = at + 1000;
  later.version = 2;
  Task done = later;
  done.completed = true;
  std::set<std::string> types;
  for (const auto& events :
       {plan_events(std::nullopt, due, Action::created, at), plan_events(due, later, Action::updated, at),
        plan_events(later, done, Action::completed, at), plan_events(done, later, Action::uncompleted, at),
        plan_events(later, std::nullopt, Action::deleted, at)})
    for (const auto& p : events) {
      types.insert(p.type);
      BOOST_TEST(data_schema_uri(p.type) == "urn:tasks:schemas:events:v1:" + p.type);
      const auto e = nlohmann::json::parse(cloud_event_text("id", p.type, t.id, at, ctx, p.data));
      BOOST_TEST(e["dataschema"] == "urn:tasks:schemas:events:v1:" + p.type);
    }
  BOOST_TEST(types.size() == 9u);  // every type of contract section 4
  BOOST_TEST(data_schema_uri("no.such").empty());
}

BOOST_AUTO_TEST_CASE(time_is_rfc3339_utc) {
  auto e = make_cloud_event("id", "t", "s", at, ctx, nlohmann::json::object());
  BOOST_TEST(e["time"] == "2026-12-01T09:00:00.123Z");
  BOOST_TEST(*parse_rfc3339(e["time"].get<std::string>()) == at);
}

// daprd keeps the trace fields of an event only when it has a `traceid`: both are the same value.
BOOST_AUTO_TEST_CASE(carries_the_traceparent_and_an_equal_traceid) {
  EnvelopeContext traced{"src", "c", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"};
  auto e = make_cloud_event("id", "t", "s", at, traced, nlohmann::json::object());
  BOOST_TEST(e["traceparent"] == traced.traceparent);
  BOOST_TEST(e["traceid"] == traced.traceparent);
  BOOST_TEST(!e.contains("tracestate"));
  BOOST_TEST(envelope_problems(e).empty());
}

BOOST_AUTO_TEST_CASE(carries_the_tracestate_when_given) {
  EnvelopeContext traced{"src", "c", traceparent, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"};
  auto e = make_cloud_event("id", "t", "s", at, traced, nlohmann::json::object());
  BOOST_TEST(e["traceparent"] == traceparent);
  BOOST_TEST(e["traceid"] == traceparent);
  BOOST_TEST(e["tracestate"] == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  BOOST_TEST(envelope_problems(e).empty());
}

BOOST_AUTO_TEST_CASE(attribute_names_follow_the_spec) {
  BOOST_TEST(valid_attribute_name("correlationid"));
  BOOST_TEST(valid_attribute_name("a1"));
  BOOST_TEST(!valid_attribute_name("correlationId"));
  BOOST_TEST(!valid_attribute_name("correlation_id"));
  BOOST_TEST(!valid_attribute_name(""));
  BOOST_TEST(!valid_attribute_name("abcdefghijklmnopqrstu"));  // 21 characters
  auto e = make_cloud_event("id", "t", "s", at, ctx, nlohmann::json::object());
  for (const auto& [key, _] : e.items()) BOOST_TEST(valid_attribute_name(key), key);
}

BOOST_AUTO_TEST_CASE(problems_are_found) {
  BOOST_TEST(!envelope_problems({{"id", "x"}}).empty());
  BOOST_TEST(!envelope_problems({{"specversion", "0.3"}, {"id", "x"}, {"source", "s"}, {"type", "t"}}).empty());
  BOOST_TEST(!envelope_problems({{"specversion", "1.0"}, {"id", "x"}, {"source", "s"}, {"type", "t"}, {"bad_name", 1}})
                  .empty());
  BOOST_TEST(!envelope_problems({{"specversion", "1.0"}, {"id", "x"}, {"source", "s"}, {"type", "t"}, {"time", "now"}})
                  .empty());
}

BOOST_AUTO_TEST_CASE(outbox_rows_carry_key_ids_and_the_envelope) {
  std::vector<PlannedEvent> planned = {{"task-events", "task.created", {{"a", 1}}},
                                       {"task-updates", "task.sync", {{"b", 2}}}};
  EnvelopeContext traced{"tasks-backend", "corr-9", traceparent, "congo=t61rcWkgMzE"};
  auto rows = build_outbox_events(planned, "task-1", "alice", at, traced);
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0].event_id != rows[1].event_id);
  for (const auto& r : rows) {
    BOOST_TEST(r.partition_key == "alice");
    BOOST_TEST(r.task_id == "task-1");
    BOOST_TEST(r.correlation_id == "corr-9");
    BOOST_TEST(r.traceparent == traced.traceparent);
    BOOST_TEST(r.created_at == at);
    auto e = nlohmann::json::parse(r.payload);
    BOOST_TEST(envelope_problems(e).empty());
    BOOST_TEST(e["id"] == r.event_id);
    BOOST_TEST(e["type"] == r.event_type);
    BOOST_TEST(e["subject"] == "task-1");
    BOOST_TEST(e["traceparent"] == traceparent);
    BOOST_TEST(e["traceid"] == traceparent);
    BOOST_TEST(e["tracestate"] == "congo=t61rcWkgMzE");
  }
  BOOST_TEST(rows[0].topic == "task-events");
  BOOST_TEST(rows[1].topic == "task-updates");
}

// cloud_event_text writes the envelope without its tree: the same bytes as the tree dumped, for
// every shape of context and for strings that need escaping or are not valid UTF-8.
BOOST_AUTO_TEST_CASE(text_is_the_envelope_dumped) {
  const nlohmann::json data = {{"title", "caf\xc3\xa9 \"quoted\" \\ back\nslash"},
                               {"n", 3},
                               {"none", nullptr},
                               {"bad", "\xff\xfe tail"},
                               {"list", {"a", "b"}}};
  const std::vector<EnvelopeContext> contexts = {
      {"tasks-backend", "corr-1", ""},
      {"tasks-backend", "corr-1", traceparent},
      {"https://tasks.example/api", "c\"o\\r\tr", traceparent, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"},
      {"src\xc3\xa9", "\xc3", "", "only=state"},
      {"", "", "", ""},
  };
  for (const auto& context : contexts) {
    for (const auto& id : {std::string("0b0d2f5e-6a43-4c44-9d0c-3f5ad1f2c1b7"), std::string("id with \x01 control")}) {
      const auto expected = make_cloud_event(id, "task.updated", "task-1", at, context, data)
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      BOOST_TEST(cloud_event_text(id, "task.updated", "task-1", at, context, data) == expected);
      // A type without a schema has no dataschema, in the tree as in the text.
      BOOST_TEST(cloud_event_text(id, "other", "task-1", at, context, data) ==
                 make_cloud_event(id, "other", "task-1", at, context, data)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
