// The transactional outbox seen from the database: every committed mutation's events, in commit
// order, and nothing at all for a change whose transaction failed.

#include <boost/test/unit_test.hpp>
#include <set>
#include <thread>

#include "events/cloud_event.hpp"
#include "http/request_meta.hpp"
#include "tests/integration/fixture.hpp"

using namespace tasks::testing;
using nlohmann::json;

namespace {

struct Expected {
  std::string topic, type;
  long long version;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(outbox)

BOOST_AUTO_TEST_CASE(a_scripted_sequence_leaves_exactly_the_expected_events_in_commit_order) {
  UserApi alice("alice");
  const std::string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto id = alice
                .create({{"title", "Pay rent"}, {"due_date", "2026-12-01T09:00:00Z"}},
                        {"X-Correlation-ID: step-1", "traceparent: " + traceparent})
                .json()["id"]
                .get<std::string>();
  BOOST_TEST(alice.patch(id, {{"title", "Pay the rent"}}, {"X-Correlation-ID: step-2"}).status == 200);
  BOOST_TEST(alice.patch(id, json::object(), {"X-Correlation-ID: step-3"}).status == 200);
  BOOST_TEST(alice.patch(id, {{"due_date", "2026-12-02T09:00:00Z"}}, {"X-Correlation-ID: step-4"}).status == 200);
  BOOST_TEST(alice.complete(id, {"X-Correlation-ID: step-5"}).status == 200);
  BOOST_TEST(alice.uncomplete(id, {"X-Correlation-ID: step-6"}).status == 200);
  BOOST_TEST(alice.patch(id, {{"due_date", nullptr}}, {"X-Correlation-ID: step-7"}).status == 200);
  BOOST_TEST(alice.remove(id, {"X-Correlation-ID: step-8"}).status == 204);

  const std::vector<std::pair<std::string, std::vector<Expected>>> script = {
      {"step-1",
       {{"task-events", "task.created", 1}, {"task-updates", "task.sync", 1}, {"reminders", "reminder.scheduled", 1}}},
      {"step-2", {{"task-events", "task.updated", 2}, {"task-updates", "task.sync", 2}}},
      {"step-3", {{"task-events", "task.updated", 3}, {"task-updates", "task.sync", 3}}},
      {"step-4",
       {{"task-events", "task.updated", 4},
        {"task-updates", "task.sync", 4},
        {"reminders", "reminder.rescheduled", 4}}},
      {"step-5",
       {{"task-events", "task.completed", 5},
        {"task-updates", "task.sync", 5},
        {"reminders", "reminder.cancelled", 5}}},
      {"step-6",
       {{"task-events", "task.uncompleted", 6},
        {"task-updates", "task.sync", 6},
        {"reminders", "reminder.scheduled", 6}}},
      {"step-7",
       {{"task-events", "task.updated", 7}, {"task-updates", "task.sync", 7}, {"reminders", "reminder.cancelled", 7}}},
      {"step-8", {{"task-events", "task.deleted", 8}, {"task-updates", "task.sync", 8}}},
  };
  std::vector<std::pair<std::string, Expected>> expected;
  for (const auto& [cid, events] : script)
    for (const auto& e : events) expected.emplace_back(cid, e);

  auto rows = Environment::get().peek()->outbox(alice.user());
  BOOST_REQUIRE_EQUAL(rows.size(), expected.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& [cid, e] = expected[i];
    BOOST_TEST_CONTEXT("row " << i << " " << row.event_type) {
      BOOST_TEST(row.topic == e.topic);
      BOOST_TEST(row.event_type == e.type);
      BOOST_TEST(row.partition_key == alice.user());
      BOOST_TEST(row.task_id == id);
      BOOST_TEST(row.correlation_id == cid);
      BOOST_TEST(row.payload["type"] == e.type);
      BOOST_TEST(row.payload["correlationid"] == cid);
      BOOST_TEST(row.payload["subject"] == id);
      BOOST_TEST(row.payload["data"]["version"] == e.version);
      BOOST_TEST(row.payload["data"]["timestamp"] == row.payload["time"]);
      BOOST_TEST(row.payload["data"]["user_id"] == alice.user());
      BOOST_TEST(tasks::envelope_problems(row.payload).empty());
      BOOST_TEST(row.payload["id"] == row.event_id);
      ids.insert(row.payload["id"].get<std::string>());
    }
  }
  BOOST_TEST(ids.size() == rows.size());
  BOOST_TEST(rows[0].traceparent == traceparent);
  BOOST_TEST(rows[0].payload["traceparent"] == traceparent);
  BOOST_TEST(rows[0].payload["traceid"] == traceparent);
  // A request without a traceparent gets a fresh one (taskd starts the trace): never empty.
  BOOST_TEST(!rows[3].traceparent.empty());
  BOOST_TEST(rows[3].traceparent != traceparent);
  BOOST_TEST(tasks::http::traceparent_from(rows[3].traceparent) == rows[3].traceparent);
  BOOST_TEST(rows[3].payload["traceparent"] == rows[3].traceparent);
  BOOST_TEST(rows[3].payload["traceid"] == rows[3].traceparent);
  BOOST_TEST(rows[4].traceparent == rows[3].traceparent);  // one request, one trace
  BOOST_TEST(rows[3].payload["data"]["changed_fields"] == json::array({"title"}));
  BOOST_TEST(rows[5].payload["data"]["changed_fields"] == json::array());
  BOOST_TEST(rows[9].payload["data"]["previous_due_date"] == "2026-12-01T09:00:00.000Z");
  BOOST_TEST(rows[9].payload["data"]["due_date"] == "2026-12-02T09:00:00.000Z");
}

BOOST_AUTO_TEST_CASE(a_failed_transaction_leaves_neither_the_change_nor_its_events) {
  auto& env = Environment::get();
  env.peek()->install_failing_trigger("FAIL-ME");
  UserApi alice("alice");
  auto id = alice.create_id("fine");
  const auto before = env.peek()->outbox(alice.user()).size();

  // The task row would be written, then its outbox rows fail: the whole change is rolled back.
  auto created = alice.create({{"title", "FAIL-ME please"}});
  BOOST_TEST(created.status == 503);
  BOOST_TEST(created.header("content-type").rfind("application/problem+json", 0) == 0u);
  auto patched = alice.patch(id, {{"title", "FAIL-ME too"}});
  BOOST_TEST(patched.status == 503);

  auto list = alice.list().json();
  BOOST_REQUIRE(list.size() == 1u);
  BOOST_TEST(list[0]["title"] == "fine");
  BOOST_TEST(list[0]["version"] == 1);
  BOOST_TEST(env.peek()->outbox(alice.user()).size() == before);

  // The next good change goes through, with its version following the last committed one.
  auto ok = alice.patch(id, {{"title", "still fine"}});
  BOOST_TEST(ok.status == 200);
  BOOST_TEST(ok.json()["version"] == 2);
}

BOOST_AUTO_TEST_CASE(one_failing_commit_in_a_group_does_not_fail_its_neighbours) {
  auto& env = Environment::get();
  env.peek()->install_failing_trigger("FAIL-ME");
  // Many users at once so that commits share transactions; every third one fails.
  constexpr int users = 30;
  std::vector<std::thread> threads;
  std::vector<long> statuses(users);
  std::vector<std::string> names(users);
  for (int i = 0; i < users; ++i) {
    threads.emplace_back([&, i] {
      UserApi u("group");
      names[i] = u.user();
      statuses[i] =
          u.create({{"title", i % 3 == 0 ? "FAIL-ME " + std::to_string(i) : "ok " + std::to_string(i)}}).status;
    });
  }
  for (auto& t : threads) t.join();
  auto peek = env.peek();
  for (int i = 0; i < users; ++i) {
    BOOST_TEST(statuses[i] == (i % 3 == 0 ? 503 : 201), "user " << i);
    BOOST_TEST(peek->outbox(names[i]).size() == (i % 3 == 0 ? 0u : 2u), "user " << i);
  }
}

BOOST_AUTO_TEST_SUITE_END()
