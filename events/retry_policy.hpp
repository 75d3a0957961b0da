#pragma once

// When to try again, and how to describe an attempt: pure functions. Whose trouble an attempt's
// outcome is (and so what backs off, and what is dead-lettered) is events/failure_model.

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "core/task.hpp"

namespace tasks {

struct RetryPolicy {
  std::chrono::milliseconds initial{250};
  double factor = 2.0;
  std::chrono::milliseconds max{30'000};
  std::chrono::milliseconds max_age{24 * 3'600'000};  // of an event's own failures
  // Another event of the topic delivered this recently is evidence that a failure is not
  // everyone's (see failure_model.hpp).
  std::chrono::milliseconds healthy_window{30'000};
};

// How a call without an HTTP answer failed.
enum class Transport {
  none,     // there was an HTTP answer
  connect,  // nothing listening, or the name did not resolve
  timeout,  // no answer in time
  other,    // the connection broke (closed, reset) before a complete answer
};

// The outcome of one HTTP call: an HTTP status, or a transport error (status 0).
struct AttemptResult {
  long http_status = 0;
  Transport transport = Transport::none;
  std::string transport_error;  // curl's message when there was no HTTP answer
  std::string body;             // the start of the answer's body, for the log
};

// "HTTP 500: {...}" or "connection refused ..." for logs and the outbox's last_error.
std::string describe(const AttemptResult& result);

// The upper bound of the delay before attempt `attempt + 1` (attempt counts from 1).
std::chrono::milliseconds backoff_ceiling(std::int64_t attempt, const RetryPolicy& policy);

// Full jitter: a uniform delay in [0, ceiling].
std::chrono::milliseconds full_jitter(std::chrono::milliseconds ceiling, std::mt19937_64& rng);

// An event whose own failures began at `first_failed_at` and still go on at `now` is given up on
// (dead-lettered) once that lasted max_age.
bool too_old(millis first_failed_at, millis now, const RetryPolicy& policy);

}  // namespace tasks
