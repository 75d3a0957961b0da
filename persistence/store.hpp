#pragma once

// The SOCI store: tasks and their outbox rows in SQLite or PostgreSQL. Plain blocking code with
// no actors, so it is tested on its own; the persistence actor owns one.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/commit.hpp"
#include "core/outbox.hpp"
#include "core/task.hpp"
#include "persistence/db_url.hpp"

namespace tasks {

struct StoreOptions {
  std::string sqlite_synchronous = "full";
};

// The database cannot be reached or set up at start-up.
struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Store {
 public:
  // Connects and applies migrations. Throws StoreError.
  Store(DbTarget target, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Dialect dialect() const { return target_.dialect; }

  // Writes a batch of commits in ONE transaction. Each commit gets its own outcome: one whose
  // task moved on (conflict) or vanished (not_found) writes nothing and does not disturb the
  // others; a database failure fails the whole batch and writes nothing at all.
  std::vector<CommitOutcome> commit(const std::vector<Commit>& batch);

  LoadOutcome load(const std::string& user_id, const std::string& task_id);
  ListOutcome list(const std::string& user_id, const ListQuery& query);

  // Drops the connection; the next call opens a fresh one (after a crash mid-transaction).
  void reconnect();

  // True when a trivial query succeeds (reconnecting first if the last call failed).
  bool ping();

  // The last database error, for status reports.
  const std::string& last_error() const { return last_error_; }

 private:
  struct Connection;
  void ensure_connected();
  void disconnect(const std::string& why);

  DbTarget target_;
  StoreOptions options_;
  std::unique_ptr<Connection> conn_;
  std::string last_error_;
};

}  // namespace tasks
