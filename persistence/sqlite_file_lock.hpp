#pragma once

// SQLite is single-process here: one taskd per database file. Its writer, readers and publishers
// assume they are the only ones committing (group commit, the outbox order, the lanes); a second
// process on the same file would silently share it. The lock is an exclusive flock on a file
// beside the database, `<db path>.lock`, held for the life of the process: the kernel drops it
// when the process ends, however it ends (SIGKILL included), so nothing stale is ever left to
// clean up.
//
// Not the database file itself: SQLite's own locks on it are POSIX record locks, which belong to
// the process and vanish when the process closes ANY descriptor of that file.

#include <sys/types.h>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "persistence/db_url.hpp"

namespace tasks {

// Why the lock could not be taken; what() is one line naming the file (and, when the holder is
// known, its pid) and what to do.
struct SqliteFileLockError : std::runtime_error {
  SqliteFileLockError(const std::string& message, bool held, std::optional<pid_t> holder_pid)
      : std::runtime_error(message), held_elsewhere(held), holder(holder_pid) {}
  bool held_elsewhere;          // another descriptor holds it (false: the file could not be opened)
  std::optional<pid_t> holder;  // the pid the holder wrote into the lock file, when readable
};

class SqliteFileLock {
 public:
  // Takes the lock on `database_path + ".lock"` (creating it, and the database's directory, when
  // missing) without waiting, and writes this process's pid into it. Throws SqliteFileLockError.
  explicit SqliteFileLock(const std::string& database_path);
  ~SqliteFileLock();  // releases it
  SqliteFileLock(const SqliteFileLock&) = delete;
  SqliteFileLock& operator=(const SqliteFileLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

// Whether a database needs the lock: a SQLite file does; PostgreSQL (shared by design) and a
// private in-memory SQLite database do not.
bool needs_file_lock(const DbTarget& target);

// The lock for `target` when it needs one, else nothing. Throws SqliteFileLockError.
std::unique_ptr<SqliteFileLock> lock_database_file(const DbTarget& target);

}  // namespace tasks
