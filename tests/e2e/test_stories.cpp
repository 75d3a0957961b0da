// The seed's user stories, checked where downstream services see them: on the Kafka topics.
//   Story 1 (task-events): created, updated (with changed fields), completed, uncompleted,
//                          deleted, and an update that changes nothing.
//   Story 2 (task-updates): a task.sync for every mutation, in version order.
//   Story 3 (reminders): scheduled, rescheduled, cancelled.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/checks.hpp"
#include "tests/e2e/e2e.hpp"

using namespace tasks::testing;
using nlohmann::json;

namespace {
const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
std::vector<std::string> with(const std::string& correlation) {
  return {"X-Correlation-ID: " + correlation, "traceparent: " + traceparent};
}
}  // namespace

BOOST_AUTO_TEST_SUITE(story_1_task_events)

BOOST_AUTO_TEST_CASE(scenarios_1_to_6) {
  UserApi alice("alice");
  // 1: create
  auto create_headers = with("s1-create");
  create_headers.push_back("tracestate: rojo=00f067aa0ba902b7");
  auto created = alice.create({{"title", "Buy milk"}, {"description", "2 l"}}, create_headers);
  BOOST_TEST(created.header("traceparent") == traceparent);  // the client's own, echoed
  auto id = created.json()["id"].get<std::string>();
  // 2: update a field; 6: update that changes nothing
  alice.patch(id, {{"title", "Buy oat milk"}}, with("s1-update"));
  alice.patch(id, {{"title", "Buy oat milk"}}, with("s1-noop"));
  // 3, 4: complete, uncomplete
  alice.complete(id, with("s1-complete"));
  alice.uncomplete(id, with("s1-uncomplete"));
  // 5: delete
  BOOST_TEST(alice.remove(id, with("s1-delete")).status == 204);

  auto records = EndToEnd::get().records_of("task-events", alice.user(), 6);
  BOOST_REQUIRE_EQUAL(records.size(), 6u);
  check_record(records[0], alice.user(), "task.created", id, "s1-create", traceparent, "rojo=00f067aa0ba902b7");
  BOOST_TEST(records[0].event["data"]["title"] == "Buy milk");
  BOOST_TEST(records[0].event["data"]["description"] == "2 l");
  BOOST_TEST(records[0].event["data"]["completed"] == false);
  BOOST_TEST(records[0].event["data"]["version"] == 1);
  check_record(records[1], alice.user(), "task.updated", id, "s1-update", traceparent);
  BOOST_TEST(records[1].event["data"]["changed_fields"] == json::array({"title"}));
  BOOST_TEST(records[1].event["data"]["title"] == "Buy oat milk");
  check_record(records[2], alice.user(), "task.updated", id, "s1-noop", traceparent);
  BOOST_TEST(records[2].event["data"]["changed_fields"] == json::array());
  check_record(records[3], alice.user(), "task.completed", id, "s1-complete", traceparent);
  BOOST_TEST(records[3].event["data"]["completed"] == true);
  check_record(records[4], alice.user(), "task.uncompleted", id, "s1-uncomplete", traceparent);
  BOOST_TEST(records[4].event["data"]["completed"] == false);
  check_record(records[5], alice.user(), "task.deleted", id, "s1-delete", traceparent);
  for (size_t i = 0; i < records.size(); ++i) {
    BOOST_TEST(records[i].event["data"]["version"] == static_cast<long long>(i + 1));
    BOOST_TEST(records[i].partition == records[0].partition);  // one key, one partition
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(story_2_task_updates)

BOOST_AUTO_TEST_CASE(scenario_1_every_mutation_yields_a_sync_event) {
  UserApi bob("bob");
  auto id = bob.create({{"title", "t"}}, with("s2-create")).json()["id"].get<std::string>();
  bob.patch(id, {{"description", "d"}}, with("s2-update"));
  bob.complete(id, with("s2-complete"));
  bob.uncomplete(id, with("s2-uncomplete"));
  bob.remove(id, with("s2-delete"));
  auto records = EndToEnd::get().records_of("task-updates", bob.user(), 5);
  BOOST_REQUIRE_EQUAL(records.size(), 5u);
  const std::vector<std::string> actions = {"created", "updated", "completed", "uncompleted", "deleted"};
  const std::vector<std::string> requests = {"create", "update", "complete", "uncomplete", "delete"};
  for (size_t i = 0; i < 5; ++i) {
    check_record(records[i], bob.user(), "task.sync", id, "s2-" + requests[i], traceparent);
    BOOST_TEST(records[i].event["data"]["action"] == actions[i]);
    BOOST_TEST(records[i].event["data"]["version"] == static_cast<long long>(i + 1));
  }
}

BOOST_AUTO_TEST_CASE(scenario_2_sync_events_arrive_in_version_order) {
  UserApi carol("carol");
  // Sent without a traceparent: taskd starts the trace and says which in its answer.
  auto first = carol.create({{"title", "a"}});
  BOOST_REQUIRE(first.status == 201);
  std::vector<std::string> ids = {first.json()["id"], carol.create_id("b")};
  for (int i = 0; i < 10; ++i) carol.patch(ids[i % 2], {{"title", "v" + std::to_string(i)}});
  auto records = EndToEnd::get().records_of("task-updates", carol.user(), 12);
  BOOST_REQUIRE_EQUAL(records.size(), 12u);
  check_trace(records[0], first.header("traceparent"));
  BOOST_TEST(!first.header("traceparent").empty());
  for (const auto& r : records) check_trace(r);
  std::map<std::string, long long> last;
  for (const auto& r : records) {
    const std::string task = r.event["data"]["task_id"];
    const long long v = r.event["data"]["version"];
    BOOST_TEST(v == last[task] + 1, task << " jumps from " << last[task] << " to " << v);
    last[task] = v;
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(story_3_reminders)

BOOST_AUTO_TEST_CASE(scenario_1_a_due_date_schedules_a_reminder) {
  UserApi dave("dave");
  auto id = dave.create({{"title", "Dentist"}, {"due_date", "2026-12-01T09:00:00Z"}}, with("s3-create"))
                .json()["id"]
                .get<std::string>();
  auto records = EndToEnd::get().records_of("reminders", dave.user(), 1);
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  check_record(records[0], dave.user(), "reminder.scheduled", id, "s3-create", traceparent);
  BOOST_TEST(records[0].event["data"]["title"] == "Dentist");
  BOOST_TEST(records[0].event["data"]["due_date"] == "2026-12-01T09:00:00.000Z");
  // A task without a due date yields nothing here.
  dave.create_id("no due date");
}

BOOST_AUTO_TEST_CASE(scenario_2_a_new_due_date_reschedules) {
  UserApi erin("erin");
  auto id = erin.create_id("Report", "2026-12-01T09:00:00Z");
  erin.patch(id, {{"due_date", "2026-12-03T17:00:00+01:00"}}, with("s3-move"));
  auto records = EndToEnd::get().records_of("reminders", erin.user(), 2);
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  check_record(records[1], erin.user(), "reminder.rescheduled", id, "s3-move", traceparent);
  BOOST_TEST(records[1].event["data"]["due_date"] == "2026-12-03T16:00:00.000Z");
  BOOST_TEST(records[1].event["data"]["previous_due_date"] == "2026-12-01T09:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(scenario_3_complete_clear_or_delete_cancels) {
  UserApi frank("frank");
  auto a = frank.create_id("complete me", "2026-12-01T09:00:00Z");
  auto b = frank.create_id("clear me", "2026-12-01T09:00:00Z");
  auto c = frank.create_id("delete me", "2026-12-01T09:00:00Z");
  frank.complete(a, with("s3-complete"));
  frank.patch(b, {{"due_date", nullptr}}, with("s3-clear"));
  frank.remove(c, with("s3-delete"));
  auto records = EndToEnd::get().records_of("reminders", frank.user(), 6);
  BOOST_REQUIRE_EQUAL(records.size(), 6u);
  check_record(records[3], frank.user(), "reminder.cancelled", a, "s3-complete", traceparent);
  check_record(records[4], frank.user(), "reminder.cancelled", b, "s3-clear", traceparent);
  check_record(records[5], frank.user(), "reminder.cancelled", c, "s3-delete", traceparent);
}

BOOST_AUTO_TEST_SUITE_END()
