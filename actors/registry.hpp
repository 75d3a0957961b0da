#pragma once

// The registry: one actor per user, spawned on the user's first request and stopped once it has
// been idle for the configured time. Children are linked: they die with the registry, and the
// registry (trapping exits) forgets a child that died, so the next request spawns a fresh one.

#include "actors/user_actor.hpp"
#include "core/protocol.hpp"

namespace tasks {

registry_actor spawn_registry(caf::actor_system& system, StoreHandles store, UserActorOptions options);

}  // namespace tasks
