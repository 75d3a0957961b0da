// The SOCI store on the backend under test (a real SQLite file or the PostgreSQL server):
// one transaction per batch, each commit with its own outcome.

#include <boost/test/unit_test.hpp>

#include "core/ids.hpp"
#include "persistence/store.hpp"
#include "tests/integration/fixture.hpp"

using namespace tasks;
using namespace tasks::testing;

namespace {

Task make_task(const std::string& user, const std::string& title) {
  Task t;
  t.id = new_uuid();
  t.user_id = user;
  t.title = title;
  t.created_at = t.updated_at = 1000;
  return t;
}

OutboxEvent make_event(const Task& t, const std::string& type) {
  OutboxEvent e;
  e.topic = "task-events";
  e.event_id = new_uuid();
  e.event_type = type;
  e.partition_key = t.user_id;
  e.task_id = t.id;
  e.correlation_id = "c";
  e.payload = R"({"type":")" + type + R"("})";
  e.created_at = 1000;
  return e;
}

Commit insert(const Task& t) {
  return Commit{ChangeKind::insert, t, 0, {make_event(t, "task.created")}};
}

Commit update(Task t, std::int64_t expected) {
  t.version = expected + 1;
  return Commit{ChangeKind::update, t, expected, {make_event(t, "task.updated")}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(a_batch_keeps_each_commits_outcome) {
  const std::string user = unique_user("store");
  auto url = Environment::get().db_url();
  Store store(parse_db_url(url));
  Task a = make_task(user, "a"), b = make_task(user, "b");
  BOOST_TEST((store.commit({insert(a)})[0].status == StoreStatus::ok));

  Task dup = make_task(user, "dup");
  dup.id = a.id;  // violates the unique id: this commit alone fails
  auto out = store.commit({update(a, 1), update(a, 1), insert(dup), insert(b), update(make_task(user, "ghost"), 1)});
  BOOST_REQUIRE(out.size() == 5u);
  BOOST_TEST((out[0].status == StoreStatus::ok));
  BOOST_TEST((out[1].status == StoreStatus::conflict));  // the first one moved it to version 2
  BOOST_TEST((out[2].status == StoreStatus::unavailable));
  BOOST_TEST((out[3].status == StoreStatus::ok));
  BOOST_TEST((out[4].status == StoreStatus::not_found));

  auto listed = store.list(user, ListQuery{});
  BOOST_REQUIRE(listed.tasks.size() == 2u);
  BOOST_TEST(listed.tasks[0].id == a.id);
  BOOST_TEST(listed.tasks[0].version == 2);
  BOOST_TEST(listed.tasks[1].id == b.id);
  // Events of the successful commits only: create a, update a, create b.
  auto rows = DbPeek(url).outbox(user);
  BOOST_REQUIRE(rows.size() == 3u);
  BOOST_TEST(rows[0].event_type == "task.created");
  BOOST_TEST(rows[1].event_type == "task.updated");
  BOOST_TEST(rows[2].task_id == b.id);
}

BOOST_AUTO_TEST_CASE(remove_checks_the_version) {
  const std::string user = unique_user("store");
  Store store(parse_db_url(Environment::get().db_url()));
  Task a = make_task(user, "a");
  store.commit({insert(a)});
  BOOST_TEST((store.commit({Commit{ChangeKind::remove, a, 7, {}}})[0].status == StoreStatus::conflict));
  BOOST_TEST((store.commit({Commit{ChangeKind::remove, a, 1, {}}})[0].status == StoreStatus::ok));
  BOOST_TEST((store.load(user, a.id).status == StoreStatus::not_found));
  BOOST_TEST((store.commit({Commit{ChangeKind::remove, a, 1, {}}})[0].status == StoreStatus::not_found));
}

BOOST_AUTO_TEST_CASE(nullable_fields_and_64_bit_values_round_trip) {
  const std::string user = unique_user("store");
  Store store(parse_db_url(Environment::get().db_url()));
  Task t = make_task(user, "t");
  t.description = "d";
  t.due_date = 253402300799999LL;  // beyond 32 bits
  t.created_at = 4102444800123LL;
  t.updated_at = 4102444800456LL;
  store.commit({insert(t)});
  auto loaded = store.load(user, t.id);
  BOOST_REQUIRE(loaded.task.has_value());
  BOOST_TEST((*loaded.task == t));
  Task u = t;
  u.description.reset();
  u.due_date.reset();
  u.completed = true;
  store.commit({update(u, 1)});
  auto again = store.load(user, t.id).task;
  BOOST_TEST(!again->description.has_value());
  BOOST_TEST(!again->due_date.has_value());
  BOOST_TEST(again->completed);
  BOOST_TEST(again->version == 2);
}

BOOST_AUTO_TEST_CASE(migrations_are_idempotent) {
  auto url = Environment::get().fresh_db_url("migrate");
  { Store first(parse_db_url(url)); }
  { Store second(parse_db_url(url)); }
  BOOST_TEST(DbPeek(url).count("SELECT COUNT(*) FROM schema_migrations") == 1);
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_is_a_clear_error) {
  const std::string url =
      Environment::get().postgres() ? "postgresql://nobody@127.0.0.1:1/none" : "sqlite:/proc/no/such/dir/tasks.db";
  BOOST_CHECK_THROW(Store{parse_db_url(url)}, StoreError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(store_reads)

// Regression: a one-row read left its SQLite statement open, so the connection kept an old
// snapshot and every write after another connection's commit failed with "database is locked".
BOOST_AUTO_TEST_CASE(reads_leave_no_snapshot_behind) {
  const std::string user = unique_user("store");
  auto url = Environment::get().db_url();
  Store store(parse_db_url(url));
  Task a = make_task(user, "a");
  BOOST_TEST((store.commit({insert(a)})[0].status == StoreStatus::ok));
  BOOST_TEST((store.load(user, a.id).status == StoreStatus::ok));
  BOOST_TEST((store.commit({update(make_task(user, "missing"), 1)})[0].status == StoreStatus::not_found));
  DbPeek(url).exec("CREATE TABLE IF NOT EXISTS another_writer (x INTEGER)");
  DbPeek(url).exec("INSERT INTO another_writer (x) VALUES (1)");
  BOOST_TEST((store.commit({update(a, 1)})[0].status == StoreStatus::ok));
}

BOOST_AUTO_TEST_SUITE_END()
