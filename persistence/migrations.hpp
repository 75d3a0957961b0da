#pragma once

// Versioned schema migrations, one list per dialect, applied in order at start-up. Applying
// them again is a no-op; concurrent starters (several replicas) serialise on a lock.

#include <functional>
#include <string>
#include <vector>

#include "persistence/db_url.hpp"

namespace soci {
class session;
}

namespace tasks {

struct Migration {
  long long version;
  std::string description;
  std::vector<std::string> sqlite;
  std::vector<std::string> postgresql;
};

const std::vector<Migration>& migrations();

// Runs `body` in a write transaction holding the schema lock (PostgreSQL: the advisory lock every
// starter takes; SQLite: the write lock): migrations and the set-up that follows them.
void under_schema_lock(soci::session& sql, Dialect dialect, const std::function<void()>& body);

// Applies what is missing; returns the versions applied now. Throws soci::soci_error.
std::vector<long long> migrate(soci::session& sql, Dialect dialect);

}  // namespace tasks
