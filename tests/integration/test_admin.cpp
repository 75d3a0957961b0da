// The admin API and /metrics of a running taskd: values move as traffic, outages, pauses,
// dead letters and crashes happen.

#include <boost/test/unit_test.hpp>
#include <regex>

#include "tests/integration/fixture.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;
using nlohmann::json;
using std::chrono::milliseconds;

namespace {

std::map<std::string, std::string> fast_publishing(const RecordingSidecar& sidecar,
                                                   std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {{"DAPR_HTTP_ENDPOINT", sidecar.endpoint()},
                                            {"TASKS_PUBLISH_BACKOFF_INITIAL", "20ms"},
                                            {"TASKS_PUBLISH_BACKOFF_MAX", "200ms"},
                                            {"TASKS_PUBLISH_POLL_INTERVAL", "100ms"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// The value of one sample in Prometheus text ("name{labels}"), 0 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return 0;
}

struct Admin {
  HttpClient http;
  explicit Admin(const TaskdProcess& taskd) : http(taskd.admin_url()) {}
  json get(const std::string& path) {
    auto r = http.request("GET", path);
    BOOST_REQUIRE_MESSAGE(r.status == 200, path << ": " << r.status << " " << r.body << r.error);
    return r.json();
  }
  HttpResponse post(const std::string& path) { return http.request("POST", path); }
  std::string metrics() { return http.request("GET", "/metrics").body; }
  // (Each answer is kept in a local: a range-for over a member of a temporary dangles.)
  json actor(const std::string& id) {
    const json all = get("/admin/actors");
    for (auto& a : all["actors"])
      if (a["id"] == id) return a;
    return nullptr;
  }
  json publisher(const std::string& topic) {
    const json all = get("/admin/publishers");
    for (auto& p : all["publishers"])
      if (p["topic"] == topic) return p;
    return nullptr;
  }
  long long pending(const std::string& topic) {
    const json all = get("/admin/outbox");
    for (auto& t : all["topics"])
      if (t["topic"] == topic) return t["pending"];
    return -1;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(admin)

BOOST_AUTO_TEST_CASE(every_long_lived_actor_answers_with_its_status) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar));
  UserApi alice(*taskd, "alice"), bob(*taskd, "bob");
  alice.create_id("a");
  bob.list();
  Admin admin(*taskd);
  auto actors = admin.get("/admin/actors")["actors"];
  std::set<std::string> ids;
  for (const auto& a : actors) {
    ids.insert(a["id"].get<std::string>());
    for (const char* field : {"id", "kind", "state", "mailbox", "uptime_ms", "restarts", "details"})
      BOOST_TEST(a.contains(field), a["id"] << " has " << field);
  }
  for (const std::string id : {"supervisor", "persistence", "registry", "publisher/task-events",
                               "publisher/task-updates", "publisher/reminders"})
    BOOST_TEST(ids.count(id) == 1u, id);
  BOOST_TEST(ids.count("user/" + alice.user()) == 1u);
  BOOST_TEST(ids.count("user/" + bob.user()) == 1u);

  auto one = admin.get("/admin/actors/user%2F" + alice.user());
  BOOST_TEST(one["kind"] == "user");
  BOOST_TEST(one["details"]["user_id"] == alice.user());
  BOOST_TEST(one["details"]["mutations"] == 1);
  BOOST_TEST(admin.get("/admin/actors/user/" + alice.user())["id"] == "user/" + alice.user());
  BOOST_TEST(admin.get("/admin/actors/persistence")["details"]["commits"].get<int>() >= 1);
  BOOST_TEST(admin.http.request("GET", "/admin/actors/user%2Fnobody").status == 404);
  // A '+' in a path is itself (it was decoded as a space like a query's).
  UserApi tagged(*taskd, "carol+tag@example.com");
  tagged.list();
  BOOST_TEST(admin.get("/admin/actors/user/carol+tag@example.com")["details"]["user_id"] == "carol+tag@example.com");
  BOOST_TEST(admin.http.request("GET", "/admin/nothing").status == 404);
  BOOST_TEST(admin.http.request("DELETE", "/admin/actors").status == 405);
}

BOOST_AUTO_TEST_CASE(metrics_count_requests_events_and_actors) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar));
  UserApi alice(*taskd, "alice");
  Admin admin(*taskd);
  const std::string created = R"(tasks_http_requests_total{method="POST",route="/api/v1/tasks",status="201"})";
  for (int i = 0; i < 3; ++i) alice.create_id("t");
  alice.get("not-a-uuid");
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-events") == 3u; }));
  // Delivered, then settled: the outbox view reads its own connection, so it may see the rows for
  // the moment between the sidecar's 204 and the settle's commit.
  BOOST_REQUIRE(
      wait_until([&] { return sample(admin.metrics(), R"(tasks_outbox_pending{topic="task-events"})") == 0; }));
  auto text = admin.metrics();
  BOOST_TEST(sample(text, created) == 3);
  BOOST_TEST(sample(text, R"(tasks_http_requests_total{method="GET",route="/api/v1/tasks/{id}",status="404"})") == 1);
  BOOST_TEST(text.find("tasks_http_request_duration_seconds_bucket{") != std::string::npos);
  BOOST_TEST(sample(text, R"(tasks_http_request_duration_seconds_count{method="POST",route="/api/v1/tasks"})") == 3);
  BOOST_TEST(sample(text, R"(tasks_events_published_total{topic="task-events",type="task.created"})") == 3);
  BOOST_TEST(sample(text, "tasks_user_actors") == 1);
  BOOST_TEST(sample(text, R"(tasks_outbox_pending{topic="task-events"})") == 0);
  for (const char* name :
       {"tasks_events_dead_lettered_total", "tasks_outbox_oldest_pending_seconds", "tasks_actor_restarts_total"})
    BOOST_TEST(text.find(std::string("# TYPE ") + name) != std::string::npos, name);
  alice.create_id("one more");
  // The request is counted just after its answer is handed to the connection: the client may
  // read the metrics first (seen: 3 instead of 4).
  BOOST_TEST(wait_until([&] { return sample(admin.metrics(), created) == 4; }));
}

BOOST_AUTO_TEST_CASE(backlog_grows_with_the_sidecar_down_and_drains_when_it_returns) {
  RecordingSidecar sidecar;
  sidecar.stop();
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar));
  UserApi alice(*taskd, "alice");
  Admin admin(*taskd);
  for (int i = 0; i < 5; ++i) alice.create_id("t");
  BOOST_TEST(admin.pending("task-events") == 5);
  BOOST_TEST(admin.pending("task-updates") == 5);
  BOOST_TEST(admin.pending("reminders") == 0);
  BOOST_REQUIRE(wait_until([&] { return admin.publisher("task-events")["state"] == "backing off"; }));
  auto p = admin.publisher("task-events");
  BOOST_TEST(p["failed"].get<int>() >= 1);
  BOOST_TEST(!p["last_error"].get<std::string>().empty());
  BOOST_TEST(!p["next_retry_at"].get<std::string>().empty());
  auto rows = admin.get("/admin/outbox/task-events?limit=3");
  BOOST_TEST(rows["pending"] == 5);
  BOOST_TEST(rows["rows"].size() == 3u);
  BOOST_TEST(rows["rows"][0]["event_type"] == "task.created");
  BOOST_TEST(rows["rows"][0]["user_id"] == alice.user());
  auto text = admin.metrics();
  BOOST_TEST(sample(text, R"(tasks_outbox_pending{topic="task-events"})") == 5);
  BOOST_TEST(sample(text, R"(tasks_outbox_oldest_pending_seconds{topic="task-events"})") > 0);
  BOOST_TEST(sample(text, R"(tasks_events_publish_failures_total{reason="connect",topic="task-events"})") >= 1);

  sidecar.start();
  BOOST_REQUIRE(wait_until([&] { return admin.pending("task-events") == 0 && admin.pending("task-updates") == 0; }));
  BOOST_TEST(sidecar.delivered_count() == 10u);
  BOOST_TEST(wait_until([&] { return admin.publisher("task-events")["state"] == "idle"; }));
}

BOOST_AUTO_TEST_CASE(a_paused_publisher_sends_nothing_and_drains_in_order_when_resumed) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar));
  UserApi alice(*taskd, "alice");
  Admin admin(*taskd);
  auto paused = admin.post("/admin/publishers/task-events/pause");
  BOOST_TEST(paused.status == 200);
  BOOST_TEST(paused.json()["state"] == "paused");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(alice.create_id("t" + std::to_string(i)));
  // The other topics flow; this one only queues.
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-updates") == 5u; }));
  BOOST_TEST(admin.pending("task-events") == 5);
  BOOST_TEST(sidecar.requests("task-events").empty());
  BOOST_TEST(admin.publisher("task-events")["state"] == "paused");
  BOOST_TEST(admin.post("/admin/publishers/nope/pause").status == 404);

  BOOST_TEST(admin.post("/admin/publishers/task-events/resume").json()["state"] != "paused");
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-events") == 5u; }));
  auto delivered = sidecar.delivered("task-events");
  for (size_t i = 0; i < 5; ++i) BOOST_TEST(delivered[i].event["subject"] == ids[i]);
  BOOST_TEST(admin.pending("task-events") == 0);
}

BOOST_AUTO_TEST_CASE(a_dead_letter_is_listed_and_redriven) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar));
  UserApi alice(*taskd, "alice"), bob(*taskd, "bob");
  Admin admin(*taskd);
  // Another user's reminder goes through first: then a refusal of one event is that event's own.
  bob.create_id("due", "2026-12-01T09:00:00Z");
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("reminders") == 1u; }));
  SidecarBehaviour refuse{400};
  refuse.error_code = "ERR_PUBSUB_EVENTS_SER";
  sidecar.behave("reminders", refuse);
  alice.create_id("due", "2026-12-01T09:00:00Z");
  json dead;
  BOOST_REQUIRE(wait_until([&] {
    dead = admin.get("/admin/dead-letters?topic=reminders")["dead_letters"];
    return dead.size() == 1u;
  }));
  BOOST_TEST(dead[0]["event_type"] == "reminder.scheduled");
  BOOST_TEST(dead[0]["user_id"] == alice.user());
  BOOST_TEST(dead[0]["reason"].get<std::string>().find("ERR_PUBSUB_EVENTS_SER") != std::string::npos);
  BOOST_TEST(admin.get("/admin/dead-letters?topic=task-events")["dead_letters"].empty());
  BOOST_TEST(sample(admin.metrics(), R"(tasks_events_dead_lettered_total{topic="reminders"})") == 1);

  sidecar.behave("reminders", SidecarBehaviour{204});
  auto redriven = admin.post("/admin/dead-letters/" + dead[0]["event_id"].get<std::string>() + "/redrive");
  BOOST_TEST(redriven.status == 200);
  BOOST_TEST(redriven.json()["redriven"] == 1);
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("reminders") == 2u; }));
  BOOST_TEST(sidecar.delivered("reminders")[1].event["id"] == dead[0]["event_id"]);
  BOOST_TEST(admin.get("/admin/dead-letters")["dead_letters"].empty());
  BOOST_TEST(admin.post("/admin/dead-letters/" + dead[0]["event_id"].get<std::string>() + "/redrive").status == 404);
  BOOST_TEST(admin.post("/admin/dead-letters/redrive").json()["redriven"] == 0);
}

BOOST_AUTO_TEST_CASE(an_injected_crash_is_restarted_and_counted) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar, {{"TASKS_FAULT_INJECTION", "on"}}));
  UserApi alice(*taskd, "alice");
  Admin admin(*taskd);
  BOOST_TEST(admin.post("/admin/faults/crash/publisher/task-events").status == 202);
  BOOST_REQUIRE(wait_until([&] { return admin.actor("publisher/task-events")["restarts"] == 1; }));
  BOOST_TEST(sample(admin.metrics(), R"(tasks_actor_restarts_total{kind="publisher"})") == 1);
  alice.create_id("after the crash");
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count("task-events") == 1u; }));
  // Without the test switch, the route does not exist.
  auto plain = Environment::get().start_taskd(fast_publishing(sidecar));
  BOOST_TEST(Admin(*plain).post("/admin/faults/crash/publisher/task-events").status == 404);
}

BOOST_AUTO_TEST_CASE(a_configured_admin_token_is_required) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(fast_publishing(sidecar, {{"TASKS_ADMIN_TOKEN", "s3cret-admin"}}));
  HttpClient http(taskd->admin_url());
  BOOST_TEST(http.request("GET", "/admin/actors").status == 401);
  BOOST_TEST(http.request("GET", "/metrics").status == 401);
  BOOST_TEST(http.request("GET", "/admin/actors", "", {"Authorization: Bearer wrong"}).status == 401);
  BOOST_TEST(http.request("GET", "/admin/actors", "", {"Authorization: Bearer s3cret-admin"}).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
