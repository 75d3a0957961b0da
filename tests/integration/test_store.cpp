// The SOCI store on the backend under test (a real SQLite file or the PostgreSQL server):
// one transaction per batch, each commit with its own outcome.

#include <boost/test/unit_test.hpp>

#include "core/ids.hpp"
#include "core/time.hpp"
#include "persistence/migrations.hpp"
#include "persistence/store.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/integration/store_samples.hpp"

using namespace tasks;
using namespace tasks::testing;

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
  BOOST_TEST(DbPeek(url).count("SELECT COUNT(*) FROM schema_migrations") ==
             static_cast<long long>(migrations().size()));
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

BOOST_AUTO_TEST_SUITE(store_outbox)

namespace {

// Commits one task with `n` events on task-events for `user`; returns nothing (ids come from fetch).
void commit_events(Store& store, const std::string& user, int n) {
  Task t = make_task(user, "t");
  Commit c = insert(t);
  c.events.clear();
  for (int i = 0; i < n; ++i) {
    auto e = make_event(t, "task.created");
    e.created_at = now_millis();
    c.events.push_back(e);
  }
  BOOST_REQUIRE((store.commit({c})[0].status == StoreStatus::ok));
}

std::vector<std::int64_t> ids_of(const std::vector<OutboxRow>& rows, const std::string& user) {
  std::vector<std::int64_t> out;
  for (const auto& r : rows)
    if (r.event.partition_key == user) out.push_back(r.id);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_waiting_row_holds_back_its_users_later_rows_only) {
  auto url = Environment::get().fresh_db_url("fetch");
  Store store(parse_db_url(url));
  commit_events(store, "a", 3);
  commit_events(store, "b", 2);
  auto all = store.fetch_due("task-events", now_millis(), 100);
  BOOST_REQUIRE(all.ok);
  auto a = ids_of(all.rows, "a"), b = ids_of(all.rows, "b");
  BOOST_REQUIRE(a.size() == 3u);
  BOOST_REQUIRE(b.size() == 2u);
  BOOST_TEST(a[0] < a[1]);
  BOOST_TEST(a[1] < a[2]);

  // a's head failed and waits a minute: none of a's rows may go, b's may.
  DeliveryReport report;
  report.retries.push_back({a[0], 1, "HTTP 500", now_millis() + 60'000});
  BOOST_REQUIRE(store.settle(report, now_millis()));
  auto held = store.fetch_due("task-events", now_millis(), 100);
  BOOST_TEST(ids_of(held.rows, "a").empty());
  BOOST_TEST(ids_of(held.rows, "b") == b, boost::test_tools::per_element());
  // At its retry time the head and everything behind it are due again, in order.
  auto later = store.fetch_due("task-events", now_millis() + 61'000, 100);
  BOOST_TEST(ids_of(later.rows, "a") == a, boost::test_tools::per_element());
  BOOST_TEST(later.rows.front().attempts == 1);
  BOOST_TEST(later.rows.front().last_error == "HTTP 500");
  // The limit cuts in id order.
  BOOST_TEST(store.fetch_due("task-events", now_millis(), 2).rows.size() == 2u);
  BOOST_TEST(store.fetch_due("task-updates", now_millis(), 100).rows.empty());
}

BOOST_AUTO_TEST_CASE(settle_removes_delivered_rows_and_keeps_dead_letters_until_redriven) {
  auto url = Environment::get().fresh_db_url("settle");
  Store store(parse_db_url(url));
  commit_events(store, "a", 3);
  auto rows = store.fetch_due("task-events", now_millis(), 100).rows;
  BOOST_REQUIRE(rows.size() == 3u);
  DeliveryReport report;
  report.delivered.push_back(rows[0].id);
  report.dead.push_back({rows[1].id, 4, "HTTP 400: malformed"});
  BOOST_REQUIRE(store.settle(report, now_millis()));
  auto backlog = store.backlog();
  BOOST_REQUIRE(backlog.size() == 1u);
  BOOST_TEST(backlog[0].topic == "task-events");
  BOOST_TEST(backlog[0].pending == 1);
  BOOST_TEST(backlog[0].oldest_created_at > 0);
  auto dead = store.dead_letters("", 10);
  BOOST_REQUIRE(dead.size() == 1u);
  BOOST_TEST(dead[0].id == rows[1].id);
  BOOST_TEST(dead[0].event.event_id == rows[1].event.event_id);
  BOOST_TEST(dead[0].attempts == 4);
  BOOST_TEST(dead[0].reason == "HTTP 400: malformed");
  BOOST_TEST(store.dead_letters("reminders", 10).empty());

  BOOST_TEST(store.redrive("", rows[1].event.event_id) == 1);
  BOOST_TEST(store.dead_letters("", 10).empty());
  auto back = store.fetch_due("task-events", now_millis(), 100).rows;
  BOOST_REQUIRE(back.size() == 2u);
  BOOST_TEST(back[0].id == rows[1].id);  // its old place in commit order
  BOOST_TEST(back[0].attempts == 0);
  BOOST_TEST(store.redrive("task-events", "") == 0);
  BOOST_TEST(store.pending("task-events", 1).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
