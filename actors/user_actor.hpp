#pragma once

// One actor per user: serialises that user's requests (a request's reads and its commit finish
// before the next request starts), decides each task's new state, plans its events and hands
// persistence ONE commit holding both.

#include <chrono>
#include <string>

#include "core/metrics.hpp"
#include "core/protocol.hpp"

namespace tasks {

struct UserActorOptions {
  std::string event_source = "tasks-backend";
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  int conflict_retries = 3;  // another writer moved the task: re-read and re-plan this often
  metrics_ptr metrics;       // the registry counts crashed user actors here (may be null)
};

struct user_state {
  std::string user_id;
  persistence_actor store;
  registry_actor registry;
  UserActorOptions options;
  std::uint64_t handled = 0;  // commands received, compared by the registry before passivating
  std::uint64_t mutations = 0, reads = 0, conflicts = 0, failures = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_active = started;
  static inline const char* name = "user";
};

user_actor::behavior_type user_actor_impl(user_actor::stateful_pointer<user_state> self, std::string user_id,
                                          persistence_actor store, registry_actor registry, UserActorOptions options);

}  // namespace tasks
