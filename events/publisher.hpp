#pragma once

// The publisher actor of one topic. Each round it fetches the rows that may be sent now (due,
// and not behind a waiting row of the same user), sends them in per-user lanes (in order within
// a lane, lanes concurrently), and records the results in one transaction: 204 removes a row,
// 400 dead-letters it, anything else schedules a retry with backoff and full jitter. When a
// whole round fails the topic is "backing off": it probes with a single event until the
// sidecar answers again. A commit nudges it; it also polls, so rows left by a crash are found.

#include <chrono>
#include <string>

#include "core/metrics.hpp"
#include "core/protocol.hpp"
#include "events/dapr_client.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

struct PublisherOptions {
  DaprTarget target;  // endpoint, pubsub, topic, token, timeout
  RetryPolicy policy;
  size_t concurrency = 32;          // lanes (users) in flight at once
  size_t max_rows_per_lane = 50;    // rows one user may send in one round
  std::int64_t fetch_limit = 2000;  // rows read per round
  std::chrono::milliseconds poll_interval{1'000};
  // A round stops starting new calls after this long, so that the actor answers status, pause
  // and drain requests promptly even when the sidecar is slow.
  std::chrono::milliseconds round_budget{500};
  bool fault_injection = false;  // honour crash_atom (tests only)
  metrics_ptr metrics;           // may be null
  std::uint64_t restarts = 0;    // for status: how often the supervisor restarted it
};

// Spawns the actor detached (it blocks in curl while a round is on the wire).
publisher_actor spawn_publisher(caf::actor_system& system, persistence_actor store, PublisherOptions options);

}  // namespace tasks
