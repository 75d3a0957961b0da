#pragma once

// The outbox reader: persistence's child with its own connection (SQLite WAL readers never
// wait for the writer; PostgreSQL gets a second session), answering the outbox reads.

#include <memory>

#include "core/protocol.hpp"
#include "persistence/store.hpp"

namespace tasks {

// Spawned detached and linked to `parent` (it dies with persistence and is restarted with it).
outbox_reader_actor spawn_outbox_reader(caf::local_actor* parent, std::unique_ptr<Store> store);

}  // namespace tasks
