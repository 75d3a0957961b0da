// SqliteFileLock: one taskd per SQLite file. flock locks belong to an open file description, so
// two acquisitions in one process (separate descriptors) conflict exactly as two processes do;
// the integration suite has the two processes (startup/a_second_taskd_on_one_sqlite_file_...).

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "persistence/sqlite_file_lock.hpp"
#include "tests/support/taskd_process.hpp"

using namespace tasks;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  std::string path = testing::make_temp_dir("lock-test");
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The refusal of a lock on `database`, which the test expects to be taken already.
SqliteFileLockError refusal(const std::string& database) {
  try {
    SqliteFileLock second(database);
  } catch (const SqliteFileLockError& e) {
    return e;
  }
  BOOST_FAIL("a second lock on " + database + " was granted");
  throw std::logic_error("unreachable");
}

// The open flags of this process's descriptor for `path`, from /proc (0 when none is open).
long open_flags_of(const std::string& path) {
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(entry.path(), ec) != fs::path(path)) continue;
    std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
    std::string key;
    while (info >> key)
      if (key == "flags:") {
        std::string octal;
        info >> octal;
        return std::stol(octal, nullptr, 8);
      }
  }
  return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_file_lock)

BOOST_AUTO_TEST_CASE(a_second_lock_on_one_file_is_refused_naming_the_file_and_the_holder) {
  TempDir dir;
  const std::string db = dir.path + "/tasks.db";
  SqliteFileLock first(db);
  BOOST_TEST(first.path() == db + ".lock");
  const auto e = refusal(db);
  BOOST_TEST(e.held_elsewhere);
  BOOST_REQUIRE(e.holder.has_value());
  BOOST_TEST(*e.holder == ::getpid());
  const std::string what = e.what();
  BOOST_TEST(
      what.find("another taskd (pid " + std::to_string(::getpid()) + ") already uses " + db) != std::string::npos,
      what);
  BOOST_TEST(what.find(db + ".lock") != std::string::npos, what);
  BOOST_TEST(what.find("PostgreSQL for several replicas") != std::string::npos, what);
  BOOST_TEST(what.find('\n') == std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(releasing_the_lock_frees_it) {
  TempDir dir;
  const std::string db = dir.path + "/tasks.db";
  { SqliteFileLock first(db); }
  SqliteFileLock again(db);
  BOOST_TEST(again.path() == db + ".lock");
}

BOOST_AUTO_TEST_CASE(the_lock_file_says_who_holds_it_and_the_database_is_not_touched) {
  TempDir dir;
  const std::string db = dir.path + "/data/tasks.db";  // a directory that does not exist yet
  SqliteFileLock lock(db);
  BOOST_TEST(testing::read_whole_file(db + ".lock") == std::to_string(::getpid()) + "\n");
  BOOST_TEST(!fs::exists(db));  // the lock never opens the database (SQLite's locks on it are its own)
  BOOST_TEST((open_flags_of(db + ".lock") & O_CLOEXEC) != 0);  // a child would not inherit it
}

BOOST_AUTO_TEST_CASE(a_holder_that_wrote_no_pid_is_another_process) {
  TempDir dir;
  const std::string db = dir.path + "/tasks.db";
  std::ofstream(db + ".lock") << "not a pid\n";
  const int fd = ::open((db + ".lock").c_str(), O_RDWR | O_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  const auto e = refusal(db);
  BOOST_TEST(e.held_elsewhere);
  BOOST_TEST(!e.holder.has_value());
  BOOST_TEST(std::string(e.what()).rfind("another process already uses " + db, 0) == 0, e.what());
  ::close(fd);
  SqliteFileLock now_free(db);
}

BOOST_AUTO_TEST_CASE(a_lock_file_that_cannot_be_created_says_why) {
  try {
    SqliteFileLock lock("/proc/self/no/such/dir/tasks.db");
    BOOST_FAIL("a lock under /proc was granted");
  } catch (const SqliteFileLockError& e) {
    BOOST_TEST(!e.held_elsewhere);
    BOOST_TEST(std::string(e.what()).find("/proc/self/no/such/dir/tasks.db.lock") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(only_sqlite_files_need_the_lock) {
  BOOST_TEST(needs_file_lock(parse_db_url("sqlite:./data/tasks.db")));
  BOOST_TEST(!needs_file_lock(parse_db_url("sqlite::memory:")));
  BOOST_TEST(!needs_file_lock(parse_db_url("postgresql://tasks@db:5432/tasks")));
  BOOST_TEST(lock_database_file(parse_db_url("postgresql://tasks@db:5432/tasks")) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
