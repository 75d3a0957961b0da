#pragma once

// Another connection holding the database's write lock, as a stalled database or a long
// migration would: SQLite, a transaction in BEGIN IMMEDIATE; PostgreSQL, the tasks table locked
// exclusively (LOCK TABLE). Taken as soon as the service's own short transactions let it.

#include <string>

#include "tests/support/db_peek.hpp"

namespace tasks::testing {

class WriteLock {
 public:
  // Throws when the lock could not be taken within five seconds.
  explicit WriteLock(const std::string& db_url);
  ~WriteLock();
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

  void release();

 private:
  DbPeek peek_;
  bool held_ = false;
};

}  // namespace tasks::testing
