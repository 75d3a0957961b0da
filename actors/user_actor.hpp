#pragma once

// One actor per user: serialises that user's requests (a request's reads and its commit finish
// before the next request starts), decides each task's new state, plans its events and hands
// persistence ONE commit holding both (and the Idempotency-Key's answer, when one was sent).
// Its queue is bounded (a request past the bound is answered 503 at once) and every request
// carries one deadline: no step of it starts after the deadline.

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/metrics.hpp"
#include "core/protocol.hpp"

namespace tasks {

struct UserActorOptions {
  std::string event_source = "tasks-backend";
  std::chrono::milliseconds request_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  int conflict_retries = 3;         // another writer moved the task: re-read and re-plan this often
  size_t queue_limit = 32;          // requests waiting or running; past it a request is answered 503 at once
  std::int64_t max_tasks = 10'000;  // the quota persistence enforces (named in the 409 answer)
  std::chrono::milliseconds idempotency_ttl{24 * 3'600'000};  // how long a key's answer is kept
  // How long past a request's deadline a commit's outcome is awaited. Persistence bounds every
  // transaction by the deadlines in it, so its answer comes within this unless the database
  // connection itself hangs; only then is the outcome unknown (logged, answered 503).
  std::chrono::milliseconds commit_grace{5'000};
  metrics_ptr metrics;  // the registry counts crashed user actors here (may be null)
  // The actor keeps the tasks it last wrote or read (at most `cached_tasks`), so a mutation
  // needs no load: the commit's version check in the database refuses a stale copy (another
  // replica wrote meanwhile), and the conflict re-reads. Reads are answered from that copy only
  // when no other process can write the user's tasks (SQLite: one process holds the file), so a
  // read on any replica still sees every write another replica has answered.
  bool reads_from_memory = false;
  size_t cached_tasks = 1'000;
};

struct user_state {
  std::string user_id;
  StoreHandles store;
  registry_actor registry;
  UserActorOptions options;
  std::deque<std::shared_ptr<TaskCommand>> queue;  // waiting for their turn
  std::unordered_map<std::string, Task> tasks;     // as this actor last wrote or read them (task id ->)
  bool busy = false;                               // a request is being executed
  std::uint64_t handled = 0;                       // commands received, compared by the registry before passivating
  std::uint64_t mutations = 0, reads = 0, conflicts = 0, failures = 0, shed = 0, expired = 0, replays = 0;
  std::uint64_t memory_hits = 0;  // mutations and reads that needed no load
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_active = started;
  static inline const char* name = "user";
};

user_actor::behavior_type user_actor_impl(user_actor::stateful_pointer<user_state> self, std::string user_id,
                                          StoreHandles store, registry_actor registry, UserActorOptions options);

}  // namespace tasks
