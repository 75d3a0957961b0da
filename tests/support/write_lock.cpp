#include "tests/support/write_lock.hpp"

#include <stdexcept>

#include "tests/support/wait.hpp"

namespace tasks::testing {

WriteLock::WriteLock(const std::string& db_url) : peek_(db_url) {
  held_ = wait_until(
      [&] {
        try {
          peek_.exec(peek_.is_sqlite() ? "BEGIN IMMEDIATE" : "BEGIN");
          if (!peek_.is_sqlite()) peek_.exec("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE");
          return true;
        } catch (const std::exception&) {
          try {
            peek_.exec("ROLLBACK");
          } catch (...) {
          }
          return false;
        }
      },
      std::chrono::seconds(5));
  if (!held_) throw std::runtime_error("the write lock could not be taken within 5 s");
}

WriteLock::~WriteLock() {
  try {
    release();
  } catch (...) {
  }
}

void WriteLock::release() {
  if (held_) peek_.exec("ROLLBACK");
  held_ = false;
}

}  // namespace tasks::testing
