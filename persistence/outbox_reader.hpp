#pragma once

// The outbox reader: a detached actor with a database connection of its own (SQLite WAL
// readers never wait for the writer; PostgreSQL gets a second session), answering the outbox
// reads: the publishers' fetches (delegated by persistence) and the operators' views (asked
// directly, so that /metrics and the admin API never wait behind the writer's transactions).

#include "core/protocol.hpp"
#include "persistence/store.hpp"

namespace tasks {

// Spawned detached; the persistence writer links to it and holds it. Its connection is opened
// at start (and again at a read after a failure).
outbox_reader_actor spawn_outbox_reader(caf::actor_system& system, DbTarget target, StoreOptions options);

}  // namespace tasks
