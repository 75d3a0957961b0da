#pragma once

// The persistence actor: owns the Store (a SOCI session) on a thread of its own and batches
// the commits that arrive together into one transaction (group commit).

#include <memory>

#include "core/protocol.hpp"
#include "persistence/store.hpp"

namespace tasks {

struct PersistenceOptions {
  size_t max_batch = 256;      // commits in one transaction at most
  std::uint64_t restarts = 0;  // how often the supervisor restarted this actor (for status)
};

// Spawn with caf::detached. The store survives the actor, so a restarted actor reuses it.
persistence_actor spawn_persistence(caf::actor_system& system, std::shared_ptr<Store> store,
                                    PersistenceOptions options = {});

}  // namespace tasks
