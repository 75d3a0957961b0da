#pragma once

// The lease keeper: keeps this replica's share of the publishing buckets (docs/replicas.md).

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "core/protocol.hpp"
#include "persistence/store.hpp"

namespace tasks {

struct LeaseKeeperOptions {
  DbTarget target;
  StoreOptions store;  // store.owner is this process's owner token
  std::string replica_id, host;
  std::int64_t pid = 0;
  LeaseSettings settings;
  std::chrono::milliseconds renew_interval{3'000};
  // This replica's publishing counters as JSON, written into its record at each renewal.
  std::function<std::string()> counters;
  metrics_ptr metrics;  // may be null
};

// Spawns it detached; its first renewal (and claims) runs at once.
lease_keeper_actor spawn_lease_keeper(caf::actor_system& system, LeaseKeeperOptions options);

// A fresh owner token: the replica id, the start time and random bits (never reused, so a
// restarted process never mistakes its predecessor's leases for its own).
std::string make_owner_token(const std::string& replica_id);

}  // namespace tasks
