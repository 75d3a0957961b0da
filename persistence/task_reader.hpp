#pragma once

// The task reader: a detached actor with a database connection of its own (SQLite WAL readers
// never wait for the writer; PostgreSQL gets a second session) answering the user actors'
// reads, Idempotency-Key lookups and readiness pings.

#include <memory>

#include "core/protocol.hpp"
#include "persistence/store.hpp"

namespace tasks {

// Spawned detached; the persistence writer links to it and holds it, so that they die and are
// restarted together. Its connection is opened on its own thread at the first read (and again
// after a failure), so a database that is down makes reads answer `unavailable` instead of
// killing the actor.
task_reader_actor spawn_task_reader(caf::actor_system& system, DbTarget target, StoreOptions options);

}  // namespace tasks
