#pragma once

// The supervisor: starts the long-lived actors, links to them, and restarts the one that dies,
// handing its replacement to every actor that talked to it. Which actors exist is given by
// app/ as factories (the supervisor knows their interfaces, not their implementations).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "actors/user_actor.hpp"
#include "core/directory.hpp"
#include "core/protocol.hpp"

namespace tasks {

struct SupervisorWiring {
  // Starts the persistence writer and its reader; `restarts` is how often they were restarted.
  std::function<StoreHandles(caf::actor_system&, std::uint64_t restarts)> start_persistence;
  // Starts the publisher of one topic against the given persistence actor.
  struct Publisher {
    std::string topic;
    std::function<publisher_actor(caf::actor_system&, persistence_actor, std::uint64_t restarts)> start;
  };
  std::vector<Publisher> publishers;
  UserActorOptions user_options;
  std::shared_ptr<ActorDirectory> directory;
  metrics_ptr metrics;                             // counts restarts per kind (may be null)
  int restart_burst = 5;                           // restarts of one child in `burst_window`...
  std::chrono::milliseconds burst_window{10'000};  // ...after which it is restarted only after
  std::chrono::milliseconds burst_pause{1'000};    // this pause, so a crash loop cannot spin
};

supervisor_actor spawn_supervisor(caf::actor_system& system, SupervisorWiring wiring);

}  // namespace tasks
