// Trace context end to end through taskd: the client's W3C traceparent (or the one taskd starts
// when there is none) comes back on the answer and reaches every event, in the body as
// `traceparent` and `traceid` and as the `traceparent` header of the publish call; a valid
// tracestate travels in the body too. A recording sidecar stands in for Dapr.

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "events/cloud_event.hpp"
#include "http/request_meta.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;
using tasks::http::traceparent_from;

namespace {

const std::string client_traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::map<std::string, std::string> publishing_env(const RecordingSidecar& sidecar) {
  return {{"DAPR_HTTP_ENDPOINT", sidecar.endpoint()},
          {"TASKS_PUBLISH_BACKOFF_INITIAL", "20ms"},
          {"TASKS_PUBLISH_BACKOFF_MAX", "200ms"},
          {"TASKS_PUBLISH_POLL_INTERVAL", "100ms"}};
}

bool valid_traceparent(const std::string& value) {
  return !value.empty() && traceparent_from(value) == value;
}

// The delivered events of one request (by its correlation id).
std::vector<RecordedPublish> events_of(const RecordingSidecar& sidecar, const std::string& correlation_id) {
  std::vector<RecordedPublish> out;
  for (auto& r : sidecar.delivered())
    if (r.event.value("correlationid", "") == correlation_id) out.push_back(std::move(r));
  return out;
}

// Every event of the request carries `traceparent` in its body, as `traceid` and as the
// publish call's header, and the tracestate when one is expected (none otherwise).
void check_trace(const std::vector<RecordedPublish>& events, const std::string& traceparent,
                 const std::string& tracestate = "") {
  BOOST_TEST(!events.empty());
  for (const auto& r : events) {
    BOOST_TEST_CONTEXT(r.topic << " " << r.event.value("type", "")) {
      BOOST_TEST(tasks::envelope_problems(r.event).empty(), r.body);
      BOOST_TEST(r.event.value("traceparent", "") == traceparent);
      BOOST_TEST(r.event.value("traceid", "") == traceparent);
      // A bulk request has the header when its events share one traceparent (here: one each).
      if (!r.bulk) BOOST_TEST(r.headers.count("traceparent") == 1u);
      if (r.headers.count("traceparent")) BOOST_TEST(r.headers.at("traceparent") == traceparent);
      if (tracestate.empty())
        BOOST_TEST(!r.event.contains("tracestate"));
      else
        BOOST_TEST(r.event.value("tracestate", "") == tracestate);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trace)

BOOST_AUTO_TEST_CASE(a_requests_traceparent_and_tracestate_reach_every_event_and_come_back) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar));
  UserApi alice(*taskd, "alice");
  auto created = alice.create({{"title", "Pay rent"}, {"due_date", "2026-12-01T09:00:00Z"}},
                              {"X-Correlation-ID: tp-create", "traceparent: " + client_traceparent,
                               "tracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"});
  BOOST_REQUIRE(created.status == 201);
  BOOST_TEST(created.header("traceparent") == client_traceparent);
  const std::string id = created.json()["id"];
  // Two tracestate fields are one list.
  auto patched = alice.patch(id, {{"title", "Pay the rent"}},
                             {"X-Correlation-ID: tp-patch", "traceparent: " + client_traceparent, "tracestate: rojo=1",
                              "tracestate: congo=2"});
  BOOST_TEST(patched.header("traceparent") == client_traceparent);
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count() == 3u + 2u; }));
  check_trace(events_of(sidecar, "tp-create"), client_traceparent, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  check_trace(events_of(sidecar, "tp-patch"), client_traceparent, "rojo=1,congo=2");
}

BOOST_AUTO_TEST_CASE(a_request_without_traceparent_gets_a_fresh_one_in_its_answer_and_events) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar));
  UserApi alice(*taskd, "alice");
  auto created = alice.create({{"title", "t"}, {"due_date", "2026-12-01T09:00:00Z"}},
                              {"X-Correlation-ID: fresh-1", "tracestate: rojo=1"});
  BOOST_REQUIRE(created.status == 201);
  const auto first = created.header("traceparent");
  BOOST_TEST(valid_traceparent(first), first);
  BOOST_TEST(first.substr(0, 3) == "00-");  // taskd is the trace root: version 00, sampled
  BOOST_TEST(first.substr(52) == "-01");
  auto completed = alice.complete(created.json()["id"], {"X-Correlation-ID: fresh-2"});
  const auto second = completed.header("traceparent");
  BOOST_TEST(valid_traceparent(second), second);
  BOOST_TEST(second.substr(3, 32) != first.substr(3, 32));  // a new trace for every request
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count() == 3u + 3u; }));
  check_trace(events_of(sidecar, "fresh-1"), first);  // a tracestate without traceparent is not read
  check_trace(events_of(sidecar, "fresh-2"), second);
}

BOOST_AUTO_TEST_CASE(an_invalid_traceparent_is_replaced_and_an_invalid_tracestate_dropped) {
  RecordingSidecar sidecar;
  auto taskd = Environment::get().start_taskd(publishing_env(sidecar));
  UserApi alice(*taskd, "alice");
  const std::string upper_case = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01";
  auto bad_parent = alice.create({{"title", "t"}},
                                 {"X-Correlation-ID: bad-parent", "traceparent: " + upper_case, "tracestate: rojo=1"});
  BOOST_REQUIRE(bad_parent.status == 201);
  const auto replaced = bad_parent.header("traceparent");
  BOOST_TEST(valid_traceparent(replaced), replaced);
  BOOST_TEST(replaced != upper_case);
  auto bad_state = alice.create(
      {{"title", "t"}}, {"X-Correlation-ID: bad-state", "traceparent: " + client_traceparent, "tracestate: Rojo=1"});
  BOOST_REQUIRE(bad_state.status == 201);
  BOOST_TEST(bad_state.header("traceparent") == client_traceparent);
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count() == 2u + 2u; }));
  check_trace(events_of(sidecar, "bad-parent"), replaced);
  check_trace(events_of(sidecar, "bad-state"), client_traceparent);
}

// Reads, mutations, health and the refusals (from the head, before a body is read, too).
BOOST_AUTO_TEST_CASE(every_answer_of_the_api_carries_the_traceparent) {
  UserApi alice("trace");
  auto& http = alice.http();
  const std::string id = alice.create_id("t");
  const std::string task = "/api/v1/tasks/" + id;
  const std::string json = "Content-Type: application/json";
  struct Case {
    std::string method, path, body;
    std::vector<std::string> headers;
    long status;
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/tasks", "", alice.auth(), 200},
      {"GET", task, "", alice.auth(), 200},
      {"HEAD", task, "", alice.auth(), 200},
      {"POST", "/api/v1/tasks", R"({"title":"x"})", alice.auth({json}), 201},
      {"PATCH", task, R"({"title":"y"})", alice.auth({json}), 200},
      {"POST", task + "/complete", "", alice.auth(), 200},
      {"POST", task + "/uncomplete", "", alice.auth(), 200},
      {"GET", "/healthz", "", {}, 200},
      {"GET", "/readyz", "", {}, 200},
      {"GET", "/api/v1/tasks/7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70", "", alice.auth(), 404},
      {"GET", "/api/v1/nothing", "", alice.auth(), 404},
      {"PUT", task, "", alice.auth(), 405},
      {"GET", "/api/v1/tasks", "", {}, 401},
      {"POST", "/api/v1/tasks", R"({"title":"x"})", {json}, 401},                           // refused from the head
      {"POST", "/api/v1/tasks", "title=x", alice.auth({"Content-Type: text/plain"}), 415},  // the same
      {"POST", "/api/v1/tasks", R"({"title":)", alice.auth({json}), 400},
      {"POST", "/api/v1/tasks", R"({"title":""})", alice.auth({json}), 422},
      {"GET", "/api/v1/tasks?limit=0", "", alice.auth(), 400},
      {"DELETE", task, "", alice.auth(), 204},
  };
  std::set<std::string> fresh;
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.method << " " << c.path << " " << c.status) {
      auto with = c.headers;
      with.push_back("traceparent: " + client_traceparent);
      auto echoed = http.request(c.method, c.path, c.body, with);
      BOOST_TEST(echoed.status == c.status);
      BOOST_TEST(echoed.header("traceparent") == client_traceparent);
      if (c.method == "DELETE" || (c.method == "POST" && c.status == 201)) continue;  // not twice
      auto made = http.request(c.method, c.path, c.body, c.headers);
      BOOST_TEST(made.status == c.status);
      BOOST_TEST(valid_traceparent(made.header("traceparent")), made.header("traceparent"));
      fresh.insert(made.header("traceparent"));
    }
  }
  BOOST_TEST(fresh.size() == cases.size() - 2);  // every fresh one is new
}

BOOST_AUTO_TEST_SUITE_END()
