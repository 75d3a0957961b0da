#include "persistence/sqlite_file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <system_error>

namespace tasks {

namespace {

std::string os_error(int error) {
  return std::system_category().message(error);
}

// The pid the holder wrote, if the file says one: it may not have written it yet (it locks
// first, then writes), or the file may be someone else's.
std::optional<pid_t> holder_of(int fd) {
  char buf[32];
  const ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n <= 0) return std::nullopt;
  pid_t pid = 0;
  const auto [end, error] = std::from_chars(buf, buf + n, pid);
  if (error != std::errc{} || pid <= 0 || (end != buf + n && *end != '\n')) return std::nullopt;
  return pid;
}

SqliteFileLockError held(const std::string& database, const std::string& lock, std::optional<pid_t> holder) {
  const std::string who = holder ? "another taskd (pid " + std::to_string(*holder) + ")" : "another process";
  return SqliteFileLockError(who + " already uses " + database + " (it holds the lock " + lock +
                                 "); SQLite is single-process: run one taskd per file, or PostgreSQL for several "
                                 "replicas",
                             true, holder);
}

}  // namespace

SqliteFileLock::SqliteFileLock(const std::string& database_path) : path_(database_path + ".lock") {
  // The Store creates the database's directory too, but the lock comes first (a fresh
  // ./data/tasks.db must work). A failure here shows as the open's own error below.
  std::error_code ignored;
  if (const auto parent = std::filesystem::path(path_).parent_path(); !parent.empty())
    std::filesystem::create_directories(parent, ignored);
  // Close-on-exec: a child that inherited the descriptor would keep the lock after we are gone.
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int error = errno;
    throw SqliteFileLockError("cannot open the lock file " + path_ + ": " + os_error(error), false, std::nullopt);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const auto holder = error == EWOULDBLOCK ? holder_of(fd_) : std::nullopt;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) throw held(database_path, path_, holder);
    throw SqliteFileLockError("cannot lock " + path_ + ": " + os_error(error), false, std::nullopt);
  }
  // Who holds it, for the next one's refusal. Best effort: the lock is what protects the file,
  // the pid only makes the refusal say whom to look for.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const auto written = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

SqliteFileLock::~SqliteFileLock() {
  // Closing the only descriptor of this open file description drops the flock. The file stays:
  // removing it would let a newcomer lock a fresh file while someone still holds the old one.
  if (fd_ >= 0) ::close(fd_);
}

bool needs_file_lock(const DbTarget& target) {
  return target.dialect == Dialect::sqlite && target.path != ":memory:";
}

std::unique_ptr<SqliteFileLock> lock_database_file(const DbTarget& target) {
  if (!needs_file_lock(target)) return nullptr;
  return std::make_unique<SqliteFileLock>(target.path);
}

}  // namespace tasks
