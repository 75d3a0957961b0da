// Overload: 320 connections (10x the benchmark's 32) sending creates as fast as they are
// answered for ~8 s against TASKS_MAX_IN_FLIGHT=64. Goodput stays above zero, admitted requests
// keep a bounded p99, the rest are fast 503s with Retry-After, memory stays bounded, and no
// other status appears.

#include <boost/test/unit_test.hpp>

#include <iostream>

#include "tests/hostile/closed_loop.hpp"
#include "tests/hostile/process_probe.hpp"
#include "tests/hostile/suite_support.hpp"

using namespace tasks::hostile;

BOOST_AUTO_TEST_SUITE(overload)

BOOST_AUTO_TEST_CASE(ten_times_the_benchmark_connections_get_fast_503s_and_bounded_latency) {
  auto taskd = start_taskd({{"TASKS_MAX_IN_FLIGHT", "64"}});
  const pid_t pid = pid_of(*taskd);
  const long base_rss = rss_kib(pid).value_or(0);
  std::vector<std::string> tokens;
  for (int u = 0; u < 100; ++u) tokens.push_back(taskd->token_for("overload-u" + std::to_string(u)));

  ResourceSampler sampler(pid, std::chrono::milliseconds(100));
  ClosedLoopOptions o;
  o.port = taskd->port();
  o.connections = 320;
  o.duration = std::chrono::milliseconds(8000);
  o.answer_within = std::chrono::milliseconds(15000);
  o.request = [&](int connection, std::uint64_t n) {
    return http_request("POST", "/api/v1/tasks",
                        {"Authorization: Bearer " + tokens[static_cast<std::size_t>(connection) % tokens.size()],
                         "Content-Type: application/json", "X-Correlation-ID: ov-" + std::to_string(n)},
                        R"({"title":"overload"})");
  };
  const ClosedLoopResult r = run_closed_loop(o);
  sampler.stop();
  const long grown_mib = (sampler.peak_rss_kib() - base_rss) / 1024;
  std::cout << "overload: " << describe(r) << "\n  goodput " << double(r.count(201)) / r.seconds << " creates/s; RSS "
            << base_rss / 1024 << " MiB → peak " << sampler.peak_rss_kib() / 1024 << " MiB" << std::endl;

  BOOST_TEST(r.count(201) > 0u, "no goodput");
  BOOST_TEST(r.count(503) > 0u, "nothing shed with 320 creates in flight and TASKS_MAX_IN_FLIGHT=64");
  BOOST_TEST(r.count_if([](int s) { return s != 201 && s != 503; }) == 0u);
  BOOST_TEST(r.failures() == 0u);
  if (r.count(201) > 0) BOOST_TEST(r.latency_by_status.at(201).percentile(99) < 2000.0);
  if (r.count(503) > 0) BOOST_TEST(r.latency_by_status.at(503).percentile(99) < 500.0);
  BOOST_TEST(r.retry_after_missing == 0u);
  BOOST_TEST(r.errors_not_problem_json == 0u);
  BOOST_TEST(grown_mib < kRssGrowthBoundMib, "RSS grew by " << grown_mib << " MiB");

  BOOST_REQUIRE_MESSAGE(taskd->running(), log_tail(*taskd));
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
