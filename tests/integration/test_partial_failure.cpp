// Publishing under partial failure (issue 10): trouble that touches part of the traffic stays
// with that part. One user's refused lane backs off alone while everyone else is delivered
// within two poll intervals; a poison event stops its own lane only (shown as blocked, with the
// events waiting behind it) until it is redriven in its commit place or discarded; a sidecar
// without a pub/sub component, an outage longer than TASKS_PUBLISH_MAX_AGE and connections
// closed without an answer dead-letter nothing. A real taskd, the recording sidecar told what
// to answer per user and per event (its own behaviour is tested first, in `recording_sidecar`).

#include <spawn.h>
#include <sys/wait.h>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <thread>

#include "core/ids.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/event_streams.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const std::vector<std::string> topics = {"task-events", "task-updates", "reminders"};

// The publishers' timing in this file: deliveries are due within two poll intervals of their
// commit; a failing lane waits 100 ms, 200 ms, 400 ms, ... (full jitter) up to 4 s.
constexpr milliseconds poll_interval{500};
constexpr milliseconds delivery_bound = 2 * poll_interval;

std::map<std::string, std::string> partial_failure_env(const RecordingSidecar& sidecar,
                                                       std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> env = {
      {"DAPR_HTTP_ENDPOINT", sidecar.endpoint()}, {"TASKS_PUBLISH_POLL_INTERVAL", "500ms"},
      {"TASKS_PUBLISH_BACKOFF_INITIAL", "100ms"}, {"TASKS_PUBLISH_BACKOFF_FACTOR", "2"},
      {"TASKS_PUBLISH_BACKOFF_MAX", "4s"},        {"TASKS_PUBLISH_TIMEOUT", "2s"}};
  for (auto& [k, v] : extra) env[k] = v;
  return env;
}

// daprd's answer with its errorCode (dapr-facts.md, the error table).
SidecarBehaviour daprd_error(long status, const std::string& code) {
  SidecarBehaviour b;
  b.status = status;
  b.error_code = code;
  return b;
}

SidecarBehaviour closes_connection() {
  SidecarBehaviour b;
  b.close = true;
  return b;
}

// ---- Clients: every answered mutation goes into the ledger with its commit time and topics.

// A user's mutation, answered 2xx, recorded with the topics its events go to.
void record(Ledger& ledger, const UserApi& api, const std::string& what, const HttpResponse& r,
            std::vector<std::string> emits) {
  if (r.status != 200 && r.status != 201) {
    ledger.fail(api.user() + " " + what + ": " + std::to_string(r.status) + " " + r.body + r.error);
    return;
  }
  const auto task = r.json();
  ledger.add({api.user(), {task["id"], task["version"].get<long long>()}, Clock::now(), std::move(emits)});
}

// One round of a user's life: a task with a due date (an event on every topic), renamed (no
// reminder), completed (its reminder cancelled).
void live_one_round(UserApi& api, Ledger& ledger, int round) {
  const auto created = api.create({{"title", "round " + std::to_string(round)}, {"due_date", "2027-03-01T09:00:00Z"}});
  record(ledger, api, "create", created, topics);
  if (created.status != 201) return;
  const std::string id = created.json()["id"];
  record(ledger, api, "patch", api.patch(id, {{"title", "renamed " + std::to_string(round)}}),
         {"task-events", "task-updates"});
  record(ledger, api, "complete", api.complete(id), topics);
}

// Users living rounds concurrently (a thread each, one round every `period`) until `until`,
// at least one round each. The pacing only shapes the load; nothing waits on it.
class Crowd {
 public:
  Crowd(TaskdProcess& taskd, Ledger& ledger, const std::string& prefix, int size, Clock::time_point until,
        milliseconds period) {
    for (int i = 0; i < size; ++i) users_.push_back(unique_user(prefix));
    for (const auto& user : users_) {
      threads_.emplace_back([&taskd, &ledger, user, until, period] {
        UserApi api(taskd, user);
        const auto start = Clock::now();
        for (int round = 0; round == 0 || Clock::now() < until; ++round) {
          std::this_thread::sleep_until(start + round * period);
          live_one_round(api, ledger, round);
        }
      });
    }
  }
  ~Crowd() { join(); }
  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  const std::vector<std::string>& users() const { return users_; }

 private:
  std::vector<std::string> users_;
  std::vector<std::thread> threads_;
};

// ---- The admin API as an operator reads it.

// The value of one sample in Prometheus text ("name{labels}"), -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return -1;
}

struct Admin {
  HttpClient http;
  explicit Admin(const TaskdProcess& taskd) : http(taskd.admin_url()) {}

  // The answer's JSON; an empty object (and a failed check) when it is not 200, so that a case
  // goes on to show everything else that does or does not hold.
  json get(const std::string& path) {
    auto r = http.request("GET", path);
    BOOST_TEST(r.status == 200, "GET " << path << ": " << r.status << " " << r.body << r.error);
    if (r.status != 200) return json::object();
    return r.json();
  }
  HttpResponse post(const std::string& path, const json& body = nullptr) {
    if (body.is_null()) return http.request("POST", path);
    return http.request("POST", path, body.dump(), {"Content-Type: application/json"});
  }
  // One topic's entry of GET /admin/outbox.
  json outbox(const std::string& topic) {
    for (const auto& t : get("/admin/outbox").value("topics", json::array()))
      if (t.value("topic", "") == topic) return t;
    return json::object();
  }
  // The pending rows of one topic that belong to `user`.
  json outbox_rows(const std::string& topic, const std::string& user) {
    json out = json::array();
    for (const auto& row : get("/admin/outbox/" + topic + "?limit=1000").value("rows", json::array()))
      if (row.value("user_id", "") == user) out.push_back(row);
    return out;
  }
  json dead_letters() { return get("/admin/dead-letters").value("dead_letters", json::array()); }
  json blocked_lanes() { return get("/admin/lanes").value("blocked_lanes", json::array()); }
  json discarded() { return get("/admin/discarded").value("discarded", json::array()); }
  std::string metrics() { return http.request("GET", "/metrics").body; }
};

bool lists_event(const json& entries, const std::string& event_id) {
  for (const auto& e : entries)
    if (e.value("event_id", "") == event_id) return true;
  return false;
}

bool is_problem(const HttpResponse& r, long status) {
  return r.status == status && r.header("content-type").rfind("application/problem+json", 0) == 0;
}

// ---- Checks over the ledger and the sidecar (Boost.Test assertions: main thread only).

void check_no_client_failures(const Ledger& ledger) {
  const auto failures = ledger.failures();
  BOOST_TEST(failures.empty(), failures.size() << " mutations failed");
  for (size_t i = 0; i < std::min<size_t>(failures.size(), 5); ++i) BOOST_TEST_MESSAGE(failures[i]);
}

// Each user's lane of every topic shows that user's events in commit order, each once (this
// also puts task.sync of each task in version order). The first lanes that differ are shown.
void check_lanes_in_commit_order(const RecordingSidecar& sidecar, const Ledger& ledger,
                                 const std::vector<std::string>& users) {
  const auto commits = ledger.commits();
  size_t lanes = 0, wrong = 0;
  for (const auto& topic : topics) {
    const auto deliveries = first_deliveries(sidecar, topic);
    for (const auto& user : users) {
      ++lanes;
      const auto delivered = delivered_lane(deliveries, user), committed = committed_lane(commits, topic, user);
      if (delivered == committed || ++wrong > 3) continue;
      BOOST_TEST_CONTEXT(user << " on " << topic) {
        BOOST_TEST(delivered == committed, boost::test_tools::per_element());
      }
    }
  }
  BOOST_TEST(wrong == 0u, wrong << " of " << lanes << " lanes differ from their commit order");
}

// Every event of `users` was delivered within `bound` of its commit.
void check_delivered_within(const RecordingSidecar& sidecar, const Ledger& ledger,
                            const std::vector<std::string>& users, milliseconds bound) {
  milliseconds worst{0};
  size_t late = 0;
  for (const auto& l : delivery_latencies(sidecar, ledger.commits(), users)) {
    worst = std::max(worst, l.took);
    if (l.took > bound) {
      if (++late <= 5)
        BOOST_TEST_MESSAGE(l.user << " " << l.topic << " " << l.event << " took " << l.took.count() << " ms");
    }
  }
  BOOST_TEST_MESSAGE("slowest delivery " << worst.count() << " ms (bound " << bound.count() << " ms)");
  BOOST_TEST(late == 0u, late << " events delivered later than " << bound.count() << " ms after their commit");
}

// Waits until every event of `users` is delivered; when they are not, the failed check says
// how many were.
bool check_all_delivered(const RecordingSidecar& sidecar, const Ledger& ledger, const std::vector<std::string>& users,
                         milliseconds deadline, const std::string& what) {
  if (wait_until([&] { return all_delivered(sidecar, ledger.commits(), users); }, deadline, milliseconds(100)))
    return true;
  const auto commits = ledger.commits();
  BOOST_TEST(false, what << ": " << delivery_latencies(sidecar, commits, users).size() << " of "
                         << committed_events(commits, users) << " events delivered after " << deadline.count()
                         << " ms");
  return false;
}

// The first request on `topic` from `user`'s lane, once it arrived.
std::optional<RecordedPublish> first_request(const RecordingSidecar& sidecar, const std::string& topic,
                                             const std::string& user) {
  for (auto& r : sidecar.requests(topic))
    if (r.partition_key == user) return std::move(r);
  return std::nullopt;
}

// Whether `user`'s lane has been tried on every topic.
bool tried_on_every_topic(const RecordingSidecar& sidecar, const std::string& user) {
  for (const auto& topic : topics)
    if (!first_request(sidecar, topic, user)) return false;
  return true;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ---- A lane stopped by a poison event, for the redrive and discard cases.

// Five users flowing, and one whose first task-events event (task.created of `task_id`) was
// refused for itself with 400 ERR_PUBSUB_EVENTS_SER and dead-lettered; that user then committed
// `later` more task-events events (and events on the other topics, which flowed).
struct PoisonedLane {
  std::string user, poison_id, task_id;
  std::vector<std::string> others;
  size_t later = 0;
};

PoisonedLane poison_one_lane(RecordingSidecar& sidecar, TaskdProcess& taskd, Admin& admin, Ledger& ledger) {
  PoisonedLane lane;
  {
    // Traffic first, so that the topic is seen working when the poison comes (one round each).
    Crowd warm_up(taskd, ledger, "flowing", 5, Clock::now(), seconds(1));
    warm_up.join();
    lane.others = warm_up.users();
  }
  BOOST_REQUIRE(check_all_delivered(sidecar, ledger, lane.others, seconds(10), "the warm-up"));

  // The event's id exists only once it is committed: its lane is refused until the first attempt
  // shows the id, then that one event alone is.
  UserApi poisoned(taskd, unique_user("poisoned"));
  lane.user = poisoned.user();
  const auto poison = daprd_error(400, "ERR_PUBSUB_EVENTS_SER");
  sidecar.behave_for_key("task-events", lane.user, poison);
  const auto created = poisoned.create({{"title", "poison"}, {"due_date", "2027-03-01T09:00:00Z"}});
  record(ledger, poisoned, "create", created, topics);
  BOOST_REQUIRE(created.status == 201);
  lane.task_id = created.json()["id"];
  std::optional<RecordedPublish> first;
  BOOST_REQUIRE(wait_until([&] { return (first = first_request(sidecar, "task-events", lane.user)).has_value(); }));
  BOOST_REQUIRE(first->event["type"] == "task.created");
  BOOST_REQUIRE(first->event["subject"] == lane.task_id);
  lane.poison_id = first->event_id();
  sidecar.behave_for_event(lane.poison_id, poison);                      // first, so that no retry slips through
  sidecar.behave_for_key("task-events", lane.user, SidecarBehaviour{});  // the rest of the lane: 204
  BOOST_REQUIRE_MESSAGE(wait_until([&] { return lists_event(admin.dead_letters(), lane.poison_id); }),
                        "the poison event is dead-lettered");

  // Behind it: the task renamed and completed, and one more round (task-events: 5 events).
  record(ledger, poisoned, "patch", poisoned.patch(lane.task_id, {{"title", "still poison"}}),
         {"task-events", "task-updates"});
  record(ledger, poisoned, "complete", poisoned.complete(lane.task_id), topics);
  live_one_round(poisoned, ledger, 1);
  lane.later = committed_lane(ledger.commits(), "task-events", lane.user).size() - 1;
  for (const auto& user : lane.others) {
    UserApi api(taskd, user);
    live_one_round(api, ledger, 1);
  }
  check_no_client_failures(ledger);
  BOOST_REQUIRE(check_all_delivered(sidecar, ledger, lane.others, seconds(10), "the other users, lane blocked"));
  BOOST_REQUIRE(wait_until(
      [&] {
        const auto commits = ledger.commits();
        for (const char* topic : {"task-updates", "reminders"})
          if (delivered_lane(first_deliveries(sidecar, topic), lane.user).size() !=
              committed_lane(commits, topic, lane.user).size())
            return false;
        return true;
      },
      seconds(10), milliseconds(100)));
  return lane;
}

// While the lane is blocked: nothing of it reached the topic and only the poison event was ever
// tried; the user's other topics and every other user are complete and in order.
void check_only_the_lane_waits(const RecordingSidecar& sidecar, const Ledger& ledger, const PoisonedLane& lane) {
  BOOST_TEST(delivered_lane(first_deliveries(sidecar, "task-events"), lane.user).empty(),
             "no later event of the lane overtook the dead letter");
  size_t tried_behind = 0;
  for (const auto& r : sidecar.requests("task-events"))
    tried_behind += r.partition_key == lane.user && r.event_id() != lane.poison_id;
  BOOST_TEST(tried_behind == 0u, tried_behind << " requests of events waiting behind the dead letter were sent");
  check_lanes_in_commit_order(sidecar, ledger, lane.others);
  const auto commits = ledger.commits();
  for (const char* topic : {"task-updates", "reminders"})
    BOOST_TEST(delivered_lane(first_deliveries(sidecar, topic), lane.user) == committed_lane(commits, topic, lane.user),
               topic);
}

// The operator's views of the blocked lane: GET /admin/lanes, the waiting rows, the outbox
// summary and /metrics.
void check_lane_shown_blocked(Admin& admin, const PoisonedLane& lane) {
  const json blocked = admin.blocked_lanes();
  BOOST_TEST(blocked.size() == 1u, "GET /admin/lanes lists the one blocked lane");
  if (blocked.size() == 1u) {
    const json& b = blocked[0];
    BOOST_TEST(b.value("topic", "") == "task-events");
    BOOST_TEST(b.value("user_id", "") == lane.user);
    BOOST_TEST(b.value("event_id", "") == lane.poison_id);
    BOOST_TEST(b.value("event_type", "") == "task.created");
    BOOST_TEST(b.value("task_id", "") == lane.task_id);
    BOOST_TEST((b.contains("dead_letter_id") && !b["dead_letter_id"].is_null()));
    BOOST_TEST(!b.value("since", "").empty());
    BOOST_TEST(!b.value("reason", "").empty());
    BOOST_TEST(b.value("waiting", -1LL) >= static_cast<long long>(lane.later));
  }

  const json rows = admin.outbox_rows("task-events", lane.user);
  BOOST_TEST(rows.size() == lane.later);
  for (const auto& row : rows) BOOST_TEST(row.value("waiting_behind", "") == lane.poison_id, row.dump());

  const json events = admin.outbox("task-events");
  for (const char* field : {"pending", "oldest_pending_age_ms", "lanes", "lanes_backing_off", "lanes_blocked",
                            "dead_letters", "oldest_dead_letter_age_ms"})
    BOOST_TEST(events.contains(field), "GET /admin/outbox task-events has " << field);
  BOOST_TEST(events.value("lanes_blocked", -1) == 1);
  BOOST_TEST(events.value("dead_letters", -1) == 1);
  BOOST_TEST(events.value("oldest_dead_letter_age_ms", -1LL) >= 0);
  for (const char* other : {"task-updates", "reminders"}) {
    const json summary = admin.outbox(other);
    BOOST_TEST(summary.value("lanes_blocked", -1) == 0, other);
    BOOST_TEST(summary.value("dead_letters", -1) == 0, other);
  }

  const auto text = admin.metrics();
  BOOST_TEST(sample(text, R"(tasks_outbox_lanes_blocked{topic="task-events"})") == 1);
  BOOST_TEST(sample(text, R"(tasks_dead_letters{topic="task-events"})") == 1);
}

}  // namespace

// ---- The stand-in itself: what the tests below rely on.

BOOST_AUTO_TEST_SUITE(recording_sidecar)

namespace {

// One publish as taskd sends it, for `key`, carrying a CloudEvent with `event_id`.
HttpResponse publish(HttpClient& http, const std::string& topic, const std::string& key, const std::string& event_id) {
  const json event = {{"specversion", "1.0"}, {"id", event_id}, {"type", "test"}, {"source", "t"}};
  return http.request("POST", "/v1.0/publish/pubsub-kafka/" + topic + "?metadata.partitionKey=" + key, event.dump(),
                      {"Content-Type: application/cloudevents+json"});
}

}  // namespace

BOOST_AUTO_TEST_CASE(answers_by_event_then_lane_then_key_then_topic_then_default) {
  RecordingSidecar sidecar;
  sidecar.dump_events(false);  // this suite sends its own made-up events, not taskd's
  HttpClient http(sidecar.endpoint());
  sidecar.behave("", SidecarBehaviour{503});
  sidecar.behave("task-events", daprd_error(500, "ERR_PUBSUB_PUBLISH_MESSAGE"));
  sidecar.behave_for_key("", "bob", SidecarBehaviour{429});
  sidecar.behave_for_key("task-events", "bob", SidecarBehaviour{403});
  sidecar.behave_for_event("poison", daprd_error(400, "ERR_PUBSUB_EVENTS_SER"));

  BOOST_TEST(publish(http, "reminders", "alice", "e1").status == 503);    // default
  BOOST_TEST(publish(http, "task-events", "alice", "e2").status == 500);  // topic
  BOOST_TEST(publish(http, "reminders", "bob", "e3").status == 429);      // key on every topic
  BOOST_TEST(publish(http, "task-events", "bob", "e4").status == 403);    // key on this topic
  const auto poison = publish(http, "task-events", "bob", "poison");      // the event itself
  BOOST_TEST(poison.status == 400);
  BOOST_TEST(poison.header("content-type") == "application/json");
  BOOST_TEST(poison.json()["errorCode"] == "ERR_PUBSUB_EVENTS_SER");
  BOOST_TEST(poison.json()["message"].is_string());
  BOOST_TEST(publish(http, "task-events", "alice", "e5").json()["errorCode"] == "ERR_PUBSUB_PUBLISH_MESSAGE");
  BOOST_TEST(publish(http, "reminders", "alice", "e6").json()["errorCode"] == "ERR_TEST");  // no code given

  sidecar.forget_overrides();
  BOOST_TEST(publish(http, "task-events", "bob", "poison").status == 500);  // the topic's again
  sidecar.behave("", SidecarBehaviour{});
  BOOST_TEST(publish(http, "reminders", "bob", "e7").status == 204);

  const auto all = sidecar.requests();
  BOOST_REQUIRE_EQUAL(all.size(), 9u);
  BOOST_TEST(all[3].partition_key == "bob");
  BOOST_TEST(all[3].topic == "task-events");
  BOOST_TEST(all[3].answered == 403);
  BOOST_TEST(all[4].event_id() == "poison");
  BOOST_TEST(sidecar.delivered().size() == 1u);
}

namespace {

// One bulk publish as taskd sends it: entries (key, event id), each with its own partitionKey.
HttpResponse publish_bulk(HttpClient& http, const std::string& topic,
                          const std::vector<std::pair<std::string, std::string>>& entries) {
  json body = json::array();
  int n = 0;
  for (const auto& [key, event_id] : entries)
    body.push_back({{"entryId", std::to_string(++n)},
                    {"event", {{"specversion", "1.0"}, {"id", event_id}, {"type", "test"}, {"source", "t"}}},
                    {"contentType", "application/cloudevents+json"},
                    {"metadata", {{"partitionKey", key}}}});
  return http.request("POST", "/v1.0/publish/bulk/pubsub-kafka/" + topic, body.dump(),
                      {"Content-Type: application/json"});
}

}  // namespace

BOOST_AUTO_TEST_CASE(bulk_entries_are_recorded_and_answered_one_by_one_as_daprd_does) {
  RecordingSidecar sidecar;
  sidecar.dump_events(false);  // this suite sends its own made-up events, not taskd's
  HttpClient http(sidecar.endpoint());
  sidecar.behave_for_event("bad", daprd_error(500, "ERR_PUBSUB_PUBLISH_MESSAGE"));
  // Two lanes, one failed entry in the middle of alice's: daprd's partial failure.
  auto partial = publish_bulk(http, "task-events", {{"alice", "a1"}, {"alice", "bad"}, {"alice", "a3"}, {"bob", "b1"}});
  BOOST_TEST(partial.status == 500);
  BOOST_TEST(partial.json()["errorCode"] == "ERR_PUBSUB_PUBLISH_MESSAGE");
  BOOST_TEST(partial.json()["failedEntries"].size() == 1u);
  BOOST_TEST(partial.json()["failedEntries"][0]["entryId"] == "2");
  BOOST_TEST(partial.json()["failedEntries"][0]["error"].is_string());
  auto all = sidecar.requests();
  BOOST_REQUIRE_EQUAL(all.size(), 4u);
  BOOST_TEST(all[0].bulk);
  BOOST_TEST(all[0].partition_key == "alice");
  BOOST_TEST(all[3].partition_key == "bob");
  BOOST_TEST(all[1].event_id() == "bad");
  BOOST_TEST(all[1].entry_id == "2");
  BOOST_TEST(all[1].answered == 500);
  BOOST_TEST(all[2].answered == 204);  // written behind the failed one, as the broker would
  BOOST_TEST(all[0].content_type == "application/cloudevents+json");
  BOOST_TEST(json::parse(all[0].body)["id"] == "a1");
  BOOST_TEST(all[0].request == all[3].request);
  BOOST_TEST(sidecar.request_count() == 4u);  // events
  BOOST_TEST(sidecar.http_request_count() == 1u);
  BOOST_TEST(sidecar.bulk_request_count() == 1u);
  BOOST_TEST(sidecar.max_in_flight_per_lane() == 1u);  // one request: one in flight per lane

  // A failure that is not one entry's answers the whole request.
  sidecar.behave_for_key("task-events", "bob", daprd_error(403, "ERR_PUBSUB_FORBIDDEN"));
  auto whole = publish_bulk(http, "task-events", {{"alice", "a4"}, {"bob", "b2"}});
  BOOST_TEST(whole.status == 403);
  BOOST_TEST(whole.json()["errorCode"] == "ERR_PUBSUB_FORBIDDEN");
  BOOST_TEST(!whole.json().contains("failedEntries"));
  all = sidecar.requests();
  BOOST_TEST(all[4].answered == 403);
  BOOST_TEST(all[5].answered == 403);
  sidecar.forget_overrides();
  BOOST_TEST(publish_bulk(http, "task-events", {{"alice", "a5"}}).status == 204);

  // A body daprd cannot read, repeated entry ids: 400 for the whole request, nothing recorded.
  const auto unreadable =
      http.request("POST", "/v1.0/publish/bulk/pubsub-kafka/task-events", "[{", {"Content-Type: application/json"});
  BOOST_TEST(unreadable.status == 400);
  BOOST_TEST(unreadable.json()["errorCode"] == "ERR_PUBSUB_EVENTS_SER");
  BOOST_TEST(sidecar.requests().size() == 7u);

  // Without the bulk route: a 404 with no Dapr errorCode, as a server that lacks the route.
  sidecar.serve_bulk(false);
  const auto refused = publish_bulk(http, "task-events", {{"alice", "a6"}});
  BOOST_TEST(refused.status == 404);
  BOOST_TEST(refused.body.find("errorCode") == std::string::npos);
  BOOST_TEST(sidecar.requests().size() == 7u);
  BOOST_TEST(publish(http, "task-events", "alice", "a6").status == 204);  // single publish still served
  BOOST_TEST(sidecar.http_request_count() == 6u);
  BOOST_TEST(sidecar.bulk_request_count() == 4u);
}

BOOST_AUTO_TEST_CASE(a_closing_lane_records_the_request_and_closes_without_an_answer) {
  RecordingSidecar sidecar;
  sidecar.dump_events(false);  // this suite sends its own made-up events, not taskd's
  HttpClient http(sidecar.endpoint());
  sidecar.behave_for_key("", "carol", closes_connection());
  const auto closed = publish(http, "task-events", "carol", "c1");
  BOOST_TEST(closed.status == 0);  // no answer at all
  BOOST_TEST(!closed.error.empty());
  BOOST_TEST(publish(http, "task-events", "dave", "d1").status == 204);  // others are answered
  // On a kept-alive connection curl takes a close without an answer for a stale connection and
  // sends the request once more on a new one (which is closed too): taskd's client does the same.
  BOOST_TEST(publish(http, "task-events", "carol", "c2").status == 0);
  const auto all = sidecar.requests("task-events");
  BOOST_REQUIRE_GE(all.size(), 3u);
  BOOST_TEST(all[0].event_id() == "c1");
  BOOST_TEST(all[0].answered == 0);
  BOOST_TEST(all[1].answered == 204);
  for (size_t i = 2; i < all.size(); ++i) BOOST_TEST((all[i].event_id() == "c2" && all[i].answered == 0));
  BOOST_TEST(sidecar.max_in_flight_for("task-events", "carol") == 1u);
  sidecar.forget_overrides();
  BOOST_TEST(publish(http, "task-events", "carol", "c3").status == 204);
}

BOOST_AUTO_TEST_CASE(requests_carry_their_arrival_time_and_a_decoded_key) {
  RecordingSidecar sidecar;
  sidecar.dump_events(false);  // this suite sends its own made-up events, not taskd's
  HttpClient http(sidecar.endpoint());
  const auto before = Clock::now();
  BOOST_TEST(publish(http, "task-updates", "a%20b%2Fc", "t1").status == 204);
  sidecar.behave("", SidecarBehaviour{204, milliseconds(150), false});
  BOOST_TEST(publish(http, "task-updates", "a%20b%2Fc", "t2").status == 204);
  const auto after = Clock::now();
  const auto all = sidecar.requests();
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_TEST(all[0].partition_key == "a b/c");
  BOOST_TEST((all[0].at >= before && all[0].at <= all[1].at && all[1].at <= after));
  // Arrival, not answer: the second was answered 150 ms after it arrived.
  BOOST_TEST((after - all[1].at >= milliseconds(150)));
  BOOST_TEST(sidecar.max_in_flight_per_lane() == 1u);
}

BOOST_AUTO_TEST_CASE(stop_and_start_refuse_then_serve_again_on_the_same_port) {
  RecordingSidecar sidecar;
  sidecar.dump_events(false);  // this suite sends its own made-up events, not taskd's
  sidecar.behave("", SidecarBehaviour{204, milliseconds(0), true});  // hang
  std::thread hung([&] {
    HttpClient http(sidecar.endpoint(), 5'000);
    publish(http, "task-events", "erin", "h1");
  });
  BOOST_REQUIRE(wait_until([&] { return sidecar.request_count() == 1u; }));
  // A process forked meanwhile (as taskd is, by the tests) inherits none of its sockets: once
  // stopped, the port refuses connections instead of queueing them in the child's copy.
  pid_t child = -1;
  const char* argv[] = {"sleep", "30", nullptr};
  BOOST_REQUIRE(posix_spawnp(&child, "sleep", nullptr, nullptr, const_cast<char* const*>(argv), environ) == 0);
  sidecar.stop();  // the hung request ends unanswered with its connection
  hung.join();
  HttpClient http(sidecar.endpoint());
  const auto refused = publish(http, "task-events", "erin", "h2");
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  BOOST_TEST(refused.status == 0);
  BOOST_TEST(refused.error.find("connect") != std::string::npos, refused.error);  // not a timeout
  sidecar.behave("", SidecarBehaviour{});
  sidecar.start();
  BOOST_TEST(publish(http, "task-events", "erin", "h3").status == 204);
  BOOST_TEST(sidecar.request_count() == 2u);
  BOOST_TEST(sidecar.requests()[0].answered == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- taskd against partial failures.

BOOST_AUTO_TEST_SUITE(partial_failure)

// a (and f: lanes_backing_off).
BOOST_AUTO_TEST_CASE(one_users_refused_lane_backs_off_alone_while_fifty_others_flow) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(partial_failure_env(sidecar));
  Admin admin(*taskd);
  Ledger ledger;
  UserApi refused(*taskd, unique_user("refused"));
  sidecar.behave_for_key("", refused.user(), daprd_error(500, "ERR_PUBSUB_PUBLISH_MESSAGE"));
  for (int round = 0; round < 2; ++round) live_one_round(refused, ledger, round);
  BOOST_REQUIRE(wait_until([&] { return tried_on_every_topic(sidecar, refused.user()); }));
  const auto refusals_began = first_request(sidecar, "task-events", refused.user())->at;

  // Fifty users create, rename and complete tasks for six seconds.
  Crowd crowd(*taskd, ledger, "flowing", 50, Clock::now() + seconds(6), milliseconds(1500));
  BOOST_TEST(wait_until(
                 [&] {
                   for (const auto& topic : topics)
                     if (admin.outbox(topic).value("lanes_backing_off", 0) < 1) return false;
                   return true;
                 },
                 seconds(5), milliseconds(100)),
             "GET /admin/outbox shows the refused lane backing off on every topic");
  crowd.join();
  const auto window_end = Clock::now();
  check_no_client_failures(ledger);

  check_all_delivered(sidecar, ledger, crowd.users(), seconds(20), "the fifty other users");
  check_delivered_within(sidecar, ledger, crowd.users(), delivery_bound);
  check_lanes_in_commit_order(sidecar, ledger, crowd.users());

  // The refused lane backed off: over the window (~6 s), retrying after 100 ms·2^n (full jitter,
  // at most 4 s) makes about log2(6 s / 100 ms) ≈ 6 to 10 attempts, 15 at the very most;
  // retrying on every poll or nudge would make dozens to hundreds. One request of a lane at a
  // time, on every lane.
  const auto window = std::chrono::duration_cast<milliseconds>(window_end - refusals_began);
  for (const auto& topic : topics) {
    const auto attempts = lane_attempts(sidecar, topic, refused.user(), refusals_began, window_end);
    BOOST_TEST_MESSAGE(topic << ": " << attempts << " attempts of the refused lane in " << window.count() << " ms");
    BOOST_TEST(attempts <= 15u, topic << ": " << attempts << " attempts in " << window.count() << " ms");
    BOOST_TEST(delivered_lane(first_deliveries(sidecar, topic), refused.user()).empty());
  }
  BOOST_TEST(sidecar.max_in_flight_per_lane() == 1u);

  // The refusal stops: the lane's events go out, all of them, in commit order; none was given up.
  sidecar.forget_overrides();
  check_all_delivered(sidecar, ledger, {refused.user()}, seconds(20), "the refused lane, once accepted");
  check_lanes_in_commit_order(sidecar, ledger, {refused.user()});
  BOOST_TEST(admin.dead_letters().empty());
  BOOST_TEST(sidecar.max_in_flight_per_lane() == 1u);
}

// b, redrive (and f: lanes_blocked, dead_letters; /metrics).
BOOST_AUTO_TEST_CASE(a_poison_event_blocks_only_its_lane_until_redriven_in_its_commit_place) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(partial_failure_env(sidecar));
  Admin admin(*taskd);
  Ledger ledger;
  const auto lane = poison_one_lane(sidecar, *taskd, admin, ledger);
  check_only_the_lane_waits(sidecar, ledger, lane);
  check_lane_shown_blocked(admin, lane);

  sidecar.forget_overrides();  // the cause is fixed
  const auto redriven = admin.post("/admin/dead-letters/" + lane.poison_id + "/redrive");
  BOOST_TEST(redriven.status == 200, redriven.body);
  check_all_delivered(sidecar, ledger, {lane.user}, seconds(10), "the redriven event and those behind it");
  const auto lane_events = delivered_lane(first_deliveries(sidecar, "task-events"), lane.user);
  BOOST_TEST(lane_events == committed_lane(ledger.commits(), "task-events", lane.user),
             boost::test_tools::per_element());
  BOOST_TEST((!lane_events.empty() && lane_events.front() == EventRef{lane.task_id, 1}), "the poison event first");
  BOOST_TEST(admin.blocked_lanes().empty());
  BOOST_TEST(admin.dead_letters().empty());
  BOOST_TEST(admin.outbox("task-events").value("lanes_blocked", -1) == 0);
  check_lanes_in_commit_order(sidecar, ledger, concat(lane.others, {lane.user}));
}

// b, discard.
BOOST_AUTO_TEST_CASE(a_discarded_poison_event_lets_its_lane_go_on_and_is_recorded) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(partial_failure_env(sidecar));
  Admin admin(*taskd);
  Ledger ledger;
  const auto lane = poison_one_lane(sidecar, *taskd, admin, ledger);
  check_only_the_lane_waits(sidecar, ledger, lane);
  BOOST_TEST(admin.blocked_lanes().size() == 1u);

  const std::string discard = "/admin/dead-letters/" + lane.poison_id + "/discard";
  BOOST_TEST(is_problem(admin.post(discard, {{"by", "alice"}}), 400), "a discard needs a reason");
  BOOST_TEST(lists_event(admin.dead_letters(), lane.poison_id), "a refused discard changes nothing");
  BOOST_TEST(is_problem(
      admin.post("/admin/dead-letters/" + tasks::new_uuid() + "/discard", {{"by", "alice"}, {"reason", "bad payload"}}),
      404));

  // From here the sidecar would take the poison event too: it must never be sent again.
  sidecar.forget_overrides();
  const auto discarded_at = Clock::now();
  const auto discarded = admin.post(discard, {{"by", "alice"}, {"reason", "bad payload"}});
  BOOST_TEST(discarded.status == 200, discarded.body);
  BOOST_REQUIRE_MESSAGE(
      wait_until(
          [&] { return delivered_lane(first_deliveries(sidecar, "task-events"), lane.user).size() >= lane.later; },
          seconds(10), milliseconds(100)),
      "the events behind the discarded one are delivered");
  auto expected = committed_lane(ledger.commits(), "task-events", lane.user);
  expected.erase(expected.begin());  // the poison event, never delivered
  BOOST_TEST(delivered_lane(first_deliveries(sidecar, "task-events"), lane.user) == expected,
             boost::test_tools::per_element());
  for (const auto& r : sidecar.requests("task-events"))
    if (r.at >= discarded_at) BOOST_TEST(r.event_id() != lane.poison_id, "the discarded event is not sent again");
  for (const auto& r : sidecar.delivered("task-events")) BOOST_TEST(r.event_id() != lane.poison_id);

  const json records = admin.discarded();
  BOOST_TEST(records.size() == 1u, "GET /admin/discarded records the discard");
  if (records.size() == 1u) {
    const json& d = records[0];
    BOOST_TEST(d.value("event_id", "") == lane.poison_id);
    BOOST_TEST(d.value("topic", "") == "task-events");
    BOOST_TEST(d.value("user_id", "") == lane.user);
    BOOST_TEST(d.value("discarded_by", "") == "alice");
    BOOST_TEST(d.value("note", "") == "bad payload");
    BOOST_TEST(!d.value("discarded_at", "").empty());
  }
  BOOST_TEST(admin.dead_letters().empty());
  BOOST_TEST(admin.blocked_lanes().empty());
}

// c.
BOOST_AUTO_TEST_CASE(a_sidecar_without_a_pubsub_component_dead_letters_nothing) {
  RecordingSidecar sidecar;
  sidecar.behave("", daprd_error(400, "ERR_PUBSUB_NOT_CONFIGURED"));
  auto taskd = Environment::get().start_taskd(partial_failure_env(sidecar, {{"TASKS_PUBLISH_BACKOFF_MAX", "2s"}}));
  Admin admin(*taskd);
  Ledger ledger;
  Crowd crowd(*taskd, ledger, "unconfigured", 5, Clock::now() + seconds(10), seconds(1));
  crowd.join();
  check_no_client_failures(ledger);
  BOOST_TEST(sidecar.request_count() > 0u, "the sidecar was asked");
  BOOST_TEST(sidecar.delivered_count() == 0u);
  BOOST_TEST(admin.dead_letters().empty(), "ten seconds of ERR_PUBSUB_NOT_CONFIGURED dead-letter nothing");

  sidecar.behave("", SidecarBehaviour{});  // the component is loaded
  check_all_delivered(sidecar, ledger, crowd.users(), seconds(20), "once the component is loaded");
  check_lanes_in_commit_order(sidecar, ledger, crowd.users());
  BOOST_TEST(admin.dead_letters().empty());
}

// d.
BOOST_AUTO_TEST_CASE(a_sidecar_down_three_times_the_maximum_age_dead_letters_nothing) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(
      partial_failure_env(sidecar, {{"TASKS_PUBLISH_MAX_AGE", "5s"}, {"TASKS_PUBLISH_BACKOFF_MAX", "2s"}}));
  Admin admin(*taskd);
  Ledger ledger;
  sidecar.stop();
  Crowd crowd(*taskd, ledger, "outage", 5, Clock::now() + seconds(15), milliseconds(1500));
  crowd.join();
  check_no_client_failures(ledger);
  BOOST_TEST(admin.dead_letters().empty(), "an outage of 15 s with a maximum age of 5 s dead-letters nothing");
  // The outage shows as age instead: the first commits are still pending, about 15 s old.
  BOOST_TEST(sample(admin.metrics(), R"(tasks_outbox_oldest_pending_seconds{topic="task-events"})") >= 10);

  sidecar.start();
  check_all_delivered(sidecar, ledger, crowd.users(), seconds(20), "once the sidecar is back");
  check_lanes_in_commit_order(sidecar, ledger, crowd.users());
  BOOST_TEST(admin.dead_letters().empty());
}

// e.
BOOST_AUTO_TEST_CASE(one_users_closed_connections_delay_only_that_user) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(partial_failure_env(sidecar));
  Admin admin(*taskd);
  Ledger ledger;
  UserApi cut_off(*taskd, unique_user("cut-off"));
  sidecar.behave_for_key("", cut_off.user(), closes_connection());
  for (int round = 0; round < 2; ++round) live_one_round(cut_off, ledger, round);
  BOOST_REQUIRE(wait_until([&] { return tried_on_every_topic(sidecar, cut_off.user()); }));

  Crowd crowd(*taskd, ledger, "flowing", 10, Clock::now() + seconds(4), seconds(1));
  crowd.join();
  check_no_client_failures(ledger);
  check_all_delivered(sidecar, ledger, crowd.users(), seconds(20), "the ten other users");
  check_delivered_within(sidecar, ledger, crowd.users(), delivery_bound);
  check_lanes_in_commit_order(sidecar, ledger, crowd.users());
  for (const auto& topic : topics) BOOST_TEST(delivered_lane(first_deliveries(sidecar, topic), cut_off.user()).empty());

  sidecar.forget_overrides();
  check_all_delivered(sidecar, ledger, {cut_off.user()}, seconds(20), "the cut-off lane, once answered");
  check_lanes_in_commit_order(sidecar, ledger, {cut_off.user()});
  BOOST_TEST(admin.dead_letters().empty());
  BOOST_TEST(sidecar.max_in_flight_per_lane() == 1u);
}

// The sidecar's answer goes into the outbox's last_error and into the dead letter's reason. An
// answer in bytes that are not UTF-8 (a proxy answering in Latin-1, a character cut) is made
// valid first: PostgreSQL refuses such a text, and with it the whole settle, so the failure
// would never be recorded and the event never dead-lettered (found by fuzzing, issue 14).
BOOST_AUTO_TEST_CASE(an_answer_in_bytes_that_are_not_utf8_is_recorded_and_dead_letters_on_either_database) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(partial_failure_env(sidecar));
  Admin admin(*taskd);
  UserApi flowing(*taskd, unique_user("flowing"));
  BOOST_REQUIRE(flowing.create({{"title", "first"}}).status == 201);
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered("task-events").size() == 1u; }));

  UserApi latin1(*taskd, unique_user("latin1"));
  const std::string foreign = "caf\xe9 \xff\xfe and a cut \xe2\x82";
  SidecarBehaviour failing{500};
  failing.body = R"({"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE","message":")" + foreign + "\"}";
  sidecar.behave_for_key("task-events", latin1.user(), failing);
  BOOST_REQUIRE(latin1.create({{"title", "refused"}}).status == 201);
  const std::string replacement = "\xef\xbf\xbd";  // U+FFFD
  std::string last_error;
  BOOST_TEST(wait_until([&] {
               const auto rows = admin.outbox_rows("task-events", latin1.user());
               last_error = rows.empty() ? "" : rows[0].value("last_error", "");
               return !last_error.empty();
             }),
             "the failure is recorded in the outbox row");
  BOOST_TEST(last_error.find("caf" + replacement) != std::string::npos, last_error);
  BOOST_TEST(admin.get("/admin/publishers").dump().find("caf" + replacement) != std::string::npos);

  SidecarBehaviour refused{400};
  refused.body = R"({"errorCode":"ERR_PUBSUB_EVENTS_SER","message":")" + foreign + "\"}";
  sidecar.behave_for_key("task-events", latin1.user(), refused);
  json dead;
  BOOST_TEST(wait_until([&] {
               for (const auto& d : admin.dead_letters())
                 if (d.value("user_id", "") == latin1.user()) dead = d;
               return !dead.is_null();
             }),
             "the refused event is dead-lettered");
  const std::string reason = dead.is_object() ? dead.value("reason", "") : "";
  BOOST_TEST(reason.find("caf" + replacement) != std::string::npos, reason);
  // Whatever the one lane got, the others go on.
  BOOST_REQUIRE(flowing.create({{"title", "second"}}).status == 201);
  BOOST_TEST(wait_until([&] { return sidecar.delivered("task-events").size() == 2u; }));
}

BOOST_AUTO_TEST_SUITE_END()
