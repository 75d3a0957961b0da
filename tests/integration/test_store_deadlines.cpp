// Store::write with deadlines on the backend under test: a commit past its deadline is never
// started, and while another connection holds the write lock every commit is answered
// `expired` by (about) its own deadline with nothing written.

#include <boost/test/unit_test.hpp>
#include <thread>

#include "core/time.hpp"
#include "persistence/store.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/integration/store_samples.hpp"
#include "tests/support/write_lock.hpp"

using namespace tasks;
using namespace tasks::testing;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

long long count_of(DbPeek& peek, const std::string& table, const std::string& user) {
  return peek.count("SELECT COUNT(*) FROM " + table + " WHERE user_id = '" + user + "'");
}

// Nothing of `user` in any table a commit writes.
void check_nothing_written(const std::string& url, const std::string& user) {
  DbPeek peek(url);
  BOOST_TEST(count_of(peek, "tasks", user) == 0);
  BOOST_TEST(peek.outbox(user).empty());
  BOOST_TEST(count_of(peek, "users", user) == 0);
  BOOST_TEST(count_of(peek, "idempotency_keys", user) == 0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_deadlines)

BOOST_AUTO_TEST_CASE(a_commit_past_its_deadline_is_never_started) {
  const std::string user = unique_user("late");
  auto url = Environment::get().fresh_db_url("late");
  Store store(parse_db_url(url));
  Task late = make_task(user, "late"), fine = make_task(user, "fine");
  Commit too_late = with_key(insert(late), key_record(user, "k-late", "f", now_millis(), now_millis() + 60'000));
  too_late.deadline = deadline_in(-1ms);
  Commit in_time = insert(fine);
  in_time.deadline = deadline_in(10s);
  auto out = store.write({{too_late, in_time}, {}}, now_millis());
  BOOST_REQUIRE(out.commits.size() == 2u);
  BOOST_TEST((out.commits[0].status == StoreStatus::expired));
  BOOST_TEST((out.commits[1].status == StoreStatus::ok));
  BOOST_TEST((store.load(user, late.id).status == StoreStatus::not_found));
  BOOST_TEST((store.lookup_key(user, "k-late", now_millis()).status == StoreStatus::not_found));
  DbPeek peek(url);
  auto rows = peek.outbox(user);
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].task_id == fine.id);
  BOOST_TEST(peek.count("SELECT task_count FROM users WHERE user_id = '" + user + "'") == 1);
}

BOOST_AUTO_TEST_CASE(delivery_results_are_written_when_every_commit_expired) {
  const std::string user = unique_user("late");
  auto url = Environment::get().fresh_db_url("settle_late");
  Store store(parse_db_url(url));
  BOOST_REQUIRE((store.commit({insert(make_task(user, "t"))})[0].status == StoreStatus::ok));
  auto rows = store.fetch_due("task-events", now_millis(), 10, 10).rows;
  BOOST_REQUIRE(rows.size() == 1u);
  Commit too_late = insert(make_task(user, "late"));
  too_late.deadline = deadline_in(-1ms);
  DeliveryReport report;
  report.topic = "task-events";
  report.delivered.push_back({rows[0].id, rows[0].event.partition_key});
  auto out = store.write({{too_late}, {report}}, now_millis());
  BOOST_TEST((out.commits[0].status == StoreStatus::expired));
  BOOST_REQUIRE(out.settles.size() == 1u);
  BOOST_TEST(out.settles[0]);
  BOOST_TEST(store.pending("task-events", 10).empty());
}

BOOST_AUTO_TEST_CASE(a_stalled_database_expires_each_commit_by_its_deadline_and_writes_nothing) {
  const std::string user = unique_user("stall");
  auto url = Environment::get().fresh_db_url("stall");
  Store store(parse_db_url(url));
  Task a = make_task(user, "a"), b = make_task(user, "b");
  Commit first = with_key(insert(a), key_record(user, "k-a", "f", now_millis(), now_millis() + 60'000));
  Commit second = insert(b);
  {
    WriteLock lock(url);
    // A lone commit is answered by its own deadline...
    Commit alone = insert(make_task(user, "alone"));
    alone.deadline = deadline_in(300ms);
    auto lone = store.write({{alone}, {}}, now_millis());
    auto answered = steady::now();
    BOOST_TEST((lone.commits[0].status == StoreStatus::expired));
    BOOST_TEST((answered >= alone.deadline.at));
    BOOST_TEST((answered < alone.deadline.at + 1500ms));
    // ...and in a batch the later one is not given up before its own deadline.
    first.deadline = deadline_in(300ms);
    second.deadline = deadline_in(600ms);
    auto out = store.write({{first, second}, {}}, now_millis());
    answered = steady::now();
    BOOST_REQUIRE(out.commits.size() == 2u);
    BOOST_TEST((out.commits[0].status == StoreStatus::expired));
    BOOST_TEST((out.commits[1].status == StoreStatus::expired));
    BOOST_TEST((answered >= second.deadline.at));
    BOOST_TEST((answered < second.deadline.at + 1500ms));
    lock.release();
  }
  check_nothing_written(url, user);
  // The lock is gone: the next write goes through (the key too, as it was never recorded).
  first.deadline = deadline_in(10s);
  second.deadline = deadline_in(10s);
  auto out = store.write({{first, second}, {}}, now_millis());
  BOOST_TEST((out.commits[0].status == StoreStatus::ok));
  BOOST_TEST((out.commits[1].status == StoreStatus::ok));
  BOOST_TEST((store.lookup_key(user, "k-a", now_millis()).status == StoreStatus::ok));
  BOOST_TEST(DbPeek(url).outbox(user).size() == 2u);
}

BOOST_AUTO_TEST_CASE(commits_whose_deadline_is_still_ahead_are_written_when_the_lock_comes_free) {
  const std::string user = unique_user("stall");
  auto url = Environment::get().fresh_db_url("stall_ends");
  Store store(parse_db_url(url));
  Task a = make_task(user, "a"), b = make_task(user, "b");
  Commit first = insert(a), second = insert(b);
  WriteLock lock(url);
  const auto start = steady::now();
  first.deadline = Deadline{start + 300ms};
  second.deadline = Deadline{start + 2500ms};
  // The stall itself: the other connection lets go 900 ms in, between the two deadlines.
  std::thread stall_ends([&] {
    std::this_thread::sleep_until(start + 900ms);
    lock.release();
  });
  auto out = store.write({{first, second}, {}}, now_millis());
  stall_ends.join();
  BOOST_TEST((out.commits[0].status == StoreStatus::expired));
  BOOST_TEST((out.commits[1].status == StoreStatus::ok));
  BOOST_TEST((store.load(user, a.id).status == StoreStatus::not_found));
  BOOST_TEST((store.load(user, b.id).status == StoreStatus::ok));
  auto rows = DbPeek(url).outbox(user);
  BOOST_REQUIRE(rows.size() == 1u);
  BOOST_TEST(rows[0].task_id == b.id);
}

BOOST_AUTO_TEST_CASE(without_deadlines_the_default_budget_bounds_the_wait) {
  const std::string user = unique_user("budget");
  auto url = Environment::get().fresh_db_url("budget");
  StoreOptions options;
  options.default_budget = 300ms;
  Store store(parse_db_url(url), options);
  BOOST_REQUIRE((store.commit({insert(make_task(user, "t"))})[0].status == StoreStatus::ok));
  auto rows = store.fetch_due("task-events", now_millis(), 10, 10).rows;
  BOOST_REQUIRE(rows.size() == 1u);
  DeliveryReport report;
  report.topic = "task-events";
  report.delivered.push_back({rows[0].id, rows[0].event.partition_key});
  Task t = make_task(user, "waits");
  bool settled = false;
  {
    WriteLock lock(url);
    const auto start = steady::now();
    auto out = store.write({{insert(t)}, {report}}, now_millis());
    const auto took = steady::now() - start;
    BOOST_TEST((out.commits[0].status == StoreStatus::unavailable));
    settled = out.settles[0];
    BOOST_TEST((took >= 300ms));
    BOOST_TEST((took < 1800ms));
  }
  BOOST_TEST((store.load(user, t.id).status == StoreStatus::not_found));
  // The delivery result went in a transaction of its own once the commit was given up: written
  // where the lock does not cover the outbox (PostgreSQL's LOCK TABLE tasks), not where it does
  // (SQLite's database-wide write lock); what it says and what was written agree.
  BOOST_TEST(settled == Environment::get().postgres());
  BOOST_TEST(store.pending("task-events", 10).size() == (settled ? 0u : 1u));
  auto out = store.write({{insert(t)}, {settled ? DeliveryReport{} : report}}, now_millis());
  BOOST_TEST((out.commits[0].status == StoreStatus::ok));
  BOOST_TEST(out.settles[0]);
}

BOOST_AUTO_TEST_SUITE_END()
