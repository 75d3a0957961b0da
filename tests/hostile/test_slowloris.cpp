// Slowloris: 500 connections each sending a request head one byte a second. Normal clients keep
// getting answers meanwhile (all of them, p99 under a second), and with
// TASKS_HTTP_READ_TIMEOUT=3s the server closes every slow connection about 3 s after its first
// byte (with 408 problem details or just closed), never answering it anything else.

#include <boost/test/unit_test.hpp>

#include <iostream>
#include <thread>

#include "tests/hostile/closed_loop.hpp"
#include "tests/hostile/slowloris.hpp"
#include "tests/hostile/suite_support.hpp"

using namespace tasks::hostile;

BOOST_AUTO_TEST_SUITE(slowloris)

BOOST_AUTO_TEST_CASE(slow_heads_are_cut_off_while_normal_clients_are_served) {
  // The normal clients create for seconds: keep them below the per-user task quota.
  auto taskd = start_taskd({{"TASKS_HTTP_READ_TIMEOUT", "3s"}, {"TASKS_MAX_TASKS_PER_USER", "1000000"}});
  const int port = taskd->port();
  const std::string token = taskd->token_for("slowloris-normal");

  SlowlorisOptions slow;
  slow.port = port;
  slow.connections = 500;
  slow.head = "GET /api/v1/tasks?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slowloris\r\nX-Padding: ";
  slow.head.append(64, 'p');
  slow.head += "\r\n\r\n";
  slow.byte_every = std::chrono::milliseconds(1000);
  // SLOWLORIS_SECONDS: a longer look at a server that does not cut them off (Pistache's record).
  slow.give_up_after = std::chrono::seconds(env_int("SLOWLORIS_SECONDS", 9));
  SlowlorisResult slow_result;
  std::thread slow_thread([&] { slow_result = run_slowloris(slow); });

  ClosedLoopOptions normal;
  normal.port = port;
  normal.connections = 4;
  normal.duration = slow.give_up_after - std::chrono::seconds(1);
  normal.answer_within = std::chrono::milliseconds(5000);
  normal.request = [&](int, std::uint64_t n) {
    switch (n % 3) {
      case 0: return http_request("GET", "/healthz");
      case 1: return http_request("GET", "/api/v1/tasks?limit=5", {"Authorization: Bearer " + token});
      default:
        return http_request("POST", "/api/v1/tasks",
                            {"Authorization: Bearer " + token, "Content-Type: application/json"},
                            R"({"title":"while slowloris"})");
    }
  };
  const ClosedLoopResult served = run_closed_loop(normal);
  slow_thread.join();
  std::cout << "normal clients: " << describe(served) << "\n" << describe(slow_result) << std::endl;

  // Normal clients: every request answered, with 2xx, quickly.
  BOOST_TEST(served.failures() == 0u);
  BOOST_TEST(served.count_if([](int s) { return s < 200 || s >= 300; }) == 0u);
  BOOST_TEST(served.answers >= 100u);
  BOOST_TEST(served.all_latencies().percentile(99) < 1000.0);

  // Slow connections: all closed by the server, about READ_TIMEOUT after their first byte.
  BOOST_TEST(slow_result.connected == slow.connections);
  BOOST_TEST(slow_result.finished_head == 0);
  BOOST_TEST(slow_result.still_open == 0, slow_result.still_open << " slow connections still open at the end");
  BOOST_TEST(slow_result.closed_by_server == slow_result.connected);
  if (slow_result.closed_after_ms.count() > 0) {
    BOOST_TEST(slow_result.closed_after_ms.percentile(0) >= 2500.0);
    BOOST_TEST(slow_result.closed_after_ms.max() <= 5000.0);
  }
  for (const auto& [status, n] : slow_result.statuses)
    BOOST_TEST(status == 408, n << " slow connections got " << status);
  BOOST_TEST(slow_result.answers_not_problem_json == 0);
  BOOST_TEST(slow_result.malformed == 0);

  BOOST_REQUIRE_MESSAGE(taskd->running(), log_tail(*taskd));
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
