// TASKS_HTTP_MAX_CONNECTIONS=100: 100 connections held open (each served once, then idle), the
// 101st gets 503 problem details with Connection: close and is closed; once some of the 100
// close, new connections are served again, up to the cap.

#include <boost/test/unit_test.hpp>

#include <iostream>
#include <memory>

#include "tests/hostile/raw_client.hpp"
#include "tests/hostile/suite_support.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::hostile;

namespace {

constexpr int kCap = 100;

std::string healthz(const std::string& id) {
  return http_request("GET", "/healthz", {"X-Correlation-ID: " + id});
}

// A connection that was served (and stays open), or nothing when the server turned it away.
std::unique_ptr<RawClient> served_connection(int port, const std::string& id, std::string& outcome) {
  auto c = std::make_unique<RawClient>(port);
  if (!c->connected()) {
    outcome = "connect: " + c->error();
    return nullptr;
  }
  c->send(healthz(id));
  const auto r = c->next_response(Millis(2000));
  outcome = r ? std::to_string(r->status) : std::string(to_string(c->end())) + ": " + c->error();
  if (!r || r->status != 200) return nullptr;
  return c;
}

// A connection past the cap: what it gets, waiting first for an answer without sending anything
// (a server may refuse it on accept), then with a request.
struct Refusal {
  std::optional<Response> answer;
  bool closed = false;
  std::string error;
};

Refusal past_the_cap(int port, const std::string& id) {
  Refusal out;
  RawClient c(port);
  if (!c.connected()) {
    out.error = "connect: " + c.error();
    return out;
  }
  out.answer = c.next_response(Millis(500));
  if (!out.answer && c.end() == RawClient::End::timeout) {
    c.send(healthz(id));
    out.answer = c.next_response(Millis(2000));
  }
  if (out.answer) out.closed = c.closes_within(Millis(1000));
  out.error = std::string(to_string(c.end())) + ": " + c.error();
  return out;
}

void check_refusal(const Refusal& r, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(r.answer, what << ": no answer (" << r.error << ")");
  BOOST_TEST(r.answer->status == 503, what << ": " << r.answer->status << " " << r.answer->body.substr(0, 200));
  BOOST_TEST(r.answer->is_problem_json(), what << ": Content-Type '" << r.answer->header("content-type") << "'");
  BOOST_TEST(!r.answer->header("x-correlation-id").empty(), what);
  BOOST_TEST(r.answer->announces_close(), what << ": no Connection: close");
  BOOST_TEST(r.closed, what << ": not closed after the 503 (" << r.error << ")");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(connection_cap)

BOOST_AUTO_TEST_CASE(connections_past_the_cap_get_503_and_are_closed_until_some_close) {
  auto taskd = start_taskd({{"TASKS_HTTP_MAX_CONNECTIONS", std::to_string(kCap)}});
  const int port = taskd->port();

  // Fill up to the cap. A refusal while filling can only be a connection of the start-up check
  // not yet noticed as closed: tried again, within a deadline.
  std::vector<std::unique_ptr<RawClient>> held;
  int refused_while_filling = 0;
  std::string outcome;
  for (int i = 0; i < kCap; ++i) {
    std::unique_ptr<RawClient> c;
    tasks::testing::wait_until(
        [&] {
          c = served_connection(port, "fill-" + std::to_string(i), outcome);
          if (!c) ++refused_while_filling;
          return c != nullptr;
        },
        std::chrono::milliseconds(3000), std::chrono::milliseconds(50));
    BOOST_REQUIRE_MESSAGE(c, "connection " << i << " below the cap not served: " << outcome);
    held.push_back(std::move(c));
  }

  const Refusal first = past_the_cap(port, "over-1");
  std::cout << "connection cap: " << held.size() << " held (" << refused_while_filling
            << " refused while filling); the next: "
            << (first.answer ? std::to_string(first.answer->status) + " " + first.answer->header("connection") +
                                   " closed=" + (first.closed ? "yes" : "no")
                             : "no answer (" + first.error + ")")
            << std::endl;
  check_refusal(first, "connection " + std::to_string(kCap + 1));

  // Ten leave; ten new ones are served (as soon as the server has seen the closes), the next not.
  held.erase(held.begin(), held.begin() + 10);
  for (int i = 0; i < 10; ++i) {
    std::unique_ptr<RawClient> c;
    tasks::testing::wait_until(
        [&] {
          c = served_connection(port, "refill-" + std::to_string(i), outcome);
          return c != nullptr;
        },
        std::chrono::milliseconds(3000), std::chrono::milliseconds(50));
    BOOST_REQUIRE_MESSAGE(c, "refill connection " << i << " not served after ten closed: " << outcome);
    held.push_back(std::move(c));
  }
  check_refusal(past_the_cap(port, "over-2"), "connection past the cap after the refill");

  // The held ones are still served.
  for (int i = 0; i < 5; ++i) {
    held[static_cast<std::size_t>(i)]->send(healthz("again-" + std::to_string(i)));
    const auto r = held[static_cast<std::size_t>(i)]->next_response(Millis(2000));
    BOOST_TEST((r && r->status == 200), "held connection " << i << " not served again");
  }
  held.clear();
  BOOST_REQUIRE_MESSAGE(taskd->running(), log_tail(*taskd));
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
