#pragma once

// Closed-loop clients: N connections, each sending one request, reading its answer, sending the
// next, as fast as the server answers, for a while. Latency of every answer by status, and
// every way an answer failed to come. Used for the overload case and for the "normal clients"
// that must keep being served while slow or idle connections pile up.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/hostile/latencies.hpp"
#include "tests/hostile/response_parser.hpp"

namespace tasks::hostile {

struct ClosedLoopOptions {
  int port = 0;
  int connections = 8;
  std::chrono::milliseconds duration{5000};
  std::chrono::milliseconds answer_within{15000};  // later: a timeout, and the connection is replaced
  // The bytes of the n-th request (n counts over all connections) sent on a connection.
  std::function<std::string(int connection, std::uint64_t n)> request;
  // Sees every answer (on the loop's thread); may be empty.
  std::function<void(const Response&, double latency_ms)> observe;
};

struct ClosedLoopResult {
  std::map<int, Latencies> latency_by_status;
  std::uint64_t requests = 0;
  std::uint64_t answers = 0;
  std::uint64_t timeouts = 0;  // no answer within answer_within
  std::uint64_t connect_failures = 0;
  std::uint64_t closed_with_pending = 0;  // the server closed or reset with a request unanswered
  std::uint64_t malformed = 0;            // bytes that are not an HTTP response
  std::uint64_t reconnects = 0;           // after an answer with Connection: close
  std::uint64_t errors_not_problem_json = 0;
  std::uint64_t retry_after_missing = 0;  // 503s without Retry-After
  std::vector<std::string> first_errors;
  double seconds = 0;

  std::uint64_t count(int status) const;
  std::uint64_t count_if(const std::function<bool(int)>& status_matches) const;
  Latencies all_latencies() const;
  std::uint64_t failures() const { return timeouts + connect_failures + closed_with_pending + malformed; }
};

ClosedLoopResult run_closed_loop(const ClosedLoopOptions& options);

std::string describe(const ClosedLoopResult& result);

}  // namespace tasks::hostile
