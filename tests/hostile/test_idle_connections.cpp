// 5 000 idle connections at once: the server holds them all (its descriptors show it), normal
// requests are still answered quickly, with TASKS_HTTP_IDLE_TIMEOUT=3s the server closes every
// one of them about 3 s after it opened, its descriptors return to the baseline and its memory
// stays bounded.

#include <boost/test/unit_test.hpp>

#include <iostream>

#include "tests/hostile/closed_loop.hpp"
#include "tests/hostile/epoll.hpp"
#include "tests/hostile/latencies.hpp"
#include "tests/hostile/process_probe.hpp"
#include "tests/hostile/socket.hpp"
#include "tests/hostile/suite_support.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::hostile;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kIdle = 5000;

ClosedLoopResult normal_requests(int port, const std::string& token, std::chrono::milliseconds duration) {
  ClosedLoopOptions o;
  o.port = port;
  o.connections = 4;
  o.duration = duration;
  o.answer_within = std::chrono::milliseconds(5000);
  o.request = [&](int, std::uint64_t n) {
    return n % 2 ? http_request("GET", "/healthz")
                 : http_request("GET", "/api/v1/tasks?limit=5", {"Authorization: Bearer " + token});
  };
  return run_closed_loop(o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idle_connections)

BOOST_AUTO_TEST_CASE(five_thousand_idle_connections_are_held_then_closed_and_released) {
  const long limit = raise_open_file_limit();
  BOOST_REQUIRE_MESSAGE(limit > kIdle + 500, "the open-file limit is " << limit);
  auto taskd = start_taskd({{"TASKS_HTTP_IDLE_TIMEOUT", "3s"}});
  const int port = taskd->port();
  const pid_t pid = pid_of(*taskd);
  const std::string token = taskd->token_for("idle-normal");
  BOOST_REQUIRE(normal_requests(port, token, std::chrono::milliseconds(300)).failures() == 0u);
  const int base_fds = open_fds(pid).value_or(0);
  const long base_rss = rss_kib(pid).value_or(0);
  ResourceSampler sampler(pid, std::chrono::milliseconds(50));

  // All open at once.
  Epoll epoll;
  std::vector<Socket> idle(kIdle);
  std::vector<Clock::time_point> opened(kIdle);
  std::vector<bool> connected(kIdle, false), closed(kIdle, false);
  int connect_failures = 0, n_connected = 0;
  for (int i = 0; i < kIdle; ++i) {
    idle[i] = Socket::connect_to(port);
    opened[i] = Clock::now();
    if (!idle[i].is_open()) {
      ++connect_failures;
      continue;
    }
    epoll.add(idle[i].fd(), EPOLLOUT, static_cast<std::uint64_t>(i));
  }
  const auto connect_deadline = Clock::now() + std::chrono::seconds(10);
  while (n_connected + connect_failures < kIdle && Clock::now() < connect_deadline) {
    for (const auto& ev : epoll.wait(50)) {
      const auto i = ev.data.u64;
      if (connected[i]) continue;
      if (!idle[i].connect_succeeded()) {
        ++connect_failures;
        idle[i].close();
        continue;
      }
      connected[i] = true;
      ++n_connected;
      epoll.modify(idle[i].fd(), EPOLLIN, i);
    }
  }
  // The server really holds them: its descriptor count shows them.
  int held_fds = 0;
  tasks::testing::wait_until(
      [&] {
        held_fds = std::max(held_fds, open_fds(pid).value_or(0));
        return held_fds >= base_fds + kIdle * 9 / 10;
      },
      std::chrono::milliseconds(2000), std::chrono::milliseconds(20));

  // Served meanwhile.
  const ClosedLoopResult during = normal_requests(port, token, std::chrono::milliseconds(1500));

  // Closed by the server: EOF or reset on every one, about the idle timeout after it opened.
  Latencies closed_after_ms;
  int n_closed = 0, with_bytes = 0;
  const auto close_deadline = Clock::now() + std::chrono::seconds(8);
  while (n_closed < n_connected && Clock::now() < close_deadline) {
    for (const auto& ev : epoll.wait(50)) {
      const auto i = ev.data.u64;
      if (closed[i]) continue;
      std::string bytes;
      const Io io = idle[i].read_some(bytes);
      if (!bytes.empty()) ++with_bytes;
      if (io == Io::closed || io == Io::failed || (ev.events & EPOLLHUP)) {
        closed[i] = true;
        ++n_closed;
        closed_after_ms.add(std::chrono::duration<double, std::milli>(Clock::now() - opened[i]).count());
        idle[i].close();
      }
    }
  }
  // Whatever the server left open goes now, from this side.
  for (auto& s : idle) s.close();
  int fds_after = 0;
  const bool fds_back = tasks::testing::wait_until(
      [&] {
        fds_after = open_fds(pid).value_or(1 << 30);
        return fds_after <= base_fds + 20;
      },
      std::chrono::seconds(5), std::chrono::milliseconds(50));
  sampler.stop();
  const ClosedLoopResult after = normal_requests(port, token, std::chrono::milliseconds(500));

  std::cout << "idle connections: " << n_connected << " connected (" << connect_failures << " failed), taskd fds "
            << base_fds << " → " << held_fds << " (peak " << sampler.peak_fds() << ") → " << fds_after << "; "
            << n_closed << " closed by the server (after p0 " << closed_after_ms.percentile(0) << " ms, p50 "
            << closed_after_ms.percentile(50) << " ms, max " << closed_after_ms.max() << " ms), " << with_bytes
            << " got bytes; RSS " << base_rss / 1024 << " MiB → peak " << sampler.peak_rss_kib() / 1024 << " MiB\n"
            << "  normal requests during: " << describe(during) << "\n  after: " << describe(after) << std::endl;

  BOOST_TEST(n_connected == kIdle);
  BOOST_TEST(held_fds >= base_fds + kIdle * 9 / 10, "taskd held " << held_fds - base_fds << " more descriptors");
  BOOST_TEST(during.failures() == 0u);
  BOOST_TEST(during.count_if([](int s) { return s != 200; }) == 0u);
  BOOST_TEST(during.answers >= 20u);
  BOOST_TEST(during.all_latencies().percentile(99) < 1000.0);
  BOOST_TEST(n_closed == n_connected, n_connected - n_closed << " idle connections still open 8 s after the others");
  if (closed_after_ms.count() > 0) {
    BOOST_TEST(closed_after_ms.percentile(0) >= 2500.0);
    BOOST_TEST(closed_after_ms.max() <= 6500.0);
  }
  BOOST_TEST(fds_back, "taskd's descriptors " << fds_after << " (baseline " << base_fds << ")");
  BOOST_TEST(sampler.peak_rss_kib() - base_rss < kRssGrowthBoundMib * 1024,
             "RSS grew by " << (sampler.peak_rss_kib() - base_rss) / 1024 << " MiB");
  BOOST_TEST(after.failures() == 0u);
  BOOST_REQUIRE_MESSAGE(taskd->running(), log_tail(*taskd));
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
