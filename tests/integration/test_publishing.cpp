// Publishing as a client of taskd sees it: a real taskd process, and a recording sidecar on
// loopback standing in for Dapr (the real daprd and Kafka are the end-to-end tests' job).

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <thread>

#include "events/cloud_event.hpp"
#include "http/request_meta.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

std::map<std::string, std::string> publishing_env(const RecordingSidecar& sidecar,
                                                  std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {{"DAPR_HTTP_ENDPOINT", sidecar.endpoint()},
                                            {"TASKS_PUBLISH_BACKOFF_INITIAL", "20ms"},
                                            {"TASKS_PUBLISH_BACKOFF_MAX", "200ms"},
                                            {"TASKS_PUBLISH_POLL_INTERVAL", "100ms"},
                                            {"TASKS_PUBLISH_TIMEOUT", "2s"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// (type, version) of each delivered event of one topic and user, in delivery order.
std::vector<std::pair<std::string, long long>> sequence(const RecordingSidecar& sidecar, const std::string& topic,
                                                        const std::string& user) {
  std::vector<std::pair<std::string, long long>> out;
  for (const auto& r : sidecar.delivered(topic))
    if (r.partition_key == user) out.emplace_back(r.event["type"], r.event["data"]["version"].get<long long>());
  return out;
}

std::vector<json> log_lines(const TaskdProcess& taskd, const std::string& msg) {
  std::vector<json> out;
  std::istringstream in(taskd.stdout_text());
  for (std::string line; std::getline(in, line);) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("msg", "") == msg) out.push_back(j);
  }
  return out;
}

using Seq = std::vector<std::pair<std::string, long long>>;

}  // namespace

namespace std {
// How Boost.Test prints a (type, version) pair (found by argument-dependent lookup).
inline ostream& boost_test_print_type(ostream& os, const pair<string, long long>& p) {
  return os << p.first << " v" << p.second;
}
}  // namespace std

BOOST_AUTO_TEST_SUITE(publishing)

BOOST_AUTO_TEST_CASE(every_event_reaches_its_topic_with_envelope_key_and_headers) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(publishing_env(
      sidecar,
      {{"DAPR_API_TOKEN", "sidecar-token"}, {"TASKS_PUBSUB_NAME", "my-pubsub"}, {"TASKS_EVENT_SOURCE", "tasks-test"}}));
  UserApi alice(*taskd, "alice");
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  auto id = alice
                .create({{"title", "Pay rent"}, {"due_date", "2026-12-01T09:00:00Z"}},
                        {"X-Correlation-ID: flow-1", "traceparent: " + traceparent})
                .json()["id"]
                .get<std::string>();
  alice.patch(id, {{"title", "Pay the rent"}}, {"X-Correlation-ID: flow-2"});
  alice.patch(id, {{"due_date", "2026-12-02T09:00:00Z"}}, {"X-Correlation-ID: flow-3"});
  alice.complete(id, {"X-Correlation-ID: flow-4"});
  alice.uncomplete(id, {"X-Correlation-ID: flow-5"});
  alice.remove(id, {"X-Correlation-ID: flow-6"});

  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count() == 6u + 6u + 5u; }));
  BOOST_TEST(sequence(sidecar, "task-events", alice.user()) == (Seq{{"task.created", 1},
                                                                    {"task.updated", 2},
                                                                    {"task.updated", 3},
                                                                    {"task.completed", 4},
                                                                    {"task.uncompleted", 5},
                                                                    {"task.deleted", 6}}),
             boost::test_tools::per_element());
  BOOST_TEST(sequence(sidecar, "task-updates", alice.user()) == (Seq{{"task.sync", 1},
                                                                     {"task.sync", 2},
                                                                     {"task.sync", 3},
                                                                     {"task.sync", 4},
                                                                     {"task.sync", 5},
                                                                     {"task.sync", 6}}),
             boost::test_tools::per_element());
  BOOST_TEST(sequence(sidecar, "reminders", alice.user()) == (Seq{{"reminder.scheduled", 1},
                                                                  {"reminder.rescheduled", 3},
                                                                  {"reminder.cancelled", 4},
                                                                  {"reminder.scheduled", 5},
                                                                  {"reminder.cancelled", 6}}),
             boost::test_tools::per_element());
  std::set<std::string> ids;
  for (const auto& r : sidecar.delivered()) {
    BOOST_TEST(r.pubsub == "my-pubsub");
    BOOST_TEST(r.partition_key == alice.user());
    BOOST_TEST(r.content_type == "application/cloudevents+json");
    BOOST_TEST(r.headers.at("dapr-api-token") == "sidecar-token");
    BOOST_TEST(tasks::envelope_problems(r.event).empty(), r.body);
    BOOST_TEST(r.event["source"] == "tasks-test");
    BOOST_TEST(r.event["subject"] == id);
    BOOST_TEST(r.event["data"]["timestamp"] == r.event["time"]);
    ids.insert(r.event["id"].get<std::string>());
    const std::string cid = r.event["correlationid"];
    BOOST_TEST(cid.rfind("flow-", 0) == 0u);
    // A bulk request's header is its events' common traceparent, none when they differ: the
    // events carry their own (daprd leaves them alone, docs/publishing.md).
    if (r.headers.count("traceparent")) BOOST_TEST(r.event["traceparent"] == r.headers.at("traceparent"));
    if (!r.bulk) BOOST_TEST(r.headers.count("traceparent") == 1u);
    if (cid == "flow-1") {
      BOOST_TEST(r.event["traceparent"] == traceparent);
    } else {
      // No traceparent in the request: the fresh one taskd started.
      BOOST_TEST(r.event["traceparent"] != traceparent);
      BOOST_TEST(tasks::http::traceparent_from(r.event["traceparent"].get<std::string>()) == r.event["traceparent"]);
    }
    BOOST_TEST(r.event["traceid"] == r.event["traceparent"]);
  }
  BOOST_TEST(ids.size() == sidecar.delivered().size());
  auto updated = sidecar.delivered("task-events")[1].event;
  BOOST_TEST(updated["data"]["changed_fields"] == json::array({"title"}));
  BOOST_TEST(updated["correlationid"] == "flow-2");
}

BOOST_AUTO_TEST_CASE(a_retried_event_keeps_its_id_and_every_failure_is_logged_with_context) {
  RecordingSidecar sidecar;
  sidecar.behave("task-events", SidecarBehaviour{500});
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar));
  UserApi alice(*taskd, "alice");
  auto id = alice.create({{"title", "t"}}, {"X-Correlation-ID: retry-1"}).json()["id"].get<std::string>();
  BOOST_REQUIRE(wait_until([&] { return sidecar.requests("task-events").size() >= 3u; }));
  sidecar.behave("task-events", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-events") == 1u; }));
  const auto attempts = sidecar.requests("task-events");
  for (const auto& a : attempts) BOOST_TEST(a.event["id"] == attempts.front().event["id"]);
  BOOST_TEST(sidecar.delivered_count("task-updates") == 1u);  // the healthy topic was not held up

  BOOST_REQUIRE(wait_until([&] { return !log_lines(*taskd, "publishing recovered").empty(); }));
  auto failures = log_lines(*taskd, "publish failed");
  BOOST_REQUIRE(failures.size() >= 2u);
  long long attempt = 0;
  for (const auto& f : failures) {
    BOOST_TEST(f["topic"] == "task-events");
    BOOST_TEST(f["event_type"] == "task.created");
    BOOST_TEST(f["event_id"] == attempts.front().event["id"]);
    BOOST_TEST(f["task_id"] == id);
    BOOST_TEST(f["user_id"] == alice.user());
    BOOST_TEST(f["correlation_id"] == "retry-1");
    BOOST_TEST(f["http_status"] == 500);
    BOOST_TEST(f["error"].get<std::string>().find("HTTP 500") != std::string::npos);
    BOOST_TEST(f["next_retry_ms"].is_number());
    BOOST_TEST(f["attempt"].get<long long>() == ++attempt);
  }
  auto recovered = log_lines(*taskd, "publishing recovered");
  BOOST_TEST(recovered.size() == 1u);
  BOOST_TEST(recovered[0]["topic"] == "task-events");
  BOOST_TEST(recovered[0]["delivered"] == 1);
}

BOOST_AUTO_TEST_CASE(the_api_never_waits_for_a_hanging_sidecar) {
  RecordingSidecar sidecar;
  sidecar.behave("", SidecarBehaviour{204, milliseconds(0), true});
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar, {{"TASKS_PUBLISH_TIMEOUT", "30s"}}));
  UserApi alice(*taskd, "alice");
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(alice.create_id("t" + std::to_string(i)));
  for (const auto& id : ids) BOOST_TEST(alice.complete(id).status == 200);
  BOOST_TEST(sidecar.delivered_count() == 0u);
  BOOST_TEST(alice.list().json().size() == 20u);
}

BOOST_AUTO_TEST_CASE(sidecar_down_during_1000_mutations_then_every_event_exactly_once_in_order) {
  RecordingSidecar sidecar;
  sidecar.stop();
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar));
  constexpr int users = 10, per_user = 100, tasks_per_user = 10;
  std::vector<std::string> names(users);
  std::vector<Seq> expected_sync(users);
  std::vector<int> failures(users, 0);
  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u) {
    threads.emplace_back([&, u] {
      UserApi api(*taskd, unique_user("down"));
      names[u] = api.user();
      std::vector<std::string> ids;
      for (int m = 0; m < per_user; ++m) {
        HttpResponse r;
        if (m < tasks_per_user) {
          r = api.create({{"title", "task " + std::to_string(m)}});
          if (r.status == 201) ids.push_back(r.json()["id"]);
        } else if (m % 2 == 0) {
          r = api.patch(ids[m % tasks_per_user], {{"title", "v" + std::to_string(m)}});
        } else {
          r = api.complete(ids[m % tasks_per_user]);
        }
        if (r.status != 200 && r.status != 201) {
          ++failures[u];
          continue;
        }
        expected_sync[u].emplace_back("task.sync", r.json()["version"].get<long long>());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int u = 0; u < users; ++u) BOOST_TEST(failures[u] == 0, "user " << u);
  BOOST_TEST(sidecar.delivered_count() == 0u);

  sidecar.start();
  BOOST_REQUIRE(wait_until(
      [&] {
        return sidecar.delivered_count("task-events") == 1000u && sidecar.delivered_count("task-updates") == 1000u;
      },
      std::chrono::seconds(60)));
  for (const char* topic : {"task-events", "task-updates"}) {
    std::set<std::string> ids;
    for (const auto& r : sidecar.delivered(topic)) ids.insert(r.event["id"].get<std::string>());
    BOOST_TEST(ids.size() == 1000u, topic << ": no duplicates");
  }
  for (int u = 0; u < users; ++u) {
    // A user's requests ran one after another, so commit order is request order.
    BOOST_TEST(sequence(sidecar, "task-updates", names[u]) == expected_sync[u], boost::test_tools::per_element());
  }
  BOOST_TEST(sidecar.delivered_count("reminders") == 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_topic_does_not_delay_the_others) {
  RecordingSidecar sidecar;
  sidecar.behave("reminders", SidecarBehaviour{403});
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar));
  UserApi alice(*taskd, "alice");
  for (int i = 0; i < 20; ++i) alice.create_id("due " + std::to_string(i), "2026-12-01T09:00:00Z");
  BOOST_REQUIRE(wait_until(
      [&] { return sidecar.delivered_count("task-events") == 20u && sidecar.delivered_count("task-updates") == 20u; }));
  BOOST_TEST(sidecar.delivered_count("reminders") == 0u);
  BOOST_TEST(!sidecar.requests("reminders").empty());
  sidecar.behave("reminders", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("reminders") == 20u; }));
  auto reminders = sidecar.delivered("reminders");
  auto events = sidecar.delivered("task-events");
  for (size_t i = 0; i < 20; ++i) BOOST_TEST(reminders[i].event["subject"] == events[i].event["subject"]);
}

// An event daprd cannot read while others of its topic go through is dead-lettered at once, never
// retried, kept; the same answer for every event (nothing flows) dead-letters nothing.
BOOST_AUTO_TEST_CASE(an_event_refused_for_itself_is_dead_lettered_and_kept) {
  RecordingSidecar sidecar;
  SidecarBehaviour refuse{400};
  refuse.error_code = "ERR_PUBSUB_EVENTS_SER";
  sidecar.behave("task-updates", refuse);
  const auto db = Environment::get().fresh_db_url("dead");
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar, {{"TASKS_DB", db}}));
  UserApi alice(*taskd, "alice"), bob(*taskd, "bob");
  DbPeek peek(db);
  alice.create_id("t");
  BOOST_REQUIRE(wait_until([&] { return sidecar.requests("task-updates").size() >= 2u; }));
  BOOST_TEST(peek.count("SELECT COUNT(*) FROM dead_letters") == 0);  // nothing flows: not the event's fault
  sidecar.behave("task-updates", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-updates") == 1u; }));
  sidecar.behave("task-updates", refuse);
  const auto before = sidecar.requests("task-updates").size();
  bob.create_id("t");
  BOOST_REQUIRE(wait_until([&] { return peek.count("SELECT COUNT(*) FROM dead_letters") == 1; }));
  BOOST_TEST(peek.count("SELECT COUNT(*) FROM dead_letters WHERE topic = 'task-updates' AND partition_key = '" +
                        bob.user() + "' AND reason LIKE '%ERR_PUBSUB_EVENTS_SER%'") == 1);
  BOOST_TEST(wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }));
  BOOST_TEST(sidecar.delivered_count("task-events") == 2u);
  BOOST_TEST(sidecar.requests("task-updates").size() == before + 1);  // never retried
  BOOST_TEST(!log_lines(*taskd, "event dead-lettered").empty());
}

BOOST_AUTO_TEST_CASE(sigkill_mid_burst_loses_no_committed_event) {
  RecordingSidecar sidecar;
  const auto db = Environment::get().fresh_db_url("kill");
  auto env = publishing_env(sidecar, {{"TASKS_DB", db}});
  auto taskd = Environment::get().start_taskd(env);
  std::atomic<bool> dead{false};
  std::mutex mutex;
  std::set<std::pair<std::string, long long>> acknowledged;  // (task, version) answered 2xx
  std::vector<std::thread> threads;
  for (int u = 0; u < 5; ++u) {
    threads.emplace_back([&] {
      UserApi api(*taskd, unique_user("kill"));
      std::vector<std::string> ids;
      for (int m = 0; m < 400 && !dead; ++m) {
        auto r = m < 5 ? api.create({{"title", "t"}}) : api.patch(ids[m % ids.size()], {{"title", std::to_string(m)}});
        if (r.status != 200 && r.status != 201) break;
        auto t = r.json();
        if (m < 5) ids.push_back(t["id"]);
        std::lock_guard lock(mutex);
        acknowledged.emplace(t["id"], t["version"].get<long long>());
      }
    });
  }
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-updates") >= 200u; }, std::chrono::seconds(60)));
  taskd->kill_hard();
  dead = true;
  for (auto& t : threads) t.join();

  auto again = Environment::get().start_taskd(env);
  DbPeek peek(db);
  BOOST_REQUIRE(wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }, std::chrono::seconds(60)));
  std::map<std::pair<std::string, long long>, int> seen;
  for (const auto& r : sidecar.delivered("task-updates"))
    ++seen[{r.event["data"]["task_id"].get<std::string>(), r.event["data"]["version"].get<long long>()}];
  // Every committed version of every task (the database is the truth) reached the sink.
  long long versions = peek.count("SELECT COALESCE(SUM(version), 0) FROM tasks");
  size_t distinct = seen.size();
  BOOST_TEST(static_cast<long long>(distinct) >= versions);
  for (const auto& key : acknowledged) BOOST_TEST(seen.count(key) == 1u, key.first << " v" << key.second);
  size_t duplicates = 0;
  for (const auto& [key, n] : seen) duplicates += n - 1;
  BOOST_TEST_MESSAGE("SIGKILL mid-burst: " << acknowledged.size() << " acknowledged mutations, " << distinct
                                           << " distinct sync events delivered, " << duplicates
                                           << " delivered twice (sent before the kill, not yet marked)");
  BOOST_TEST(again->terminate() == 0);
}

BOOST_AUTO_TEST_CASE(sigterm_drains_within_its_deadline_and_keeps_the_rest) {
  RecordingSidecar sidecar;
  sidecar.behave("", SidecarBehaviour{204, milliseconds(100), false});
  const auto db = Environment::get().fresh_db_url("drain");
  auto env = publishing_env(sidecar, {{"TASKS_DB", db}, {"TASKS_SHUTDOWN_DRAIN", "1s"}});
  auto taskd = Environment::get().start_taskd(env);
  UserApi alice(*taskd, "alice");
  for (int i = 0; i < 30; ++i) alice.create_id("t" + std::to_string(i));
  BOOST_TEST(taskd->terminate() == 0);
  DbPeek peek(db);
  const auto left = peek.count("SELECT COUNT(*) FROM outbox");
  BOOST_TEST(static_cast<long long>(sidecar.delivered_count()) + left == 60);
  BOOST_TEST(left > 0);  // 100 ms an answer, one user: 60 events cannot all go in a second
  BOOST_TEST(!log_lines(*taskd, "publisher drained").empty());
  sidecar.behave("", SidecarBehaviour{204});
  auto again = Environment::get().start_taskd(env);
  BOOST_REQUIRE(wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }));
  std::set<std::string> ids;
  for (const auto& r : sidecar.delivered()) ids.insert(r.event["id"].get<std::string>());
  BOOST_TEST(ids.size() == 60u);
  BOOST_TEST(sidecar.delivered().size() == 60u);  // and nothing twice
  BOOST_TEST(again->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
