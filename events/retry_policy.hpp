#pragma once

// What a publish attempt's answer means, and when to try again: pure functions.
//
// Only 204 is delivered. 400 means the event itself is malformed (our bug): retrying cannot
// help, so it is dead-lettered at once. Everything else (connection refused, timeouts, 5xx,
// 429, 403, 404, any other status) may heal: it is retried with exponential backoff and full
// jitter until the event is older than the maximum age, then dead-lettered.

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
  std::chrono::milliseconds max_age{24 * 3'600'000};
};

// The outcome of one HTTP call: an HTTP status, or a transport error (status 0).
struct AttemptResult {
  long http_status = 0;
  std::string transport_error;  // curl's message when there was no HTTP answer
  std::string body;             // the start of the answer's body, for the log
};

enum class Verdict { delivered, retry, dead_letter };

Verdict classify(const AttemptResult& result);

// "HTTP 500: {...}" or "connection refused ..." for logs and the outbox's last_error.
std::string describe(const AttemptResult& result);

// The retry reason class for metrics: "http_500", "http_403", "timeout", "connect", ...
std::string failure_reason(const AttemptResult& result);

// The upper bound of the delay before attempt `attempt + 1` (attempt counts from 1).
std::chrono::milliseconds backoff_ceiling(std::int64_t attempt, const RetryPolicy& policy);

// Full jitter: a uniform delay in [0, ceiling].
std::chrono::milliseconds full_jitter(std::chrono::milliseconds ceiling, std::mt19937_64& rng);

// An event still failing after max_age since its commit is given up on (dead-lettered).
bool too_old(millis created_at, millis now, const RetryPolicy& policy);

}  // namespace tasks
