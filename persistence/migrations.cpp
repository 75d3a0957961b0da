#include "persistence/migrations.hpp"

#include <soci/soci.h>

#include "core/time.hpp"

namespace tasks {

namespace {

// Times are epoch milliseconds in BIGINT columns (SOCI's std::tm loses zones and milliseconds);
// booleans are INTEGER (SOCI cannot bind bool); SQLite columns that hold 64-bit values are
// declared BIGINT so that SOCI reads them as long long.
// `serial` is the auto-increment primary key of the dialect.
std::string tasks_table(const char* serial) {
  return std::string("CREATE TABLE tasks (\n  seq ") + serial + R"(,
  id TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT,
  completed INTEGER NOT NULL DEFAULT 0,
  due_date BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  version BIGINT NOT NULL))";
}

const char* sqlite_serial = "INTEGER PRIMARY KEY AUTOINCREMENT";
const char* postgresql_serial = "BIGSERIAL PRIMARY KEY";

std::string event_columns() {
  return R"(
  topic TEXT NOT NULL,
  event_id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  task_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  traceparent TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0)";
}

std::string outbox(const char* id_column) {
  return std::string("CREATE TABLE outbox (\n  id ") + id_column + "," + event_columns() +
         ",\n  last_error TEXT NOT NULL DEFAULT '',\n  next_attempt_at BIGINT NOT NULL)";
}

std::string dead_letters() {
  // id: the outbox id the event had, so that a redrive keeps its place in commit order.
  return "CREATE TABLE dead_letters (\n  id BIGINT PRIMARY KEY," + event_columns() +
         ",\n  reason TEXT NOT NULL,\n  dead_at BIGINT NOT NULL)";
}

const char* users_table = "CREATE TABLE users (\n  user_id TEXT PRIMARY KEY,\n  task_count BIGINT NOT NULL DEFAULT 0)";
const char* users_backfill =
    "INSERT INTO users (user_id, task_count) SELECT user_id, COUNT(*) FROM tasks GROUP BY user_id";

// A key's first answer (status, body, Location) for replays, and the request's fingerprint to
// tell a replay from a reuse. Expired rows are dead: a new request may take the key over, and
// the purge deletes them in expiry order (the index).
const char* idempotency_keys_table = R"(CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  location TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, key)))";
const char* idempotency_keys_index = "CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at)";

// One row per lane (topic, user) with events in the outbox or a dead letter in its way: what the
// publishers fetch by, so that a fetch costs the same however many rows wait behind a lane that
// backs off or is blocked, and the backlog views sum lanes, not rows. `pending` counts the lane's
// outbox rows (kept in the transactions that insert and settle them); `head_at` is the creation
// time of its first row (oldest lanes go first); `failures` the lane head's own failures in a row
// (its backoff exponent); `blocked_by` the outbox id kept by the dead letter that stops it.
const char* outbox_lanes_table = R"(CREATE TABLE outbox_lanes (
  topic TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  pending BIGINT NOT NULL DEFAULT 0,
  head_at BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  failures BIGINT NOT NULL DEFAULT 0,
  blocked_by BIGINT NOT NULL DEFAULT 0,
  blocked_since BIGINT NOT NULL DEFAULT 0,
  blocked_reason TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (topic, partition_key)))";
const char* outbox_lanes_backfill =
    "INSERT INTO outbox_lanes (topic, partition_key, pending, head_at) SELECT topic, partition_key, COUNT(*), "
    "MIN(created_at) FROM outbox GROUP BY topic, partition_key";

// What was given up on, by whom and why (the payload is not kept).
const char* discarded_events_table = R"(CREATE TABLE discarded_events (
  id BIGINT PRIMARY KEY,
  topic TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  task_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL,
  dead_reason TEXT NOT NULL,
  dead_at BIGINT NOT NULL,
  discarded_at BIGINT NOT NULL,
  discarded_by TEXT NOT NULL,
  note TEXT NOT NULL))";

std::vector<std::string> lanes_migration() {
  return {"ALTER TABLE outbox ADD COLUMN first_failed_at BIGINT NOT NULL DEFAULT 0",
          outbox_lanes_table,
          outbox_lanes_backfill,
          "CREATE INDEX outbox_lanes_by_head ON outbox_lanes (topic, head_at)",
          "CREATE INDEX outbox_lanes_blocked ON outbox_lanes (blocked_by)",
          "CREATE INDEX dead_letters_by_age ON dead_letters (dead_at)",
          discarded_events_table,
          "CREATE INDEX discarded_events_by_time ON discarded_events (discarded_at)"};
}

// Several replicas on one database (docs/replicas.md). `user_sequences` holds each user's commit
// sequence (the CloudEvent `sequence`), allocated under the user's lock. Each lane names its
// bucket of users (-1 until the store has stamped it with the bucket count it was set up with,
// kept in cluster_settings). `lease_buckets` says which replica publishes which bucket: its
// owner token, the epoch every claim raises (the fencing token settles check) and when the lease
// ends. `replicas` is what each replica says of itself at every renewal, for operators.
// `topic_controls` holds pause/resume for the whole service.
std::vector<std::string> replicas_migration(const char* without_rowid) {
  return {
      std::string("CREATE TABLE user_sequences (user_id TEXT PRIMARY KEY, commit_seq BIGINT NOT NULL)") + without_rowid,
      "ALTER TABLE outbox_lanes ADD COLUMN bucket INTEGER NOT NULL DEFAULT -1",
      "CREATE INDEX outbox_lanes_by_bucket ON outbox_lanes (bucket)",
      "CREATE TABLE cluster_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
      R"(CREATE TABLE lease_buckets (
  bucket INTEGER PRIMARY KEY,
  owner TEXT NOT NULL DEFAULT '',
  replica_id TEXT NOT NULL DEFAULT '',
  epoch BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT NOT NULL DEFAULT 0,
  released INTEGER NOT NULL DEFAULT 0))",
      R"(CREATE TABLE replicas (
  owner TEXT PRIMARY KEY,
  replica_id TEXT NOT NULL,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  renewed_at BIGINT NOT NULL,
  stopped_at BIGINT NOT NULL DEFAULT 0,
  counters TEXT NOT NULL DEFAULT '{}'))",
      R"(CREATE TABLE topic_controls (
  topic TEXT PRIMARY KEY,
  paused INTEGER NOT NULL DEFAULT 0,
  changed_by TEXT NOT NULL DEFAULT '',
  changed_at BIGINT NOT NULL DEFAULT 0))"};
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all = {
      {1,
       "tasks, outbox and dead letters",
       {tasks_table(sqlite_serial), "CREATE INDEX tasks_by_user ON tasks (user_id, seq)", outbox(sqlite_serial),
        "CREATE INDEX outbox_by_topic ON outbox (topic, id)", dead_letters(),
        "CREATE INDEX dead_letters_by_topic ON dead_letters (topic, id)"},
       {tasks_table(postgresql_serial), "CREATE INDEX tasks_by_user ON tasks (user_id, seq)", outbox(postgresql_serial),
        "CREATE INDEX outbox_by_topic ON outbox (topic, id)", dead_letters(),
        "CREATE INDEX dead_letters_by_topic ON dead_letters (topic, id)"}},
      {2,
       "outbox index for the publishers' per-user head-of-line check",
       {"CREATE INDEX outbox_by_topic_user ON outbox (topic, partition_key, id)"},
       {"CREATE INDEX outbox_by_topic_user ON outbox (topic, partition_key, id)"}},
      // One row per user: the quota counter (an insert bumps it only while below the limit),
      // and later the row a user's writes serialise on. Backfilled from the tasks already there.
      {3,
       "per-user task counts for the quota, backfilled from the tasks",
       {std::string(users_table) + " WITHOUT ROWID", users_backfill},
       {users_table, users_backfill}},
      {4,
       "Idempotency-Keys and the answers recorded with them",
       {idempotency_keys_table, idempotency_keys_index},
       {idempotency_keys_table, idempotency_keys_index}},
      {5, "publishing lanes (backoff and dead-letter stops per topic and user), discarded events", lanes_migration(),
       lanes_migration()},
      {6, "replicas: per-user commit sequence, bucket leases, the cluster view, shared pause",
       replicas_migration(" WITHOUT ROWID"), replicas_migration("")},
  };
  return all;
}

namespace {

// True when every migration is applied already: read without a write lock, so that a reader
// connection opened while a writer holds the database (a long transaction, a stall) does not
// wait for it.
bool all_applied(soci::session& sql) {
  try {
    long long applied = 0;
    sql << "SELECT COUNT(*) FROM schema_migrations", soci::into(applied);
    return applied >= static_cast<long long>(migrations().size());
  } catch (const soci::soci_error&) {
    return false;  // no table yet
  }
}

}  // namespace

void under_schema_lock(soci::session& sql, Dialect dialect, const std::function<void()>& body) {
  sql << (dialect == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    if (dialect == Dialect::postgresql) sql << "SELECT pg_advisory_xact_lock(74231)";
    body();
    sql << "COMMIT";
  } catch (...) {
    try {
      sql << "ROLLBACK";
    } catch (...) {
    }
    throw;
  }
}

std::vector<long long> migrate(soci::session& sql, Dialect dialect) {
  if (all_applied(sql)) return {};
  // Under the lock too: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a second
  // session doing the same at the same moment (replicas starting together on a new database
  // failed with a duplicate key in pg_type).
  under_schema_lock(sql, dialect, [&] {
    sql << "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
           "description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
  });
  std::vector<long long> applied;
  for (const auto& m : migrations()) {
    // One transaction a migration; the lock makes a second starter wait, then see it applied.
    under_schema_lock(sql, dialect, [&] {
      long long count = 0;
      sql << "SELECT COUNT(*) FROM schema_migrations WHERE version = :v", soci::use(m.version), soci::into(count);
      if (count != 0) return;
      for (const auto& statement : dialect == Dialect::sqlite ? m.sqlite : m.postgresql) sql << statement;
      long long now = now_millis();
      sql << "INSERT INTO schema_migrations (version, description, applied_at) VALUES (:v, :d, :t)",
          soci::use(m.version), soci::use(m.description), soci::use(now);
      applied.push_back(m.version);
    });
  }
  return applied;
}

}  // namespace tasks
