#pragma once

// The persistence actor: owns the Store (a SOCI session) on a thread of its own and batches
// the commits that arrive together into one transaction (group commit).

#include <memory>

#include "core/protocol.hpp"
#include "persistence/store.hpp"

namespace tasks {

struct PersistenceOptions {
  size_t max_batch = 256;                            // commits in one transaction at most
  std::uint64_t restarts = 0;                        // how often the supervisor restarted this actor (for status)
  std::chrono::milliseconds purge_interval{60'000};  // how often expired keys and old dead letters go
  // Dead letters older than this are discarded (recorded, by "retention"); 0 keeps them.
  std::chrono::milliseconds dead_letter_retention{0};
};

// The writer (detached, owning `store`), the task reader and two outbox readers (fetches, and
// operators' views), each detached with a connection of its own, linked to the writer so that
// they die and restart together. The store survives the actors,
// so a restarted writer reuses it.
StoreHandles spawn_persistence(caf::actor_system& system, std::shared_ptr<Store> store,
                               PersistenceOptions options = {});

}  // namespace tasks
