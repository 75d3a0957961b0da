// The per-user task quota in the store (StoreOptions::max_tasks_per_user) on the backend under
// test: an insert past it is refused with nothing written, a delete frees a slot, and the
// migration counts the tasks that were there before it.

#include <boost/test/unit_test.hpp>

#include "core/time.hpp"
#include "persistence/store.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/integration/store_samples.hpp"

using namespace tasks;
using namespace tasks::testing;

namespace {

StoreOptions quota_of(std::int64_t n) {
  StoreOptions o;
  o.max_tasks_per_user = n;
  return o;
}

long long task_count(const std::string& url, const std::string& user) {
  return DbPeek(url).count("SELECT task_count FROM users WHERE user_id = '" + user + "'");
}

long long tasks_of(const std::string& url, const std::string& user) {
  return DbPeek(url).count("SELECT COUNT(*) FROM tasks WHERE user_id = '" + user + "'");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_quota)

BOOST_AUTO_TEST_CASE(an_insert_past_the_quota_is_refused_and_writes_nothing) {
  const std::string user = unique_user("quota"), other = unique_user("quota");
  auto url = Environment::get().fresh_db_url("quota");
  Store store(parse_db_url(url), quota_of(3));
  std::vector<Task> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(make_task(user, "t" + std::to_string(i)));
    BOOST_REQUIRE((store.commit({insert(kept.back())})[0].status == StoreStatus::ok));
  }
  // The fourth, in one batch (the fast path, no savepoints) with other users' and its own
  // user's other changes: only it is refused, and neither it nor its key lands.
  Task fourth = make_task(user, "fourth"), theirs = make_task(other, "theirs");
  Commit refused = with_key(insert(fourth), key_record(user, "k4", "f", now_millis(), now_millis() + 60'000));
  auto out = store.commit({update(kept[0], 1), refused, insert(theirs)});
  BOOST_REQUIRE(out.size() == 3u);
  BOOST_TEST((out[0].status == StoreStatus::ok));
  BOOST_TEST((out[1].status == StoreStatus::quota_exceeded));
  BOOST_TEST((out[2].status == StoreStatus::ok));
  BOOST_TEST((store.load(user, fourth.id).status == StoreStatus::not_found));
  BOOST_TEST((store.lookup_key(user, "k4", now_millis()).status == StoreStatus::not_found));
  BOOST_TEST(task_count(url, user) == 3);
  BOOST_TEST(task_count(url, other) == 1);
  for (const auto& e : DbPeek(url).outbox(user)) BOOST_TEST(e.task_id != fourth.id);
  BOOST_TEST(DbPeek(url).outbox(user).size() == 4u);  // 3 creates and the update
}

BOOST_AUTO_TEST_CASE(a_delete_frees_a_slot) {
  const std::string user = unique_user("quota");
  auto url = Environment::get().fresh_db_url("quota_free");
  Store store(parse_db_url(url), quota_of(3));
  std::vector<Task> kept;
  for (int i = 0; i < 3; ++i) {
    kept.push_back(make_task(user, "t" + std::to_string(i)));
    BOOST_REQUIRE((store.commit({insert(kept.back())})[0].status == StoreStatus::ok));
  }
  BOOST_TEST((store.commit({insert(make_task(user, "full"))})[0].status == StoreStatus::quota_exceeded));
  // A delete that does not happen (stale version, unknown task) frees nothing.
  BOOST_TEST((store.commit({removal(kept[0], 7)})[0].status == StoreStatus::conflict));
  BOOST_TEST((store.commit({removal(make_task(user, "ghost"), 1)})[0].status == StoreStatus::not_found));
  BOOST_TEST(task_count(url, user) == 3);
  BOOST_TEST((store.commit({insert(make_task(user, "still full"))})[0].status == StoreStatus::quota_exceeded));
  // A real one does, for exactly one insert; a delete and an insert in one batch work too.
  BOOST_TEST((store.commit({removal(kept[0], 1)})[0].status == StoreStatus::ok));
  BOOST_TEST(task_count(url, user) == 2);
  auto out = store.commit({insert(make_task(user, "back")), insert(make_task(user, "one too many"))});
  BOOST_TEST((out[0].status == StoreStatus::ok));
  BOOST_TEST((out[1].status == StoreStatus::quota_exceeded));
  out = store.commit({removal(kept[1], 1), insert(make_task(user, "swap"))});
  BOOST_TEST((out[0].status == StoreStatus::ok));
  BOOST_TEST((out[1].status == StoreStatus::ok));
  BOOST_TEST(task_count(url, user) == 3);
  BOOST_TEST(tasks_of(url, user) == 3);
}

// Migration 3 adds the counts: the tasks that were there before it are counted.
BOOST_AUTO_TEST_CASE(the_migration_counts_existing_tasks) {
  const std::string user = unique_user("quota"), other = unique_user("quota");
  auto url = Environment::get().fresh_db_url("quota_backfill");
  {
    Store before(parse_db_url(url));
    for (int i = 0; i < 2; ++i)
      BOOST_REQUIRE((before.commit({insert(make_task(user, "old"))})[0].status == StoreStatus::ok));
    BOOST_REQUIRE((before.commit({insert(make_task(other, "old"))})[0].status == StoreStatus::ok));
  }
  // Back to the schema before migration 3, with the tasks in place.
  {
    DbPeek peek(url);
    peek.exec("DROP TABLE users");
    peek.exec("DELETE FROM schema_migrations WHERE version = 3");
  }
  Store store(parse_db_url(url), quota_of(3));
  BOOST_TEST(task_count(url, user) == 2);
  BOOST_TEST(task_count(url, other) == 1);
  BOOST_TEST((store.commit({insert(make_task(user, "third"))})[0].status == StoreStatus::ok));
  BOOST_TEST((store.commit({insert(make_task(user, "fourth"))})[0].status == StoreStatus::quota_exceeded));
  BOOST_TEST(tasks_of(url, user) == 3);
}

BOOST_AUTO_TEST_SUITE_END()
