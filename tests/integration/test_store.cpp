// The SOCI store on the backend under test (a real SQLite file or the PostgreSQL server):
// one transaction per batch, each commit with its own outcome.

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
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

// The report entries a publisher would send.
DeliveryReport report_for(const std::string& topic) {
  DeliveryReport r;
  r.topic = topic;
  return r;
}
DeliveryReport::Retry lane_retry(std::int64_t id, const std::string& user, millis next, std::int64_t failures) {
  DeliveryReport::Retry r;
  r.id = id;
  r.user_id = user;
  r.attempts = failures;
  r.error = "HTTP 500";
  r.next_attempt_at = next;
  r.lane_backoff = true;
  r.lane_failures = failures;
  r.first_failed_at = now_millis();
  return r;
}

const OutboxBacklog& topic_of(const std::vector<OutboxBacklog>& backlog, const std::string& topic) {
  for (const auto& b : backlog)
    if (b.topic == topic) return b;
  static const OutboxBacklog none;
  return none;
}

// The publishers' fetch statements live as long as the connection: after a fetch the reader must
// hold no snapshot, or the WAL could never be reset (SQLite: a TRUNCATE checkpoint from another
// connection then reports busy).
BOOST_AUTO_TEST_CASE(a_fetch_leaves_no_read_transaction_open) {
  auto url = Environment::get().fresh_db_url("fetch_snapshot");
  if (url.rfind("sqlite:", 0) != 0) return;  // PostgreSQL has no WAL file to hold
  const auto target = parse_db_url(url);
  Store store(target);
  store.set_paused("task-events", false, "test", now_millis());  // the paused query finds a row
  commit_events(store, "a", 2);
  BOOST_REQUIRE(store.fetch_due("task-events", now_millis(), 10, 10).rows.size() == 2u);
  soci::session probe(soci::sqlite3, target.connect);
  int busy = -1, log = 0, checkpointed = 0;
  probe << "PRAGMA wal_checkpoint(TRUNCATE)", soci::into(busy), soci::into(log), soci::into(checkpointed);
  BOOST_TEST(busy == 0);
}

BOOST_AUTO_TEST_CASE(a_lane_that_backs_off_holds_back_its_users_rows_only) {
  auto url = Environment::get().fresh_db_url("fetch");
  Store store(parse_db_url(url));
  commit_events(store, "a", 3);
  commit_events(store, "b", 2);
  auto all = store.fetch_due("task-events", now_millis(), 10, 10);
  BOOST_REQUIRE(all.ok);
  auto a = ids_of(all.rows, "a"), b = ids_of(all.rows, "b");
  BOOST_REQUIRE(a.size() == 3u);
  BOOST_REQUIRE(b.size() == 2u);
  BOOST_TEST(a[0] < a[1]);
  BOOST_TEST(a[1] < a[2]);
  BOOST_TEST(all.rows.front().event.partition_key == "a");  // the oldest lane first

  // a's head failed for itself and its lane waits a minute: none of a's rows may go, b's may.
  auto report = report_for("task-events");
  report.retries.push_back(lane_retry(a[0], "a", now_millis() + 60'000, 3));
  BOOST_REQUIRE(store.settle(report, now_millis()));
  auto held = store.fetch_due("task-events", now_millis(), 10, 10);
  BOOST_TEST(ids_of(held.rows, "a").empty());
  BOOST_TEST(ids_of(held.rows, "b") == b, boost::test_tools::per_element());
  BOOST_TEST(topic_of(store.backlog(now_millis()), "task-events").lanes_backing_off == 1);
  // At its retry time the head and everything behind it are due again, in order, with the
  // lane's failure count for the next backoff.
  auto later = store.fetch_due("task-events", now_millis() + 61'000, 10, 10);
  BOOST_TEST(ids_of(later.rows, "a") == a, boost::test_tools::per_element());
  BOOST_TEST(later.rows.front().attempts == 3);
  BOOST_TEST(later.rows.front().lane_failures == 3);
  BOOST_TEST(later.rows.front().first_failed_at > 0);
  BOOST_TEST(later.rows.front().last_error == "HTTP 500");
  // The limits: lanes, and rows a lane.
  auto cut = store.fetch_due("task-events", now_millis() + 61'000, 1, 2);
  BOOST_TEST(cut.rows.size() == 2u);
  BOOST_TEST(store.fetch_due("task-updates", now_millis(), 10, 10).rows.empty());
}

BOOST_AUTO_TEST_CASE(a_dead_letter_stops_its_lane_until_redriven_and_goes_first) {
  auto url = Environment::get().fresh_db_url("settle");
  Store store(parse_db_url(url));
  commit_events(store, "a", 3);
  commit_events(store, "b", 1);
  auto rows = store.fetch_due("task-events", now_millis(), 10, 10).rows;
  auto a = ids_of(rows, "a");
  BOOST_REQUIRE(a.size() == 3u);
  auto report = report_for("task-events");
  report.delivered.push_back({a[0], "a"});
  report.dead.push_back({a[1], "a", 4, "refused for itself: HTTP 400"});
  BOOST_REQUIRE(store.settle(report, now_millis()));

  auto backlog = store.backlog(now_millis());
  const auto& events = topic_of(backlog, "task-events");
  BOOST_TEST(events.pending == 2);  // a's third, b's one
  BOOST_TEST(events.lanes == 2);
  BOOST_TEST(events.lanes_blocked == 1);
  BOOST_TEST(events.dead_letters == 1);
  BOOST_TEST(events.oldest_dead_at > 0);
  BOOST_TEST(events.oldest_created_at > 0);
  auto dead = store.dead_letters("", 10);
  BOOST_REQUIRE(dead.size() == 1u);
  BOOST_TEST(dead[0].id == a[1]);
  BOOST_TEST(dead[0].attempts == 4);
  // The lane waits: a's later row is not sendable, b's is; the view names what a waits behind.
  auto due = store.fetch_due("task-events", now_millis(), 10, 10).rows;
  BOOST_TEST(ids_of(due, "a").empty());
  BOOST_TEST(ids_of(due, "b").size() == 1u);
  auto lanes = store.blocked_lanes("", 10);
  BOOST_REQUIRE(lanes.size() == 1u);
  BOOST_TEST(lanes[0].user_id == "a");
  BOOST_TEST(lanes[0].event_id == dead[0].event.event_id);
  BOOST_TEST(lanes[0].waiting == 1);
  BOOST_TEST(lanes[0].reason == "refused for itself: HTTP 400");
  for (const auto& r : store.pending("task-events", 10))
    BOOST_TEST(r.waiting_behind == (r.event.partition_key == "a" ? dead[0].event.event_id : ""));

  // Redriven: back first in its lane (its old id), the lane goes on.
  BOOST_TEST(store.redrive("", dead[0].event.event_id) == 1);
  BOOST_TEST(store.dead_letters("", 10).empty());
  BOOST_TEST(store.blocked_lanes("", 10).empty());
  auto back = ids_of(store.fetch_due("task-events", now_millis(), 10, 10).rows, "a");
  BOOST_REQUIRE(back.size() == 2u);
  BOOST_TEST(back[0] == a[1]);
  BOOST_TEST(back[1] == a[2]);
  BOOST_TEST(topic_of(store.backlog(now_millis()), "task-events").pending == 3);
  BOOST_TEST(store.redrive("task-events", "") == 0);
}

BOOST_AUTO_TEST_CASE(a_discard_is_recorded_and_lets_the_lane_go_on) {
  auto url = Environment::get().fresh_db_url("discard");
  Store store(parse_db_url(url));
  commit_events(store, "a", 2);
  auto a = ids_of(store.fetch_due("task-events", now_millis(), 10, 10).rows, "a");
  BOOST_REQUIRE(a.size() == 2u);
  auto report = report_for("task-events");
  report.dead.push_back({a[0], "a", 1, "refused for itself"});
  BOOST_REQUIRE(store.settle(report, now_millis()));
  const auto event_id = store.dead_letters("", 10).at(0).event.event_id;
  BOOST_TEST(!store.discard("no-such-event", "alice", "why", now_millis()));
  BOOST_TEST(store.discard(event_id, "alice", "bad payload", now_millis()));
  BOOST_TEST(store.dead_letters("", 10).empty());
  BOOST_TEST(store.blocked_lanes("", 10).empty());
  BOOST_TEST(ids_of(store.fetch_due("task-events", now_millis(), 10, 10).rows, "a") == std::vector<std::int64_t>{a[1]},
             boost::test_tools::per_element());
  auto given_up = store.discarded("", 10);
  BOOST_REQUIRE(given_up.size() == 1u);
  BOOST_TEST(given_up[0].event.event_id == event_id);
  BOOST_TEST(given_up[0].discarded_by == "alice");
  BOOST_TEST(given_up[0].note == "bad payload");
  BOOST_TEST(given_up[0].dead_reason == "refused for itself");
  BOOST_TEST(given_up[0].discarded_at > 0);
}

BOOST_AUTO_TEST_CASE(retention_discards_old_dead_letters_and_forgets_old_records) {
  auto url = Environment::get().fresh_db_url("retention");
  Store store(parse_db_url(url));
  commit_events(store, "a", 2);
  auto a = ids_of(store.fetch_due("task-events", now_millis(), 10, 10).rows, "a");
  auto report = report_for("task-events");
  report.dead.push_back({a[0], "a", 1, "refused for itself"});
  const millis then = now_millis();
  BOOST_REQUIRE(store.settle(report, then));
  BOOST_TEST(store.purge_dead_letters(then + 1'000, std::chrono::hours(1), 100) == 0);
  BOOST_TEST(store.purge_dead_letters(then, std::chrono::milliseconds(0), 100) == 0);  // 0 keeps them
  BOOST_TEST(store.purge_dead_letters(then + 3'600'001, std::chrono::hours(1), 100) == 1);
  BOOST_TEST(store.dead_letters("", 10).empty());
  BOOST_TEST(store.blocked_lanes("", 10).empty());
  BOOST_REQUIRE(store.discarded("", 10).size() == 1u);
  BOOST_TEST(store.discarded("", 10)[0].discarded_by == "retention");
  // A record older than the retention goes too.
  store.purge_dead_letters(then + 3 * 3'600'001, std::chrono::hours(1), 100);
  BOOST_TEST(store.discarded("", 10).empty());
}

BOOST_AUTO_TEST_CASE(a_lane_counting_rows_it_lacks_is_recounted) {
  auto url = Environment::get().fresh_db_url("recount");
  Store store(parse_db_url(url));
  commit_events(store, "a", 1);
  {
    DbPeek peek(url);
    peek.exec("UPDATE outbox_lanes SET pending = 5");
    peek.exec("DELETE FROM outbox");
  }
  auto fetched = store.fetch_due("task-events", now_millis(), 10, 10);
  BOOST_TEST(fetched.rows.empty());
  BOOST_REQUIRE(fetched.empty_lanes.size() == 1u);
  auto report = report_for("task-events");
  report.recount = fetched.empty_lanes;
  BOOST_REQUIRE(store.settle(report, now_millis()));
  BOOST_TEST(topic_of(store.backlog(now_millis()), "task-events").pending == 0);
  BOOST_TEST(store.fetch_due("task-events", now_millis(), 10, 10).empty_lanes.empty());
}

BOOST_AUTO_TEST_SUITE_END()
