#pragma once

// The hostile run: hundreds of concurrent raw connections against one taskd, each bound to one
// user and marking every request with a unique X-Correlation-ID; some pipeline, some send a
// second request while the first is still with the actors, ~30 % hang up at random moments
// (FIN or RST, after a request or in the middle of one) while new connections keep opening, so
// the server's file descriptors are reused all the time. Every answer read is judged
// (answer_check.hpp); the counters say what went wrong. One thread, one epoll, no blocking call.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tasks::hostile {

struct HostileOptions {
  int port = 0;
  std::vector<std::pair<std::string, std::string>> users;  // user id, bearer token
  int connections = 300;                                   // kept open at once
  std::uint64_t request_target = 200'000;                  // stop sending after this many (0: no target)
  std::chrono::seconds max_duration{150};                  // stop sending after this long in any case
  std::chrono::seconds hang_after{15};                     // a request unanswered this long is a hang
  double abandon_share = 0.3;                              // of the connections
  // Shares (in %) of connections that pipeline 2-4 requests per write and that send a request
  // while an earlier one is unanswered; the rest send one request at a time.
  int pipelined_percent = 25;
  int staggered_percent = 30;
  std::uint64_t seed = 1;
  std::function<bool()> server_alive;           // polled; false ends the run early
  std::function<void(const std::string&)> log;  // progress and the first anomalies
};

struct HostileCounters {
  std::uint64_t connections_opened = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t requests = 0;            // written whole
  std::uint64_t pipelined_writes = 0;    // writes carrying 2-4 whole requests
  std::uint64_t staggered_requests = 0;  // written while an earlier one on the connection was unanswered
  std::uint64_t answers = 0;
  std::uint64_t abandoned_connections = 0;
  std::uint64_t abandoned_with_fin = 0;
  std::uint64_t abandoned_with_rst = 0;
  std::uint64_t abandoned_mid_request = 0;
  std::uint64_t abandoned_requests = 0;  // written, then hung up on before their answer was read
  // Anomalies. Every one closes its connection (the stream can no longer be trusted).
  std::uint64_t misrouted = 0;                // another connection's correlation id
  std::uint64_t leaked_other_users_data = 0;  // of the misrouted and unsolicited: with another user's tasks
  std::uint64_t foreign_data = 0;             // own correlation id, another user's or request's task
  std::uint64_t unsolicited = 0;              // bytes on a connection with no request awaiting an answer
  std::uint64_t out_of_order = 0;
  std::uint64_t unexpected_status = 0;
  std::uint64_t no_correlation_id = 0;
  std::uint64_t bad_error_body = 0;
  std::uint64_t bad_body = 0;
  std::uint64_t garbled = 0;                    // bytes that are not an HTTP response
  std::uint64_t dropped = 0;                    // requests unanswered when the server closed (no Connection: close)
  std::uint64_t hangs = 0;                      // requests unanswered after hang_after (not abandoned)
  std::uint64_t closed_after_close_header = 0;  // unanswered after an announced Connection: close
  std::uint64_t discarded_after_anomaly = 0;    // unanswered requests of a connection closed for an anomaly
  std::map<int, std::uint64_t> statuses;
  bool server_died = false;
  double seconds = 0;

  std::uint64_t misrouted_all() const { return misrouted + foreign_data + unsolicited; }
};

HostileCounters run_hostile(const HostileOptions& options);

// One line per counter, for the test log.
std::string describe(const HostileCounters& counters);

}  // namespace tasks::hostile
