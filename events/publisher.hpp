#pragma once

// The publisher actor of one topic. Each round it fetches the first rows of the lanes (one per
// user) that may send now, sends them (in order within a lane, lanes concurrently), and records
// the results in one transaction. events/failure_model decides each failure's scope: a lane
// failure backs off that user's lane alone (exponential, full jitter), a poison event is
// dead-lettered and stops its lane until an operator redrives or discards it, and topic-wide
// trouble backs off the whole topic, which then probes one event at a time, rotating over
// users, until the sidecar answers again. A commit nudges it; it also polls, so rows left by a
// crash are found.

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
