// The publisher actors alone, in process: a real SQLite store, the persistence actor, and a
// recording sidecar on loopback standing in for Dapr.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <set>

#include "actors/supervisor.hpp"
#include "core/ids.hpp"
#include "core/time.hpp"
#include "events/publisher.hpp"
#include "persistence/persistence_actor.hpp"
#include "persistence/store.hpp"
#include "tests/support/ask.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/taskd_process.hpp"
#include "tests/support/wait.hpp"

using namespace tasks;
using namespace tasks::testing;
using std::chrono::milliseconds;

namespace {

const std::string topic = "task-events";

struct World {
  std::string dir = make_temp_dir("publisher");
  std::shared_ptr<Store> store = std::make_shared<Store>(parse_db_url("sqlite:" + dir + "/t.db"));
  RecordingSidecar sidecar;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys = std::make_unique<caf::actor_system>(cfg);
  StoreHandles handles = spawn_persistence(*sys, store);
  persistence_actor persistence = handles.writer;

  PublisherOptions options(size_t concurrency = 8) {
    PublisherOptions o;
    o.target = DaprTarget{sidecar.endpoint(), "pubsub-kafka", topic, "", milliseconds(500)};
    o.policy = RetryPolicy{milliseconds(20), 2.0, milliseconds(100), milliseconds(60'000)};
    o.concurrency = concurrency;
    o.poll_interval = milliseconds(50);
    return o;
  }

  // Commits one task and `n` events for it on `topic`, as the user actor would.
  std::vector<std::string> commit_events(const std::string& user, int n, const std::string& traceparent = "") {
    Task t;
    t.id = new_uuid();
    t.user_id = user;
    t.title = "t";
    t.created_at = t.updated_at = now_millis();
    Commit c{ChangeKind::insert, t, 0, {}};
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      OutboxEvent e;
      e.topic = topic;
      e.event_id = new_uuid();
      e.event_type = "task.created";
      e.partition_key = user;
      e.task_id = t.id;
      e.correlation_id = "corr-" + user;
      e.traceparent = traceparent;
      e.payload = nlohmann::json{{"specversion", "1.0"}, {"id", e.event_id}, {"seq", i}}.dump();
      e.created_at = now_millis();
      ids.push_back(e.event_id);
      c.events.push_back(e);
    }
    caf::scoped_actor self{*sys};
    self->request(persistence, std::chrono::seconds(5), commit_atom::value, c)
        .receive([](CommitOutcome& o) { BOOST_REQUIRE(o.status == StoreStatus::ok); },
                 [](caf::error& e) { BOOST_FAIL(to_string(e)); });
    return ids;
  }

  long long outbox_rows() {
    caf::scoped_actor self{*sys};
    long long n = 0;
    self->request(handles.monitor, std::chrono::seconds(5), backlog_atom::value, std::int64_t{0},
                  Deadline{std::chrono::steady_clock::now() + std::chrono::seconds(5)})
        .receive(
            [&](std::vector<OutboxBacklog>& b) {
              for (auto& x : b) n += x.pending;
            },
            [](caf::error&) {});
    return n;
  }

  std::vector<DeadLetter> dead() {
    caf::scoped_actor self{*sys};
    std::vector<DeadLetter> out;
    self->request(handles.monitor, std::chrono::seconds(5), dead_atom::value, std::string(), std::int64_t{100},
                  Deadline{std::chrono::steady_clock::now() + std::chrono::seconds(5)})
        .receive([&](std::vector<DeadLetter>& d) { out = std::move(d); }, [](caf::error&) {});
    return out;
  }

  ~World() {
    if (persistence) caf::anon_send_exit(persistence, caf::exit_reason::user_shutdown);
    persistence = nullptr;
    handles = {};
    sys.reset();
    std::filesystem::remove_all(dir);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(publisher)

BOOST_AUTO_TEST_CASE(delivers_every_users_events_in_commit_order_with_key_and_headers) {
  World w;
  const std::string traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  std::map<std::string, std::vector<std::string>> expected;
  for (int u = 0; u < 5; ++u) {
    auto user = "user-" + std::to_string(u);
    for (int round = 0; round < 3; ++round)
      for (auto& id : w.commit_events(user, 4, u == 0 ? traceparent : "")) expected[user].push_back(id);
  }
  auto options = w.options(4);
  options.target.api_token = "sidecar-secret";
  auto pub = spawn_publisher(*w.sys, w.persistence, options);
  caf::anon_send(w.persistence, listen_atom::value, topic, outbox_listener_actor{pub});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 60u; }));
  BOOST_TEST(wait_until([&] { return w.outbox_rows() == 0; }));

  std::map<std::string, std::vector<std::string>> got;
  for (const auto& r : w.sidecar.delivered()) {
    got[r.partition_key].push_back(r.event["id"]);
    BOOST_TEST(r.pubsub == "pubsub-kafka");
    BOOST_TEST(r.topic == topic);
    BOOST_TEST(r.bulk);  // the default
    BOOST_TEST(r.content_type == "application/cloudevents+json");
    BOOST_TEST(r.headers.at("content-type") == "application/json");
    BOOST_TEST(r.headers.at("dapr-api-token") == "sidecar-secret");
    // The request's header is its events' traceparent when they share one.
    if (r.partition_key == "user-0")
      BOOST_TEST(r.headers.at("traceparent") == traceparent);
    else
      BOOST_TEST(r.headers.count("traceparent") == 0u);
  }
  for (const auto& [user, ids] : expected) BOOST_TEST(got[user] == ids, boost::test_tools::per_element());
  BOOST_TEST(w.sidecar.max_in_flight_per_key() == 1u);
  // A lane's due events in one request: at most one request per user and round here.
  BOOST_TEST(w.sidecar.http_request_count() <= 15u);
  BOOST_TEST(w.sidecar.http_request_count() == w.sidecar.bulk_request_count());
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

// The sidecar is next to taskd: a proxy in the environment (a pod's http_proxy, with no
// no_proxy for loopback) must not carry its traffic. The proxy here refuses every connection.
BOOST_AUTO_TEST_CASE(a_proxy_in_the_environment_is_not_used_for_the_sidecar) {
  struct ProxyEnv {
    ProxyEnv() {
      for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"})
        ::setenv(name, "http://127.0.0.1:1", 1);
      ::unsetenv("no_proxy");
      ::unsetenv("NO_PROXY");
    }
    ~ProxyEnv() {
      for (const char* name : {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"}) ::unsetenv(name);
    }
  } proxy;
  World w;
  w.commit_events("alice", 3);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  BOOST_TEST(wait_until([&] { return w.sidecar.delivered_count() == 3u; }));
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(different_users_are_in_flight_together) {
  World w;
  w.sidecar.behave("", SidecarBehaviour{204, milliseconds(200), false});
  for (int u = 0; u < 8; ++u) w.commit_events("user-" + std::to_string(u), 2);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options(8));
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 16u; }));
  BOOST_TEST(w.sidecar.max_in_flight() >= 4u);
  BOOST_TEST(w.sidecar.max_in_flight_per_key() == 1u);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_retried_event_keeps_its_id_and_order_holds_across_retries) {
  World w;
  w.sidecar.behave("", SidecarBehaviour{500});
  auto ids = w.commit_events("alice", 3);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  BOOST_REQUIRE(wait_until([&] { return status_of(*w.sys, pub).details["failed"].get<int>() >= 3; }));
  // While the first is failing, nothing behind it is delivered (bulk sends them along in the
  // lane's first request; the probes after it carry the first alone).
  for (const auto& r : w.sidecar.requests())
    if (r.event["id"] != ids[0]) BOOST_TEST(r.answered != 204);
  BOOST_TEST(status_of(*w.sys, pub).state == "backing off");
  w.sidecar.behave("", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 3u; }));
  auto delivered = w.sidecar.delivered();
  for (size_t i = 0; i < 3; ++i) BOOST_TEST(delivered[i].event["id"] == ids[i]);
  auto s = status_of(*w.sys, pub);
  BOOST_TEST(s.details["delivered"] == 3);
  BOOST_TEST(s.details["retried"].get<int>() >= 3);
  // A sidecar refusing every event alike is the topic's trouble: no lane backs off alone.
  BOOST_TEST(s.details["failures_by_scope"].value("topic", 0) >= 3);
  BOOST_TEST(s.details["failures_by_scope"].value("lane", 0) == 0);
  BOOST_TEST(wait_until([&] { return status_of(*w.sys, pub).state == "idle"; }));
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

// With no event of the topic going through, a 400 cannot be told from "our request is malformed
// for every event": nothing is dead-lettered on that guess (failure_model.hpp).
BOOST_AUTO_TEST_CASE(a_400_for_every_event_dead_letters_nothing) {
  World w;
  w.sidecar.behave("", SidecarBehaviour{400});
  auto ids = w.commit_events("alice", 3);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  BOOST_REQUIRE(wait_until([&] { return status_of(*w.sys, pub).details["failed"].get<int>() >= 3; }));
  BOOST_TEST(w.dead().empty());
  BOOST_TEST(status_of(*w.sys, pub).details["probing"] == true);
  w.sidecar.behave("", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 3u; }));
  auto delivered = w.sidecar.delivered();
  for (size_t i = 0; i < 3; ++i) BOOST_TEST(delivered[i].event["id"] == ids[i]);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

// An outage (every event failing alike) counts toward no event's maximum age.
BOOST_AUTO_TEST_CASE(an_outage_longer_than_the_maximum_age_dead_letters_nothing) {
  World w;
  w.sidecar.behave("", SidecarBehaviour{503});
  auto ids = w.commit_events("alice", 2);
  auto options = w.options();
  options.policy.max_age = milliseconds(200);
  const auto began = std::chrono::steady_clock::now();
  auto pub = spawn_publisher(*w.sys, w.persistence, options);
  BOOST_REQUIRE(wait_until([&] {
    return status_of(*w.sys, pub).details["failed"].get<int>() >= 6 &&
           std::chrono::steady_clock::now() - began > 4 * options.policy.max_age;
  }));
  BOOST_TEST(w.dead().empty());
  BOOST_TEST(w.outbox_rows() == 2);
  w.sidecar.behave("", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 2u; }));
  BOOST_TEST(w.sidecar.delivered()[0].event["id"] == ids[0]);
  BOOST_TEST(w.sidecar.delivered()[1].event["id"] == ids[1]);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

// Refused for itself while others flow (one partition's users): only its failures count toward
// the maximum age; then it is dead-lettered and its lane stops, in order, while others go on.
BOOST_AUTO_TEST_CASE(an_event_failing_for_itself_past_the_maximum_age_stops_its_lane) {
  World w;
  SidecarBehaviour refuse{500};
  refuse.error_code = "ERR_PUBSUB_PUBLISH_MESSAGE";
  w.sidecar.behave_for_key(topic, "alice", refuse);
  auto alice = w.commit_events("alice", 2);
  auto options = w.options();
  options.policy.max_age = milliseconds(300);
  auto pub = spawn_publisher(*w.sys, w.persistence, options);
  caf::anon_send(w.persistence, listen_atom::value, topic, outbox_listener_actor{pub});
  // Bob's events keep flowing the whole time, so alice's refusals are hers.
  BOOST_REQUIRE(wait_until([&] {
    w.commit_events("bob", 1);
    return w.dead().size() == 1u;
  }));
  auto dead = w.dead();
  BOOST_TEST(dead[0].event.event_id == alice[0]);
  BOOST_TEST(dead[0].reason.find("TASKS_PUBLISH_MAX_AGE") != std::string::npos);
  // Alice's second event waits behind it: never delivered, and never sent while the lane is
  // stopped.
  for (const auto& r : w.sidecar.requests()) BOOST_TEST(!(r.event["id"] == alice[1] && r.answered == 204));
  w.sidecar.clear();
  w.sidecar.forget_overrides();
  auto more = w.commit_events("bob", 1);
  BOOST_REQUIRE(wait_until([&] {
    for (const auto& r : w.sidecar.delivered())
      if (r.event["id"] == more[0]) return true;
    return false;
  }));
  for (const auto& r : w.sidecar.requests()) BOOST_TEST(r.event["id"] != alice[1]);
  BOOST_TEST(status_of(*w.sys, pub).details["failures_by_scope"].value("lane", 0) >= 1);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_down_sidecar_is_probed_with_one_event_at_a_time) {
  World w;
  w.sidecar.stop();
  for (int u = 0; u < 6; ++u) w.commit_events("user-" + std::to_string(u), 2);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options(6));
  BOOST_REQUIRE(wait_until([&] { return status_of(*w.sys, pub).details["failed"].get<int>() >= 8; }));
  // After the first failed round, only one event is tried per backoff: the others did not
  // take a failed attempt each time.
  auto s = status_of(*w.sys, pub);
  BOOST_TEST(s.details["probing"] == true);
  w.sidecar.start();
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 12u; }));
  std::set<std::string> ids;
  for (const auto& r : w.sidecar.delivered()) ids.insert(r.event["id"]);
  BOOST_TEST(ids.size() == 12u);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

// An operator's view whose asker has stopped waiting is dropped, not run late: a slow scrape
// never piles up reads on the monitor's connection.
BOOST_AUTO_TEST_CASE(an_expired_view_is_answered_with_an_error_without_running) {
  World w;
  w.commit_events("alice", 1);
  caf::scoped_actor self{*w.sys};
  const auto past = Deadline{std::chrono::steady_clock::now() - milliseconds(1)};
  bool refused = false;
  self->request(w.handles.monitor, std::chrono::seconds(5), backlog_atom::value, std::int64_t{0}, past)
      .receive([](std::vector<OutboxBacklog>&) { BOOST_FAIL("an expired view ran"); },
               [&](caf::error& e) { refused = e == caf::sec::request_timeout; });
  BOOST_TEST(refused);
  self->request(w.handles.monitor, std::chrono::seconds(5), lanes_atom::value, std::string(), std::int64_t{10}, past)
      .receive([](std::vector<BlockedLane>&) { BOOST_FAIL("an expired view ran"); }, [](caf::error&) {});
  BOOST_TEST(w.outbox_rows() == 1);  // a live deadline is served
}

BOOST_AUTO_TEST_CASE(paused_publishers_send_nothing_until_resumed) {
  World w;
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  caf::anon_send(w.persistence, listen_atom::value, topic, outbox_listener_actor{pub});
  {
    caf::scoped_actor self{*w.sys};
    self->request(pub, std::chrono::seconds(5), pause_atom::value).receive([](bool) {}, [](caf::error&) {});
  }
  w.commit_events("alice", 5);
  BOOST_TEST(status_of(*w.sys, pub).state == "paused");
  BOOST_TEST(w.outbox_rows() == 5);
  {
    caf::scoped_actor self{*w.sys};
    self->request(pub, std::chrono::seconds(5), resume_atom::value).receive([](bool) {}, [](caf::error&) {});
  }
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 5u; }));
  BOOST_TEST(w.sidecar.requests().size() == 5u);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_crashed_publisher_is_restarted_and_resumes_without_loss) {
  World w;
  w.sidecar.behave("", SidecarBehaviour{204, milliseconds(0), true});  // hang: nothing is confirmed
  auto directory = std::make_shared<ActorDirectory>();
  SupervisorWiring wiring;
  wiring.directory = directory;
  // Its own connection to the same file: two actors never share one Store.
  auto store = std::make_shared<Store>(parse_db_url("sqlite:" + w.dir + "/t.db"));
  wiring.start_persistence = [store](caf::actor_system& s, std::uint64_t restarts) {
    PersistenceOptions o;
    o.restarts = restarts;
    return spawn_persistence(s, store, o);
  };
  auto options = w.options();
  options.fault_injection = true;
  wiring.publishers.push_back({topic, [options](caf::actor_system& s, persistence_actor p, std::uint64_t restarts) {
                                 auto o = options;
                                 o.restarts = restarts;
                                 return spawn_publisher(s, std::move(p), o);
                               }});
  auto supervisor = spawn_supervisor(*w.sys, wiring);
  BOOST_REQUIRE(wait_until([&] { return directory->publishers().count(topic) == 1u; }));
  auto first = directory->publishers().at(topic);
  // Commit through the supervised persistence actor so that the publisher is nudged.
  caf::anon_send_exit(w.persistence, caf::exit_reason::user_shutdown);
  w.persistence = directory->persistence();
  auto ids = w.commit_events("alice", 5);
  BOOST_REQUIRE(wait_until([&] { return !w.sidecar.requests().empty(); }));

  caf::anon_send(first, crash_atom::value);
  BOOST_REQUIRE(wait_until([&] { return directory->publishers().at(topic) != first; }));
  BOOST_TEST(status_of(*w.sys, directory->publishers().at(topic)).restarts == 1u);
  w.sidecar.behave("", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 5u; }, std::chrono::seconds(15)));
  auto delivered = w.sidecar.delivered();
  for (size_t i = 0; i < 5; ++i) BOOST_TEST(delivered[i].event["id"] == ids[i]);
  BOOST_TEST(wait_until([&] { return w.outbox_rows() == 0; }));
  directory->clear();
  w.persistence = nullptr;
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  w.sys->await_all_actors_done();
}

// ---- Bulk publish (the default): what must not break when a lane's events share a request.

namespace {

SidecarBehaviour publish_message_failure() {
  SidecarBehaviour b{500};
  b.error_code = "ERR_PUBSUB_PUBLISH_MESSAGE";
  return b;
}

// The ids of `user`'s events as the sidecar answered them 204, in arrival order.
std::vector<std::string> delivered_ids(const RecordingSidecar& sidecar, const std::string& user) {
  std::vector<std::string> out;
  for (const auto& r : sidecar.delivered())
    if (r.partition_key == user) out.push_back(r.event_id());
  return out;
}

// Each event's last copy, in the order the last copies arrived: what a consumer keeping the
// latest copy of each id reads.
std::vector<std::string> last_copies(const std::vector<std::string>& arrivals) {
  std::vector<std::string> out;
  for (size_t i = 0; i < arrivals.size(); ++i)
    if (std::find(arrivals.begin() + static_cast<std::ptrdiff_t>(i) + 1, arrivals.end(), arrivals[i]) == arrivals.end())
      out.push_back(arrivals[i]);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(
    a_failed_entry_in_the_middle_of_a_lane_is_sent_again_first_and_nothing_behind_is_marked_delivered) {
  World w;
  auto alice = w.commit_events("alice", 4);
  auto bob = w.commit_events("bob", 2);  // others flow: alice's failure is hers (lane scope)
  w.sidecar.behave_for_event(alice[1], publish_message_failure());
  auto options = w.options();
  options.policy.initial = milliseconds(300);  // the lane waits long enough to look at it
  options.policy.max = milliseconds(300);
  // Not a test of timeouts: on a loaded machine a 500 ms deadline can cut a retry short, and a
  // request without an answer tells nothing of what the broker wrote (no reorder risk counted).
  options.target.timeout = milliseconds(10'000);
  auto pub = spawn_publisher(*w.sys, w.persistence, options);
  BOOST_REQUIRE(wait_until([&] { return status_of(*w.sys, pub).details["reorder_risks"].get<int>() >= 2; }));
  // The broker wrote alice[2] and alice[3] behind the failed alice[1]; none of the three is
  // marked delivered: they wait in the outbox, alice[1] first.
  BOOST_TEST(w.outbox_rows() == 3);
  BOOST_TEST(delivered_ids(w.sidecar, "bob") == bob, boost::test_tools::per_element());
  w.sidecar.forget_overrides();
  BOOST_REQUIRE(wait_until([&] { return w.outbox_rows() == 0; }));
  const auto arrivals = delivered_ids(w.sidecar, "alice");
  // The first round: 0, (1 failed), 2 and 3 written anyway; a retry of 1 that failed again before
  // the override went may have written 2 and 3 again; at last 1, 2, 3 in order.
  BOOST_REQUIRE(arrivals.size() >= 6u);
  BOOST_TEST((std::vector<std::string>(arrivals.begin(), arrivals.begin() + 3)) ==
                 (std::vector<std::string>{alice[0], alice[2], alice[3]}),
             boost::test_tools::per_element());
  BOOST_TEST((std::vector<std::string>(arrivals.end() - 3, arrivals.end())) ==
                 (std::vector<std::string>{alice[1], alice[2], alice[3]}),
             boost::test_tools::per_element());
  BOOST_TEST(last_copies(arrivals) == alice, boost::test_tools::per_element());
  auto s = status_of(*w.sys, pub);
  const int lane_failures = s.details["failures_by_scope"].value("lane", 0);
  BOOST_TEST(lane_failures >= 1);
  BOOST_TEST(s.details["failures_by_scope"].value("topic", 0) == 0);
  // A reorder risk is an entry the broker wrote behind a failed one of its request: count them
  // from what the sidecar answered. A retry of 1 carries 2 and 3 along or goes alone (after a
  // round with few answers the next fetch takes fewer rows a lane), so their number varies.
  std::map<size_t, bool> failed_in_request;
  int written_behind = 0;
  for (const auto& r : w.sidecar.requests()) {
    if (r.answered != 204)
      failed_in_request[r.request] = true;
    else if (failed_in_request[r.request])
      ++written_behind;
  }
  BOOST_TEST(written_behind >= 2);
  BOOST_TEST(s.details["reorder_risks"] == written_behind);
  BOOST_TEST(s.details["delivered"] == 6);
  BOOST_TEST(w.dead().empty());
  BOOST_TEST(w.sidecar.max_in_flight_per_lane() == 1u);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_sidecar_without_the_bulk_route_turns_the_publisher_to_single_and_delivers_in_order) {
  World w;
  w.sidecar.serve_bulk(false);
  std::map<std::string, std::vector<std::string>> expected;
  for (int u = 0; u < 3; ++u) expected["user-" + std::to_string(u)] = w.commit_events("user-" + std::to_string(u), 3);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  caf::anon_send(w.persistence, listen_atom::value, topic, outbox_listener_actor{pub});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 9u; }));
  for (const auto& [user, ids] : expected)
    BOOST_TEST(delivered_ids(w.sidecar, user) == ids, boost::test_tools::per_element());
  auto s = status_of(*w.sys, pub);
  BOOST_TEST(s.details["publish_mode"] == "single");
  BOOST_TEST(s.details["failed"] == 0);  // a missing route is no failure of any event
  for (const auto& r : w.sidecar.requests()) BOOST_TEST(!r.bulk);
  // The first round's lanes asked once each (refused), then single for good.
  BOOST_TEST(w.sidecar.http_request_count() <= 9u + 3u);
  const auto before = w.sidecar.http_request_count();
  w.commit_events("user-0", 2);
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 11u; }));
  BOOST_TEST(w.sidecar.http_request_count() == before + 2);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(a_4xx_with_an_error_code_for_the_whole_request_is_topic_trouble_and_dead_letters_nothing) {
  World w;
  SidecarBehaviour forbidden{403};
  forbidden.error_code = "ERR_PUBSUB_FORBIDDEN";
  w.sidecar.behave("", forbidden);
  auto alice = w.commit_events("alice", 3);
  auto bob = w.commit_events("bob", 2);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  BOOST_REQUIRE(wait_until([&] { return status_of(*w.sys, pub).details["failed"].get<int>() >= 4; }));
  auto s = status_of(*w.sys, pub);
  BOOST_TEST(s.details["probing"] == true);
  BOOST_TEST(s.details["failures_by_scope"].value("topic", 0) >= 4);
  BOOST_TEST(s.details["publish_mode"] == "bulk");  // a Dapr error code: the route exists
  BOOST_TEST(w.dead().empty());
  BOOST_TEST(w.sidecar.delivered_count() == 0u);
  w.sidecar.behave("", SidecarBehaviour{204});
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 5u; }));
  BOOST_TEST(delivered_ids(w.sidecar, "alice") == alice, boost::test_tools::per_element());
  BOOST_TEST(delivered_ids(w.sidecar, "bob") == bob, boost::test_tools::per_element());
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(an_answer_naming_an_unknown_entry_or_malformed_marks_nothing_delivered) {
  for (const std::string body :
       {R"({"failedEntries":[{"entryId":"999999999","error":"not ours"}],"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"})",
        R"({"failedEntries":{"entryId":"1"},"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"})", R"({"failedEntries":[)"}) {
    BOOST_TEST_CONTEXT(body) {
      World w;
      SidecarBehaviour odd{500};
      odd.body = body;
      w.sidecar.behave("", odd);
      auto alice = w.commit_events("alice", 3);
      auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
      BOOST_REQUIRE(wait_until([&] { return status_of(*w.sys, pub).details["failed"].get<int>() >= 2; }));
      auto s = status_of(*w.sys, pub);
      BOOST_TEST(s.details["delivered"] == 0);
      BOOST_TEST(s.details["reorder_risks"] == 0);
      BOOST_TEST(w.outbox_rows() == 3);
      BOOST_TEST(w.dead().empty());
      w.sidecar.behave("", SidecarBehaviour{204});
      BOOST_REQUIRE(wait_until([&] { return w.outbox_rows() == 0; }));
      BOOST_TEST(delivered_ids(w.sidecar, "alice") == alice, boost::test_tools::per_element());
      caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
    }
  }
}

// daprd answers a bulk request as a whole when it cannot read one event of it (it names none):
// the lane's rows go again one at a time, and only the guilty one is dead-lettered.
BOOST_AUTO_TEST_CASE(an_unreadable_event_in_the_middle_of_a_lane_is_found_by_single_publish_and_alone_dead_lettered) {
  World w;
  auto bob = w.commit_events("bob", 1);  // others flow
  auto alice = w.commit_events("alice", 4);
  SidecarBehaviour unreadable{400};
  unreadable.error_code = "ERR_PUBSUB_EVENTS_SER";
  w.sidecar.behave_for_event(alice[2], unreadable);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  BOOST_REQUIRE(wait_until([&] { return w.dead().size() == 1u; }));
  BOOST_TEST(w.dead()[0].event.event_id == alice[2]);
  BOOST_REQUIRE(wait_until([&] { return delivered_ids(w.sidecar, "alice").size() == 2u; }));
  BOOST_TEST(delivered_ids(w.sidecar, "alice") == (std::vector<std::string>{alice[0], alice[1]}),
             boost::test_tools::per_element());
  BOOST_TEST(w.outbox_rows() == 1);  // alice[3] waits behind the dead letter
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(single_mode_sends_one_request_per_event_as_before) {
  World w;
  std::map<std::string, std::vector<std::string>> expected;
  for (int u = 0; u < 3; ++u) expected["user-" + std::to_string(u)] = w.commit_events("user-" + std::to_string(u), 4);
  auto options = w.options();
  options.target.bulk = false;
  auto pub = spawn_publisher(*w.sys, w.persistence, options);
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 12u; }));
  for (const auto& [user, ids] : expected)
    BOOST_TEST(delivered_ids(w.sidecar, user) == ids, boost::test_tools::per_element());
  BOOST_TEST(w.sidecar.bulk_request_count() == 0u);
  BOOST_TEST(w.sidecar.http_request_count() == 12u);
  for (const auto& r : w.sidecar.requests()) BOOST_TEST(r.headers.at("content-type") == "application/cloudevents+json");
  BOOST_TEST(status_of(*w.sys, pub).details["publish_mode"] == "single");
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(bulk_sends_a_lanes_due_events_in_one_request) {
  World w;
  for (int u = 0; u < 4; ++u) w.commit_events("user-" + std::to_string(u), 10);
  auto pub = spawn_publisher(*w.sys, w.persistence, w.options());
  BOOST_REQUIRE(wait_until([&] { return w.sidecar.delivered_count() == 40u; }));
  BOOST_TEST(w.sidecar.http_request_count() == 4u);
  BOOST_TEST(w.sidecar.bulk_request_count() == 4u);
  BOOST_TEST(status_of(*w.sys, pub).details["requests"] == 4);
  BOOST_TEST(w.sidecar.max_in_flight_per_lane() == 1u);
  caf::anon_send_exit(pub, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()
