// SQLite is single-process: a second taskd on the file of a running one refuses to start with one
// line naming the file and the holder, and the first goes on serving. The lock is the kernel's
// (flock on `<db>.lock`), so a taskd that ends, even by SIGKILL, leaves nothing stale behind.

#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "tests/integration/fixture.hpp"

using namespace tasks::testing;

namespace {

bool skipped_on_postgres() {
  if (!Environment::get().postgres()) return false;
  BOOST_TEST_MESSAGE("skipped: several taskd on one PostgreSQL is what PostgreSQL is for");
  return true;
}

std::string file_of(const std::string& sqlite_url) {
  return sqlite_url.substr(std::string("sqlite:").size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sqlite_single_process)

BOOST_AUTO_TEST_CASE(a_second_taskd_on_one_sqlite_file_is_refused_and_the_first_serves_on) {
  if (skipped_on_postgres()) return;
  auto& env = Environment::get();
  const auto db = env.fresh_db_url("single");
  const auto file = file_of(db);
  auto first = env.start_taskd({{"TASKS_DB", db}});
  UserApi alice(*first, unique_user("single"));
  const auto before = alice.create_id("before the second taskd");

  TaskdOptions options;
  options.env = {{"TASKS_DB", db}};
  options.wait_ready = false;
  TaskdProcess second(options);
  const auto status = second.wait_exit(30'000);
  BOOST_REQUIRE_MESSAGE(status.has_value(), "a second taskd kept running on " << file);
  BOOST_TEST(*status == 2);  // bad configuration, as every ConfigError
  const auto err = second.stderr_text();
  BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 1, "one line: " << err);
  BOOST_TEST(
      err.rfind("taskd: TASKS_DB: another taskd (pid " + std::to_string(first->pid()) + ") already uses " + file + " ",
                0) == 0,
      err);
  BOOST_TEST(err.find(file + ".lock") != std::string::npos, err);
  BOOST_TEST(err.find("SQLite is single-process") != std::string::npos, err);

  BOOST_TEST(first->running());
  BOOST_TEST(alice.get(before).status == 200);
  const auto after = alice.create_id("after the refusal");
  BOOST_TEST(first->terminate() == 0);

  // The first gone, the file is free: a new taskd starts on it and has both tasks.
  auto third = env.start_taskd({{"TASKS_DB", db}});
  UserApi again(*third, alice.user());
  BOOST_TEST(again.get(before).status == 200);
  BOOST_TEST(again.get(after).status == 200);
  BOOST_TEST(third->terminate() == 0);
}

BOOST_AUTO_TEST_CASE(a_sigkilled_taskd_leaves_no_stale_lock) {
  if (skipped_on_postgres()) return;
  auto& env = Environment::get();
  const auto db = env.fresh_db_url("killed");
  auto first = env.start_taskd({{"TASKS_DB", db}});
  UserApi alice(*first, unique_user("killed"));
  const auto id = alice.create_id("before the kill");
  first->kill_hard();
  auto next = env.start_taskd({{"TASKS_DB", db}});  // throws unless it becomes ready
  UserApi again(*next, alice.user());
  BOOST_TEST(again.get(id).status == 200);
  BOOST_TEST(next->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
