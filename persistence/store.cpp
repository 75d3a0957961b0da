#include "persistence/store.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <algorithm>
#include <array>
#include <climits>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/buckets.hpp"
#include "core/event_sequence.hpp"
#include "core/time.hpp"
#include "persistence/migrations.hpp"
#include "persistence/statements.hpp"

namespace tasks {

namespace {

using steady = std::chrono::steady_clock;
using detail::prepared;

bool has_deadline(const Deadline& d) {
  return d.at != steady::time_point::max();
}

// The error says the transaction's time bound was hit, and nothing else went wrong: SQLite gave
// up waiting for the write lock (busy_timeout), PostgreSQL cancelled a statement
// (statement_timeout: 57014) or a lock wait (lock_timeout: 55P03).
bool is_time_bound(const soci::soci_error& e) {
  if (const auto* s = dynamic_cast<const soci::sqlite3_soci_error*>(&e)) {
    const int code = s->result() & 0xff;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED;
  }
  if (const auto* p = dynamic_cast<const soci::postgresql_soci_error*>(&e)) {
    const auto state = p->sqlstate();
    return state == "57014" || state == "55P03";
  }
  return false;
}

// The longest a transaction runs while other commits of its batch wait outside it.
constexpr auto max_round = std::chrono::milliseconds(1000);

CommitOutcome expired_outcome() {
  return {StoreStatus::expired, "the deadline passed before the commit could be written; nothing was written"};
}

// Milliseconds from now until `at`, rounded up, at least 1, at most what an int holds (both
// databases take the bound as an int of milliseconds).
long long millis_until(steady::time_point at) {
  const auto left = at - steady::now();
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return std::clamp<long long>(ms, 1, INT_MAX);
}

const char* task_columns = "id, user_id, title, description, completed, due_date, created_at, updated_at, version";

// Buffers bound once to the prepared statements: set the fields, execute.
struct TaskRow {
  std::string id, user_id, title, description;
  soci::indicator description_ind = soci::i_null;
  int completed = 0;
  long long due_date = 0;
  soci::indicator due_date_ind = soci::i_null;
  long long created_at = 0, updated_at = 0, version = 0, expected_version = 0;

  void set(const Task& t) {
    id = t.id;
    user_id = t.user_id;
    title = t.title;
    description = t.description.value_or("");
    description_ind = t.description ? soci::i_ok : soci::i_null;
    completed = t.completed ? 1 : 0;
    due_date = t.due_date.value_or(0);
    due_date_ind = t.due_date ? soci::i_ok : soci::i_null;
    created_at = t.created_at;
    updated_at = t.updated_at;
    version = t.version;
  }

  Task get() const {
    Task t;
    t.id = id;
    t.user_id = user_id;
    t.title = title;
    if (description_ind == soci::i_ok) t.description = description;
    t.completed = completed != 0;
    if (due_date_ind == soci::i_ok) t.due_date = due_date;
    t.created_at = created_at;
    t.updated_at = updated_at;
    t.version = version;
    return t;
  }

  // Every column of a SELECT of task_columns, in order.
  void bind_into(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(title));
    st.exchange(soci::into(description, description_ind));
    st.exchange(soci::into(completed));
    st.exchange(soci::into(due_date, due_date_ind));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(updated_at));
    st.exchange(soci::into(version));
  }
};

struct EventRow {
  std::string topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent, payload;
  long long created_at = 0;
  int bucket = -1;

  void set(const OutboxEvent& e) {
    topic = e.topic;
    event_id = e.event_id;
    event_type = e.event_type;
    partition_key = e.partition_key;
    task_id = e.task_id;
    correlation_id = e.correlation_id;
    traceparent = e.traceparent;
    payload = e.payload;
    created_at = e.created_at;
  }
};

// An Idempotency-Key record, as bound to its statements.
struct KeyRow {
  std::string user_id, key, fingerprint, body, location;
  int status = 0;
  long long created_at = 0, expires_at = 0, now = 0;

  void set(const IdempotencyRecord& r, millis at) {
    user_id = r.user_id;
    key = r.key;
    fingerprint = r.fingerprint;
    status = r.status;
    body = r.body;
    location = r.location;
    created_at = r.created_at;
    expires_at = r.expires_at;
    now = at;
  }

  IdempotencyRecord get() const {
    return IdempotencyRecord{user_id, key, fingerprint, status, body, location, created_at, expires_at};
  }
};

}  // namespace

// One open session and the statements prepared on it (re-preparing costs ~13 %).
struct Store::Connection {
  // How one transaction round ended.
  enum class Round {
    committed,  // everything in it is written
    bound_hit,  // the time bound was hit: rolled back, nothing written
    isolate,    // an item failed: rolled back, to be written again with a savepoint per item
  };

  Dialect dialect;
  StoreOptions options;
  std::int32_t buckets;                    // the database's bucket count (cluster_settings)
  std::unique_ptr<soci::session> session;  // SOCI 4.0 sessions cannot move
  soci::session& sql;
  // The buffers the statements are bound to: set the fields, execute.
  TaskRow row;
  KeyRow key, found_key;
  std::string key_user, key_id;
  long long found_version = 0;
  std::string quota_user;
  long long quota_max = 0;
  long long commit_seq = 0;
  std::uint64_t fenced = 0;                   // settle entries refused: their bucket's lease had moved on
  std::map<std::int32_t, std::int64_t> held;  // this round's leased buckets and their epochs
  // The publishers' bookkeeping: a row, and its lane.
  long long row_id = 0, row_attempts = 0, row_next = 0, row_now = 0, row_failed_at = 0;
  std::string row_text;
  std::string lane_topic, lane_user, lane_reason;
  long long lane_removed = 0, lane_next = 0, lane_failures = 0, lane_blocked_by = 0, lane_since = 0;
  // The list pages: one statement per form, prepared at first use.
  TaskRow list_row;
  long long list_seq = 0, list_limit = 0, list_from = 0;
  std::string list_user;
  int list_completed = 0;
  std::array<std::unique_ptr<soci::statement>, 4> lists;
  // A commit's events (one per topic, at most three) in one statement each for the rows and the
  // lanes: one statement per count, prepared at first use.
  static constexpr size_t max_events_per_statement = 3;
  std::array<EventRow, max_events_per_statement> events;
  std::array<std::unique_ptr<soci::statement>, max_events_per_statement + 1> insert_events, touch_lanes;

  soci::statement insert_task, update_task, delete_task, select_task, select_version;
  soci::statement count_up, count_down, next_seq;
  soci::statement forget_expired_key, insert_key, forget_key, select_key;
  soci::statement delete_row, retry_row, bury_row, move_lane, drop_lane, finish_lane;

  Connection(const DbTarget& target, const StoreOptions& store_options, std::int32_t bucket_count)
      : dialect(target.dialect),
        options(store_options),
        buckets(bucket_count),
        session(open(target, store_options)),
        sql(*session),
        insert_task(prepared(sql,
                             std::string("INSERT INTO tasks (") + task_columns +
                                 ") VALUES (:id, :user_id, :title, :description, :completed, :due_date, "
                                 ":created_at, :updated_at, :version)",
                             [&](soci::statement& st) {
                               st.exchange(soci::use(row.id));
                               st.exchange(soci::use(row.user_id));
                               st.exchange(soci::use(row.title));
                               st.exchange(soci::use(row.description, row.description_ind));
                               st.exchange(soci::use(row.completed));
                               st.exchange(soci::use(row.due_date, row.due_date_ind));
                               st.exchange(soci::use(row.created_at));
                               st.exchange(soci::use(row.updated_at));
                               st.exchange(soci::use(row.version));
                             })),
        update_task(prepared(sql,
                             "UPDATE tasks SET title = :title, description = :description, completed = "
                             ":completed, due_date = :due_date, updated_at = :updated_at, version = :version "
                             "WHERE id = :id AND user_id = :user_id AND version = :expected",
                             [&](soci::statement& st) {
                               st.exchange(soci::use(row.title));
                               st.exchange(soci::use(row.description, row.description_ind));
                               st.exchange(soci::use(row.completed));
                               st.exchange(soci::use(row.due_date, row.due_date_ind));
                               st.exchange(soci::use(row.updated_at));
                               st.exchange(soci::use(row.version));
                               st.exchange(soci::use(row.id));
                               st.exchange(soci::use(row.user_id));
                               st.exchange(soci::use(row.expected_version));
                             })),
        delete_task(prepared(sql, "DELETE FROM tasks WHERE id = :id AND user_id = :user_id AND version = :expected",
                             [&](soci::statement& st) {
                               st.exchange(soci::use(row.id));
                               st.exchange(soci::use(row.user_id));
                               st.exchange(soci::use(row.expected_version));
                             })),
        select_task(
            prepared(sql, std::string("SELECT ") + task_columns + " FROM tasks WHERE id = :id AND user_id = :user_id",
                     [&](soci::statement& st) {
                       row.bind_into(st);
                       st.exchange(soci::use(key_id));
                       st.exchange(soci::use(key_user));
                     })),
        select_version(prepared(sql, "SELECT version FROM tasks WHERE id = :id AND user_id = :user_id",
                                [&](soci::statement& st) {
                                  st.exchange(soci::into(found_version));
                                  st.exchange(soci::use(key_id));
                                  st.exchange(soci::use(key_user));
                                })),
        // The quota: the count goes up only while it is below the limit; no row changed means
        // the user is full. The user's one row also serialises concurrent inserts of one user.
        count_up(prepared(sql,
                          "INSERT INTO users (user_id, task_count) VALUES (:user_id, 1) ON CONFLICT (user_id) DO "
                          "UPDATE SET task_count = users.task_count + 1 WHERE users.task_count < :max",
                          [&](soci::statement& st) {
                            st.exchange(soci::use(quota_user));
                            st.exchange(soci::use(quota_max));
                          })),
        count_down(prepared(sql,
                            "UPDATE users SET task_count = task_count - 1 WHERE user_id = :user_id AND task_count > 0",
                            [&](soci::statement& st) { st.exchange(soci::use(quota_user)); })),
        // The user's commit sequence: one more for every commit with events, under the user's
        // lock (taken at the transaction's start), so it follows commit order on every replica.
        // RETURNING hands the new value back in the same statement (SQLite 3.35+, PostgreSQL).
        next_seq(prepared(sql,
                          "INSERT INTO user_sequences (user_id, commit_seq) VALUES (:user_id, 1) ON CONFLICT "
                          "(user_id) DO UPDATE SET commit_seq = user_sequences.commit_seq + 1 RETURNING commit_seq",
                          [&](soci::statement& st) {
                            st.exchange(soci::into(commit_seq));
                            st.exchange(soci::use(quota_user));
                          })),
        // An expired key is dead: delete it so that the insert below can take the key over.
        forget_expired_key(
            prepared(sql, "DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key AND expires_at < :now",
                     [&](soci::statement& st) {
                       st.exchange(soci::use(key.user_id));
                       st.exchange(soci::use(key.key));
                       st.exchange(soci::use(key.now));
                     })),
        insert_key(prepared(sql,
                            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, location, "
                            "created_at, expires_at) VALUES (:user_id, :key, :fingerprint, :status, :body, :location, "
                            ":created_at, :expires_at) ON CONFLICT (user_id, key) DO NOTHING",
                            [&](soci::statement& st) {
                              st.exchange(soci::use(key.user_id));
                              st.exchange(soci::use(key.key));
                              st.exchange(soci::use(key.fingerprint));
                              st.exchange(soci::use(key.status));
                              st.exchange(soci::use(key.body));
                              st.exchange(soci::use(key.location));
                              st.exchange(soci::use(key.created_at));
                              st.exchange(soci::use(key.expires_at));
                            })),
        forget_key(prepared(sql, "DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key",
                            [&](soci::statement& st) {
                              st.exchange(soci::use(key.user_id));
                              st.exchange(soci::use(key.key));
                            })),
        select_key(prepared(sql,
                            "SELECT fingerprint, status, body, location, created_at, expires_at FROM "
                            "idempotency_keys WHERE user_id = :user_id AND key = :key AND expires_at >= :now",
                            [&](soci::statement& st) {
                              st.exchange(soci::into(found_key.fingerprint));
                              st.exchange(soci::into(found_key.status));
                              st.exchange(soci::into(found_key.body));
                              st.exchange(soci::into(found_key.location));
                              st.exchange(soci::into(found_key.created_at));
                              st.exchange(soci::into(found_key.expires_at));
                              st.exchange(soci::use(found_key.user_id));
                              st.exchange(soci::use(found_key.key));
                              st.exchange(soci::use(found_key.now));
                            })),
        delete_row(prepared(sql, "DELETE FROM outbox WHERE id = :id",
                            [&](soci::statement& st) { st.exchange(soci::use(row_id)); })),
        retry_row(prepared(sql,
                           "UPDATE outbox SET attempts = :attempts, last_error = :error, next_attempt_at = :next, "
                           "first_failed_at = :failed_at WHERE id = :id",
                           [&](soci::statement& st) {
                             st.exchange(soci::use(row_attempts));
                             st.exchange(soci::use(row_text));
                             st.exchange(soci::use(row_next));
                             st.exchange(soci::use(row_failed_at));
                             st.exchange(soci::use(row_id));
                           })),
        bury_row(prepared(
            sql,
            "INSERT INTO dead_letters (id, topic, event_id, event_type, partition_key, task_id, correlation_id, "
            "traceparent, payload, created_at, attempts, reason, dead_at) SELECT id, topic, event_id, event_type, "
            "partition_key, task_id, correlation_id, traceparent, payload, created_at, :attempts, :reason, :now "
            "FROM outbox WHERE id = :id",
            [&](soci::statement& st) {
              st.exchange(soci::use(row_attempts));
              st.exchange(soci::use(row_text));
              st.exchange(soci::use(row_now));
              st.exchange(soci::use(row_id));
            })),
        // A lane after a round: fewer rows, its backoff and its stop as decided, its head the
        // next row's time (a lane is fetched only while not blocked, and only its publisher
        // settles it, so these are the lane's whole new state).
        move_lane(prepared(sql,
                           "UPDATE outbox_lanes SET pending = pending - :removed, next_attempt_at = :next, failures = "
                           ":failures, blocked_by = :blocked_by, blocked_since = :since, blocked_reason = :reason, "
                           "head_at = COALESCE((SELECT o.created_at FROM outbox o WHERE o.topic = :topic2 AND "
                           "o.partition_key = :user2 ORDER BY o.id LIMIT 1), 0) WHERE topic = :topic AND "
                           "partition_key = :user",
                           [&](soci::statement& st) {
                             st.exchange(soci::use(lane_removed));
                             st.exchange(soci::use(lane_next));
                             st.exchange(soci::use(lane_failures));
                             st.exchange(soci::use(lane_blocked_by));
                             st.exchange(soci::use(lane_since));
                             st.exchange(soci::use(lane_reason));
                             st.exchange(soci::use(lane_topic));
                             st.exchange(soci::use(lane_user));
                             st.exchange(soci::use(lane_topic));
                             st.exchange(soci::use(lane_user));
                           })),
        // A lane with nothing pending and nothing in its way is forgotten.
        drop_lane(prepared(sql,
                           "DELETE FROM outbox_lanes WHERE topic = :topic AND partition_key = :user AND pending <= 0 "
                           "AND blocked_by = 0",
                           [&](soci::statement& st) {
                             st.exchange(soci::use(lane_topic));
                             st.exchange(soci::use(lane_user));
                           })),
        // A lane whose round delivered everything it had, with no failure: move_lane then
        // drop_lane would leave no row, so it goes in one statement (the usual case while
        // publishing keeps up). Rows committed to it since the fetch keep it (pending is larger).
        finish_lane(prepared(sql,
                             "DELETE FROM outbox_lanes WHERE topic = :topic AND partition_key = :user AND pending <= "
                             ":removed AND blocked_by = 0",
                             [&](soci::statement& st) {
                               st.exchange(soci::use(lane_topic));
                               st.exchange(soci::use(lane_user));
                               st.exchange(soci::use(lane_removed));
                             })) {}

  // Applies one delivery round's results: delivered rows go, failed ones wait, dead ones move
  // and stop their lanes; then each lane touched gets its new state.
  void settle(const DeliveryReport& report, millis now) {
    struct LaneChange {
      long long removed = 0, next = 0, failures = 0, blocked_by = 0;
      std::string reason;
    };
    std::map<std::string, LaneChange> lanes;
    auto fenced_off = [&](std::int32_t bucket) {
      if (bucket < 0 || options.owner.empty()) return false;
      const auto it = held.find(bucket);
      const auto wanted = report.leases.find(bucket);
      const bool ok = it != held.end() && wanted != report.leases.end() && it->second == wanted->second;
      if (!ok) ++fenced;
      return !ok;
    };
    for (const auto& d : report.delivered) {
      if (fenced_off(d.bucket)) continue;
      row_id = d.id;
      delete_row.execute(true);
      lanes[d.user_id].removed += static_cast<long long>(delete_row.get_affected_rows());
    }
    for (const auto& r : report.retries) {
      if (fenced_off(r.bucket)) continue;
      row_id = r.id;
      row_attempts = r.attempts;
      row_text = r.error.substr(0, 1000);
      row_next = r.next_attempt_at;
      row_failed_at = r.first_failed_at;
      retry_row.execute(true);
      auto& lane = lanes[r.user_id];
      if (r.lane_backoff) {
        lane.next = r.next_attempt_at;
        lane.failures = r.lane_failures;
      }
    }
    for (const auto& d : report.dead) {
      if (fenced_off(d.bucket)) continue;
      row_id = d.id;
      row_attempts = d.attempts;
      row_text = d.reason.substr(0, 1000);
      row_now = now;
      bury_row.execute(true);
      if (bury_row.get_affected_rows() != 1) continue;  // settled already
      delete_row.execute(true);
      auto& lane = lanes[d.user_id];
      lane.removed += 1;
      lane.blocked_by = d.id;
      lane.reason = row_text;
    }
    for (const auto& user : report.recount) lanes.try_emplace(user);
    lane_topic = report.topic;
    for (const auto& [user, change] : lanes) {
      lane_user = user;
      lane_removed = change.removed;
      lane_next = change.next;
      lane_failures = change.failures;
      lane_blocked_by = change.blocked_by;
      lane_since = change.blocked_by ? now : 0;
      lane_reason = change.reason;
      const bool clean = change.next == 0 && change.failures == 0 && change.blocked_by == 0;
      if (clean) {
        finish_lane.execute(true);
        if (finish_lane.get_affected_rows() == 1) continue;
      }
      move_lane.execute(true);
      // After a clean round that kept its row, pending stayed above zero: nothing to drop.
      if (!clean) drop_lane.execute(true);
    }
    for (const auto& user : report.recount) recount_lane(report.topic, user);
  }

  // The buckets of the transaction's delivery results this replica holds now, with their
  // epochs, locked (PostgreSQL: FOR SHARE) until the transaction ends, so that no claim moves
  // them while the results are applied. All of them in one statement, in bucket order, as every
  // other lease writer locks them (one statement per report deadlocked with the renewal).
  void lock_buckets(const WriteBatch& batch, bool with_settles) {
    held.clear();
    if (options.owner.empty() || !with_settles) return;
    std::set<std::int32_t> wanted;
    for (const auto& report : batch.settles)
      for (const auto& lease : report.leases) wanted.insert(lease.first);
    if (wanted.empty()) return;
    std::string list;
    for (auto b : wanted) list += (list.empty() ? "" : ", ") + std::to_string(b);
    int bucket = 0;
    long long epoch = 0;
    std::string owner = options.owner;
    soci::statement st =
        (sql.prepare << "SELECT bucket, epoch FROM lease_buckets WHERE owner = :owner AND bucket IN (" + list +
                            ") ORDER BY bucket" + (dialect == Dialect::postgresql ? " FOR SHARE" : ""),
         soci::into(bucket), soci::into(epoch), soci::use(owner));
    st.execute();
    while (st.fetch()) held[bucket] = epoch;
  }

  // PostgreSQL: the transaction first takes the lock of every user it writes for, in key order
  // (no two transactions can wait on each other), and holds them to its end. So one user's
  // transactions commit one after the other whichever replica runs them: their outbox ids and
  // commit sequence follow commit order, and the lanes' rows are only ever locked under them.
  // SQLite needs none: one process, one writer.
  void lock_users(const WriteBatch& batch, const std::vector<size_t>& todo, bool with_settles) {
    if (dialect != Dialect::postgresql) return;
    std::vector<std::int64_t> keys;
    for (auto i : todo) keys.push_back(user_lock_key(batch.commits[i].task.user_id));
    if (with_settles)
      for (const auto& report : batch.settles) {
        for (const auto& d : report.delivered) keys.push_back(user_lock_key(d.user_id));
        for (const auto& r : report.retries) keys.push_back(user_lock_key(r.user_id));
        for (const auto& d : report.dead) keys.push_back(user_lock_key(d.user_id));
        for (const auto& u : report.recount) keys.push_back(user_lock_key(u));
      }
    if (keys.empty()) return;
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    // One round trip: the target list is evaluated left to right.
    std::string query = "SELECT ";
    for (size_t i = 0; i < keys.size(); ++i)
      query += (i ? ", " : "") + std::string("pg_advisory_xact_lock(") + std::to_string(keys[i]) + ")";
    sql << query;
  }

  // PostgreSQL: tells every replica's outbox listener (persistence/outbox_notifications) which
  // topics got rows, delivered when the transaction commits, so that the replica holding a
  // user's bucket sends at once what another replica committed (a nudge crosses no process).
  void notify_replicas(const WriteBatch& batch, const std::vector<size_t>& todo, size_t applied,
                       const WriteOutcome& out) {
    if (dialect != Dialect::postgresql) return;
    std::set<std::string> topics;
    for (size_t k = 0; k < applied && k < todo.size(); ++k) {
      const auto i = todo[k];
      if (out.commits[i].status != StoreStatus::ok) continue;
      for (const auto& e : batch.commits[i].events) topics.insert(e.topic);
    }
    if (topics.empty()) return;
    std::string query = "SELECT ";
    for (size_t k = 0; k < topics.size(); ++k)
      query +=
          (k ? ", " : "") + std::string("pg_notify('") + detail::outbox_channel + "', :t" + std::to_string(k) + ")";
    soci::statement st(sql);
    std::vector<std::string> values(topics.begin(), topics.end());
    for (auto& v : values) st.exchange(soci::use(v));
    st.alloc();
    st.prepare(query);
    st.define_and_bind();
    st.execute(true);
  }

  // Sets a lane's count from its rows (a fetch found it claiming rows it does not have).
  void recount_lane(const std::string& topic_name, const std::string& user_name) {
    std::string topic = topic_name, user = user_name;
    sql << "UPDATE outbox_lanes SET pending = (SELECT COUNT(*) FROM outbox o WHERE o.topic = :t AND "
           "o.partition_key = :u) WHERE topic = :t2 AND partition_key = :u2",
        soci::use(topic), soci::use(user), soci::use(topic), soci::use(user);
    sql << "DELETE FROM outbox_lanes WHERE topic = :t AND partition_key = :u AND pending <= 0 AND blocked_by = 0",
        soci::use(topic), soci::use(user);
  }

  static std::unique_ptr<soci::session> open(const DbTarget& target, const StoreOptions& options) {
    if (target.dialect == Dialect::postgresql) {
      auto sql = std::make_unique<soci::session>(soci::postgresql, target.connect);
      // Preparing a statement takes a lock on its tables: a session opened while a table is
      // locked (a stall, a migration elsewhere) would otherwise wait for the whole
      // statement_timeout before its first transaction even starts, past any request's deadline.
      // Transactions set their own, tighter bound (SET LOCAL).
      *sql << "SET lock_timeout = " + std::to_string(options.default_budget.count());
      return sql;
    }
    auto sql = std::make_unique<soci::session>(soci::sqlite3, target.connect);
    set_busy_timeout(*sql, options.default_budget.count());
    *sql << "PRAGMA journal_mode = WAL";
    *sql << "PRAGMA synchronous = " + std::string(options.sqlite_synchronous == "normal" ? "NORMAL" : "FULL");
    *sql << "PRAGMA foreign_keys = ON";
    return sql;
  }

  // How long SQLite waits for a lock before it answers SQLITE_BUSY (what PRAGMA busy_timeout
  // sets, without preparing a statement).
  static void set_busy_timeout(soci::session& sql, long long ms) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    sqlite_api::sqlite3_busy_timeout(backend->conn_, static_cast<int>(std::clamp<long long>(ms, 0, INT_MAX)));
  }

  // Lock waits outside write transactions (redrive, purge) get the default budget again.
  void restore_default_budget() {
    if (dialect == Dialect::sqlite) set_busy_timeout(sql, options.default_budget.count());
  }

  // Runs a query of at most one row. Stepping once more finishes the statement: SQLite keeps a
  // stepped-but-unfinished statement's read snapshot open, and a connection holding an old
  // snapshot can never begin a write after another connection's commit (and pins the WAL).
  static bool execute_single(soci::statement& st) {
    st.execute(true);
    const bool found = st.got_data();
    if (found) st.fetch();
    return found;
  }

  const char* begin_sql(Dialect d) const { return d == Dialect::sqlite ? "BEGIN IMMEDIATE" : "BEGIN"; }

  // Begins a write transaction whose lock waits and statements are bounded by `bound_ms`.
  // SQLite waits for the write lock only in BEGIN IMMEDIATE (WAL: nothing inside waits);
  // PostgreSQL gets the bound for every statement and lock wait of this transaction only
  // (SET LOCAL), sent with the BEGIN in one round trip.
  void begin(long long bound_ms) {
    if (dialect == Dialect::sqlite) {
      set_busy_timeout(sql, bound_ms);
      sql << "BEGIN IMMEDIATE";
    } else {
      const auto ms = std::to_string(bound_ms);
      sql << "BEGIN; SET LOCAL statement_timeout = " + ms + "; SET LOCAL lock_timeout = " + ms;
    }
  }

  // Rolls back the open transaction. SQLite may have rolled it back already itself (after some
  // errors, or when BEGIN failed): that is not a failure. Throws when the connection is gone.
  void rollback() {
    if (dialect == Dialect::sqlite) {
      auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
      if (sqlite_api::sqlite3_get_autocommit(backend->conn_) != 0) return;
    }
    sql << "ROLLBACK";
  }

  // update/remove matched nothing: tell a vanished task from one that moved on.
  StoreStatus classify_miss(const Task& task) {
    key_id = task.id;
    key_user = task.user_id;
    const bool found = execute_single(select_version);
    return found ? StoreStatus::conflict : StoreStatus::not_found;
  }

  // Takes the commit's Idempotency-Key: false when a live record of it exists already.
  bool claim_key(const IdempotencyRecord& record, millis now) {
    key.set(record, now);
    forget_expired_key.execute(true);
    insert_key.execute(true);
    return insert_key.get_affected_rows() == 1;
  }

  // The task change itself, after the key: quota, row, version check.
  StoreStatus change(const Commit& c) {
    row.set(c.task);
    row.expected_version = c.expected_version;
    switch (c.kind) {
      case ChangeKind::insert:
        quota_user = c.task.user_id;
        quota_max = options.max_tasks_per_user;
        if (quota_max < 1) return StoreStatus::quota_exceeded;
        count_up.execute(true);
        if (count_up.get_affected_rows() != 1) return StoreStatus::quota_exceeded;
        insert_task.execute(true);
        return StoreStatus::ok;
      case ChangeKind::update:
        update_task.execute(true);
        return update_task.get_affected_rows() == 1 ? StoreStatus::ok : classify_miss(c.task);
      case ChangeKind::remove:
        delete_task.execute(true);
        if (delete_task.get_affected_rows() != 1) return classify_miss(c.task);
        quota_user = c.task.user_id;
        count_down.execute(true);
        return StoreStatus::ok;
    }
    return StoreStatus::ok;
  }

  // One user's events on distinct topics go in one statement: an upsert may touch a lane once.
  static bool distinct_topics(const std::vector<OutboxEvent>& list) {
    for (size_t i = 0; i < list.size(); ++i)
      for (size_t j = i + 1; j < list.size(); ++j)
        if (list[i].topic == list[j].topic || list[i].partition_key != list[j].partition_key) return false;
    return true;
  }

  // The rows (`rows`) or lanes statement for the first `n` of `events`, one VALUES tuple per
  // event, in order (ids follow it). A lane counts one more row per event; a lane that was empty
  // starts at its event.
  soci::statement& events_statement(std::array<std::unique_ptr<soci::statement>, max_events_per_statement + 1>& cache,
                                    size_t n, bool rows) {
    auto& slot = cache[n];
    if (slot) return *slot;
    std::string query = rows ? "INSERT INTO outbox (topic, event_id, event_type, partition_key, task_id, "
                               "correlation_id, traceparent, payload, created_at, attempts, last_error, "
                               "next_attempt_at) VALUES "
                             : "INSERT INTO outbox_lanes (topic, partition_key, pending, head_at, bucket) VALUES ";
    for (size_t i = 0; i < n; ++i) {
      const auto k = std::to_string(i);
      query += i ? ", " : "";
      query += rows ? "(:topic" + k + ", :event_id" + k + ", :event_type" + k + ", :partition_key" + k + ", :task_id" +
                          k + ", :correlation_id" + k + ", :traceparent" + k + ", :payload" + k + ", :created_at" + k +
                          ", 0, '', :next" + k + ")"
                    : "(:topic" + k + ", :partition_key" + k + ", 1, :created_at" + k + ", :bucket" + k + ")";
    }
    if (!rows)
      query +=
          " ON CONFLICT (topic, partition_key) DO UPDATE SET pending = outbox_lanes.pending + 1, head_at = CASE "
          "WHEN outbox_lanes.pending <= 0 THEN excluded.head_at ELSE outbox_lanes.head_at END, bucket = "
          "excluded.bucket";
    slot = std::make_unique<soci::statement>(prepared(sql, query, [&](soci::statement& st) {
      for (size_t i = 0; i < n; ++i) {
        auto& e = events[i];
        st.exchange(soci::use(e.topic));
        if (rows) {
          for (auto* v : {&e.event_id, &e.event_type, &e.partition_key, &e.task_id, &e.correlation_id, &e.traceparent,
                          &e.payload})
            st.exchange(soci::use(*v));
          st.exchange(soci::use(e.created_at));
          st.exchange(soci::use(e.created_at));
        } else {
          st.exchange(soci::use(e.partition_key));
          st.exchange(soci::use(e.created_at));
          st.exchange(soci::use(e.bucket));
        }
      }
    }));
    return *slot;
  }

  // One commit. A commit that is refused (duplicate key, quota, conflict, not found) has written
  // nothing when this returns, also without a savepoint around it: the only thing written before
  // a refusal can happen is the key, and that is taken back.
  StoreStatus apply(const Commit& c, millis now) {
    if (c.idempotency && !claim_key(*c.idempotency, now)) return StoreStatus::duplicate_key;
    const StoreStatus status = change(c);
    if (status != StoreStatus::ok) {
      if (c.idempotency) {
        key.set(*c.idempotency, now);
        forget_key.execute(true);
      }
      return status;
    }
    if (c.events.empty()) return StoreStatus::ok;
    quota_user = c.task.user_id;
    if (!execute_single(next_seq)) throw soci::soci_error("the commit sequence was not returned");
    // Events of one user on distinct topics go in one statement each; any other commit one by one.
    const bool together = c.events.size() <= max_events_per_statement && distinct_topics(c.events);
    const size_t per_statement = together ? c.events.size() : 1;
    for (size_t from = 0; from < c.events.size(); from += per_statement) {
      for (size_t i = 0; i < per_statement; ++i) {
        const auto& source = c.events[from + i];
        auto& e = events[i];
        e.set(source);
        e.payload = with_sequence(source.payload, commit_seq);
        e.bucket = bucket_of(source.partition_key, buckets);
      }
      events_statement(insert_events, per_statement, true).execute(true);
      events_statement(touch_lanes, per_statement, false).execute(true);
    }
    return StoreStatus::ok;
  }

  // One transaction holding the commits `todo` and all delivery results, bounded by `bound_ms`.
  // Fast (no savepoints) unless `isolated`; then every item has a savepoint and only a failing
  // item fails. Throws soci_error when something other than an item or the bound failed (the
  // connection, BEGIN, COMMIT); `last_error` gets every error seen.
  // Thrown between the statements of a transaction that has used up its time: the databases
  // bound each statement (PostgreSQL 15 has no transaction_timeout), so many quick statements
  // could otherwise add up past every deadline in the transaction.
  struct OutOfTime {};

  // `applied` counts the commits applied (and, when committed, written): the first ones of
  // `todo`. Past `soft_until` no further commit starts (once one has) and those applied so far
  // are committed; the delivery results then wait for the next round.
  Round round(const WriteBatch& batch, const std::vector<size_t>& todo, long long bound_ms, millis now, bool isolated,
              bool with_settles, WriteOutcome& out, std::string& last_error, size_t& applied,
              steady::time_point soft_until) {
    applied = 0;
    const auto bound_at = steady::now() + std::chrono::milliseconds(bound_ms);
    auto check_time = [&] {
      if (steady::now() >= bound_at) throw OutOfTime{};
    };
    if (with_settles) out.settles.assign(batch.settles.size(), true);
    try {
      begin(bound_ms);
    } catch (const soci::soci_error& e) {
      last_error = e.what();
      if (!is_time_bound(e)) throw;
      rollback();
      return Round::bound_hit;
    }
    try {
      lock_users(batch, todo, with_settles);
      lock_buckets(batch, with_settles);
      if (!isolated) {
        for (auto i : todo) {
          check_time();
          if (applied > 0 && steady::now() >= soft_until) break;
          out.commits[i] = {apply(batch.commits[i], now), ""};
          ++applied;
        }
        if (with_settles && applied == todo.size())
          for (const auto& report : batch.settles) settle(report, now);
      } else {
        auto one_item = [&](auto&& step, auto&& on_error) {
          check_time();
          sql << "SAVEPOINT one_item";
          try {
            step();
          } catch (const soci::soci_error& e) {
            if (is_time_bound(e)) throw;  // the whole transaction is out of time
            sql << "ROLLBACK TO SAVEPOINT one_item";
            last_error = e.what();
            on_error(std::string(e.what()));
          }
          sql << "RELEASE SAVEPOINT one_item";
        };
        for (auto i : todo) {
          one_item(
              [&] {
                out.commits[i] = {apply(batch.commits[i], now), ""};
              },
              [&](const std::string& why) {
                out.commits[i] = {StoreStatus::unavailable, why};
              });
          ++applied;  // decided: written, or failed alone
        }
        if (with_settles)
          for (size_t i = 0; i < batch.settles.size(); ++i)
            one_item([&] { settle(batch.settles[i], now); }, [&](const std::string&) { out.settles[i] = false; });
      }
      notify_replicas(batch, todo, applied, out);
      check_time();
      sql << "COMMIT";
      return Round::committed;
    } catch (const OutOfTime&) {
      last_error = "the transaction ran out of time before its commits were written";
      rollback();
      return Round::bound_hit;
    } catch (const soci::soci_error& e) {
      last_error = e.what();
      rollback();  // throws (to the caller) when the connection is gone
      if (is_time_bound(e)) return Round::bound_hit;
      if (isolated) throw;  // not an item's failure: SAVEPOINT or COMMIT failed
      return Round::isolate;
    }
  }

  // The list statement of one form, prepared on first use.
  soci::statement& list_statement(bool filtered, bool keyset) {
    auto& slot = lists[(filtered ? 2 : 0) + (keyset ? 1 : 0)];
    if (!slot) {
      // Keyset: the rows after the last one of the previous page, by the index (user_id, seq).
      const std::string query = std::string("SELECT seq, ") + task_columns + " FROM tasks WHERE user_id = :user_id" +
                                (filtered ? " AND completed = :completed" : "") + (keyset ? " AND seq > :after" : "") +
                                " ORDER BY seq LIMIT :limit" + (keyset ? "" : " OFFSET :offset");
      slot = std::make_unique<soci::statement>(prepared(sql, query, [&](soci::statement& st) {
        st.exchange(soci::into(list_seq));
        list_row.bind_into(st);
        st.exchange(soci::use(list_user));
        if (filtered) st.exchange(soci::use(list_completed));
        if (keyset) st.exchange(soci::use(list_from));
        st.exchange(soci::use(list_limit));
        if (!keyset) st.exchange(soci::use(list_from));
      }));
    }
    return *slot;
  }
};

Store::Store(DbTarget target, StoreOptions options) : target_(std::move(target)), options_(std::move(options)) {
  try {
    if (target_.dialect == Dialect::sqlite) {
      auto parent = std::filesystem::path(target_.path).parent_path();
      if (!parent.empty()) std::filesystem::create_directories(parent);
    }
    auto sql = Connection::open(target_, options_);
    migrate(*sql, target_.dialect);
    bucket_count_ = set_up_buckets(*sql);
    ensure_connected();
  } catch (const std::exception& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    for (auto& ch : what)
      if (ch == '\n') ch = ' ';
    throw StoreError(what);
  }
}

Store::~Store() = default;

void Store::ensure_connected() {
  if (!conn_) conn_ = std::make_unique<Connection>(target_, options_, bucket_count_);
}

void Store::reconnect() {
  if (conn_) fenced_before_ += conn_->fenced;
  fetch_.reset();
  conn_.reset();
}

void Store::in_transaction(const std::function<void(soci::session&)>& body) {
  try {
    ensure_connected();
    auto& c = *conn_;
    c.restore_default_budget();
    c.sql << c.begin_sql(target_.dialect);
    try {
      body(c.sql);
      c.sql << "COMMIT";
    } catch (...) {
      try {
        c.rollback();
      } catch (...) {
      }
      throw;
    }
  } catch (const std::exception& e) {
    last_error_ = e.what();
    if (!ping()) disconnect(e.what());
    throw;
  }
}

soci::session& Store::session() {
  ensure_connected();
  return conn_->sql;
}

void Store::disconnect(const std::string& why) {
  last_error_ = why;
  if (conn_) fenced_before_ += conn_->fenced;
  fetch_.reset();
  conn_.reset();
}

std::uint64_t Store::fenced_entries() const {
  return fenced_before_ + (conn_ ? conn_->fenced : 0);
}

// Rounds: each writes the commits not yet decided, bounded by the earliest of their deadlines.
// When the bound is hit, the commits whose deadline passed are expired and the rest go again;
// every such round expires at least one commit, so the loop ends.
WriteOutcome Store::write(const WriteBatch& batch, millis now, const ExpiredCallback& on_expired) {
  WriteOutcome out;
  out.commits.resize(batch.commits.size());
  out.settles.assign(batch.settles.size(), true);
  if (batch.commits.empty() && batch.settles.empty()) return out;
  // Every commit gets a time limit: its deadline, or the default budget from now for one
  // without (tests, tools). Past it, a commit with a deadline is `expired`, one without
  // `unavailable`: nothing written either way.
  const auto started = steady::now();
  auto limit_of = [&](size_t i) {
    const auto& d = batch.commits[i].deadline;
    return has_deadline(d) ? d.at : started + options_.default_budget;
  };
  // A commit decided `expired` is told at once, not when the whole batch is done.
  auto give_up = [&](size_t i) {
    if (has_deadline(batch.commits[i].deadline)) {
      out.commits[i] = expired_outcome();
      if (on_expired) on_expired(i, out.commits[i]);
    } else {
      out.commits[i] = {StoreStatus::unavailable,
                        "the database stayed locked for the whole time budget: " + last_error_};
    }
  };
  std::vector<size_t> todo;  // the commits not decided yet, earliest limit first
  for (size_t i = 0; i < batch.commits.size(); ++i) {
    if (batch.commits[i].deadline.passed())
      give_up(i);  // never started
    else
      todo.push_back(i);
  }
  std::stable_sort(todo.begin(), todo.end(), [&](size_t x, size_t y) { return limit_of(x) < limit_of(y); });
  // Gives up the commits whose limit has passed; true when there was one.
  auto give_up_passed = [&] {
    const auto before = todo.size();
    const auto now_steady = steady::now();
    std::erase_if(todo, [&](size_t i) {
      if (limit_of(i) > now_steady) return false;
      give_up(i);
      return true;
    });
    return todo.size() != before;
  };
  bool settles_pending = !batch.settles.empty();
  try {
    ensure_connected();
    bool isolated = false;
    // How many commits go in the next transaction: all of them while the database keeps up.
    // When a transaction runs out of time the next takes half as many, the newest (latest
    // deadlines) first: under a slow database the oldest would expire anyway, and a smaller
    // transaction can finish in time, so goodput stays above zero. A success doubles it again.
    size_t chunk = todo.size();
    while (!todo.empty() || settles_pending) {
      chunk = std::clamp<size_t>(chunk, todo.empty() ? 0 : 1, todo.size());
      // No bigger than what the database has lately written in half the time the chunk has.
      // (One pass is enough: a smaller chunk starts at a later deadline, so it fits too.)
      if (seconds_per_commit_ > 0 && chunk > 0) {
        const auto left = std::chrono::duration<double>(limit_of(todo[todo.size() - chunk]) - steady::now()).count();
        const auto fits = static_cast<size_t>(std::max(0.0, 0.5 * left / seconds_per_commit_));
        chunk = std::clamp<size_t>(std::min(chunk, fits), 1, todo.size());
      }
      const std::vector<size_t> take(todo.end() - static_cast<std::ptrdiff_t>(chunk), todo.end());
      const auto round_began = steady::now();
      // Delivery results alone get the default budget from their own start: begun after commits
      // used the batch's budget up, they would otherwise have a millisecond, and a result not
      // recorded means an event sent twice.
      auto bound_at = take.empty() ? round_began + options_.default_budget : limit_of(take.front());
      // Commits waiting outside this transaction are given up within a round's time of their
      // deadline, not when a long transaction of later ones ends.
      const bool capped = take.size() < todo.size() && bound_at > steady::now() + max_round;
      if (capped) bound_at = steady::now() + max_round;
      // A round stops starting commits after part of the time left (half of it without an
      // estimate, twice the estimate and 50 ms with one, at most three quarters) and commits
      // those it applied: a database that turned slow (or was never measured) then writes what it can
      // by the deadline, instead of spending the whole of it on a transaction that cannot
      // finish, in which every commit would expire.
      auto soft_until = steady::time_point::max();
      if (!take.empty()) {
        const auto left = bound_at - round_began;
        const auto allowance =
            seconds_per_commit_ > 0
                ? std::chrono::duration_cast<steady::duration>(
                      std::chrono::duration<double>(2.0 * seconds_per_commit_ * static_cast<double>(take.size())) +
                      std::chrono::milliseconds(50))
                : left / 2;
        // Never past three quarters of the time left, whatever the estimate says: what was
        // applied by then still has time to commit (an estimate made on a fast database said
        // "fits" for a chunk that needed half again its deadline: 1 of 150 written).
        soft_until = round_began + std::min<steady::duration>(allowance, left * 3 / 4);
      }
      size_t applied = 0;
      const auto ended = conn_->round(batch, take, millis_until(bound_at), now, isolated, settles_pending, out,
                                      last_error_, applied, soft_until);
      if (ended == Connection::Round::bound_hit && !take.empty()) {
        // At least this much a commit costs now (more when none got through).
        const double spent = std::chrono::duration<double>(steady::now() - round_began).count();
        seconds_per_commit_ = std::max(seconds_per_commit_, spent / static_cast<double>(std::max<size_t>(applied, 1)));
      }
      if (ended == Connection::Round::committed && applied < take.size()) {
        // Stopped at the soft bound: the first `applied` of `take` are written.
        const double sample = std::chrono::duration<double>(steady::now() - round_began).count() /
                              static_cast<double>(std::max<size_t>(applied, 1));
        seconds_per_commit_ = seconds_per_commit_ > 0 ? 0.7 * seconds_per_commit_ + 0.3 * sample : sample;
        const auto first = todo.end() - static_cast<std::ptrdiff_t>(take.size());
        todo.erase(first, first + static_cast<std::ptrdiff_t>(applied));
        chunk = std::max<size_t>(1, applied);
        give_up_passed();
        continue;
      }
      if (ended == Connection::Round::committed) {
        if (!take.empty()) {
          // What a commit costs now (an average that follows the database within a few rounds).
          const double sample =
              std::chrono::duration<double>(steady::now() - round_began).count() / static_cast<double>(take.size());
          seconds_per_commit_ = seconds_per_commit_ > 0 ? 0.7 * seconds_per_commit_ + 0.3 * sample : sample;
        }
        todo.resize(todo.size() - take.size());
        settles_pending = false;
        chunk = take.size() * 2;
        continue;
      }
      if (ended == Connection::Round::isolate) {
        isolated = true;
        give_up_passed();
        continue;
      }
      // The bound was hit; nothing of this round is written.
      chunk = std::max<size_t>(1, take.size() / 2);
      if (give_up_passed() || capped) continue;
      if (take.empty()) {  // delivery results alone, and the default budget ran out
        out.settles.assign(batch.settles.size(), false);
        settles_pending = false;
        continue;
      }
      // Nothing passed its limit although the bound was hit (a lock wait that gave up a little
      // early): the commits at the bound are due now.
      const auto due = limit_of(take.front());
      std::erase_if(todo, [&](size_t i) {
        if (limit_of(i) != due) return false;
        give_up(i);
        return true;
      });
    }
    conn_->restore_default_budget();
  } catch (const std::exception& e) {
    last_error_ = e.what();
    for (auto i : todo) out.commits[i] = {StoreStatus::unavailable, e.what()};
    if (settles_pending) out.settles.assign(batch.settles.size(), false);
    bool alive = false;
    if (conn_) {
      try {
        conn_->rollback();
        conn_->restore_default_budget();
      } catch (...) {
      }
      alive = ping();
    }
    if (!alive) disconnect(e.what());
  }
  return out;
}

std::vector<CommitOutcome> Store::commit(const std::vector<Commit>& batch) {
  return write(WriteBatch{batch, {}}, now_millis()).commits;
}

bool Store::settle(const DeliveryReport& report, millis now) {
  return write(WriteBatch{{}, {report}}, now).settles.front();
}

LoadOutcome Store::load(const std::string& user_id, const std::string& task_id) {
  try {
    ensure_connected();
    auto& c = *conn_;
    c.key_id = task_id;
    c.key_user = user_id;
    if (!Connection::execute_single(c.select_task)) return {StoreStatus::not_found, std::nullopt, ""};
    return {StoreStatus::ok, c.row.get(), ""};
  } catch (const std::exception& e) {
    disconnect(e.what());
    return {StoreStatus::unavailable, std::nullopt, e.what()};
  }
}

ListOutcome Store::list(const std::string& user_id, const ListQuery& query) {
  try {
    ensure_connected();
    auto& c = *conn_;
    c.list_user = user_id;
    c.list_completed = query.completed.value_or(false) ? 1 : 0;
    c.list_limit = query.limit;
    c.list_from = query.after ? *query.after : query.offset;
    auto& st = c.list_statement(query.completed.has_value(), query.after.has_value());
    ListOutcome out;
    long long last = 0;
    st.execute();
    // Fetched to the end: a finished SQLite statement keeps no read snapshot open.
    while (st.fetch()) {
      out.tasks.push_back(c.list_row.get());
      last = c.list_seq;
    }
    if (query.limit > 0 && static_cast<std::int64_t>(out.tasks.size()) == query.limit) out.next_after = last;
    return out;
  } catch (const std::exception& e) {
    disconnect(e.what());
    return {StoreStatus::unavailable, {}, e.what(), std::nullopt};
  }
}

KeyOutcome Store::lookup_key(const std::string& user_id, const std::string& key, millis now) {
  try {
    ensure_connected();
    auto& c = *conn_;
    c.found_key.user_id = user_id;
    c.found_key.key = key;
    c.found_key.now = now;
    if (!Connection::execute_single(c.select_key)) return {StoreStatus::not_found, std::nullopt, ""};
    return {StoreStatus::ok, c.found_key.get(), ""};
  } catch (const std::exception& e) {
    disconnect(e.what());
    return {StoreStatus::unavailable, std::nullopt, e.what()};
  }
}

std::int64_t Store::purge_keys(millis now, std::int64_t limit) {
  try {
    ensure_connected();
    long long at = now, lim = limit;
    // Oldest first, at most `limit` in one statement, so that a backlog of expired keys never
    // holds the write lock for long. Row values in IN: SQLite >= 3.15 and PostgreSQL.
    soci::statement st = prepared(conn_->sql,
                                  "DELETE FROM idempotency_keys WHERE (user_id, key) IN (SELECT user_id, key FROM "
                                  "idempotency_keys WHERE expires_at < :now ORDER BY expires_at LIMIT :limit)",
                                  [&](soci::statement& s) {
                                    s.exchange(soci::use(at));
                                    s.exchange(soci::use(lim));
                                  });
    st.execute(true);
    return st.get_affected_rows();
  } catch (const std::exception& e) {
    last_error_ = e.what();
    if (!ping()) disconnect(e.what());
    throw;
  }
}

bool Store::ping() {
  try {
    ensure_connected();
    int one = 0;
    conn_->sql << "SELECT 1", soci::into(one);
    return one == 1;
  } catch (const std::exception& e) {
    disconnect(e.what());
    return false;
  }
}

}  // namespace tasks
