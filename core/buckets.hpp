#pragma once

// Users hashed into a fixed number of buckets: the unit that replicas lease for publishing
// (persistence/lease_keeper), and the key of the per-user lock that serialises one user's
// writes across replicas. Both hashes are ours (FNV-1a), not the database's, so that SQLite and
// PostgreSQL, and every replica, agree on them.

#include <cstdint>
#include <string_view>

namespace tasks {

// FNV-1a, 64 bits: stable across builds, platforms and processes.
std::uint64_t stable_hash(std::string_view text);

// The bucket (0 .. count-1) of a user's events. `count` is fixed for a database's life.
std::int32_t bucket_of(std::string_view user_id, std::int32_t count);

// The key of a user's transaction-scoped advisory lock (pg_advisory_xact_lock(bigint)).
std::int64_t user_lock_key(std::string_view user_id);

}  // namespace tasks
