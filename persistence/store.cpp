#include "persistence/store.hpp"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <filesystem>
#include <functional>

#include "core/time.hpp"
#include "persistence/migrations.hpp"

namespace tasks {

namespace {

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

soci::statement prepared(soci::session& sql, const std::string& query,
                         const std::function<void(soci::statement&)>& bind) {
  soci::statement st(sql);
  bind(st);
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  return st;
}

}  // namespace

// One open session and the statements prepared on it (re-preparing costs ~13 %).
struct Store::Connection {
  std::unique_ptr<soci::session> session;  // SOCI 4.0 sessions cannot move
  soci::session& sql;
  TaskRow row;
  EventRow event;
  std::string key_user, key_id;
  soci::statement insert_task, update_task, delete_task, insert_event, select_task, select_version;
  long long found_version = 0;
  // The publishers' bookkeeping: bound to these buffers.
  long long row_id = 0, row_attempts = 0, row_next = 0, row_now = 0;
  std::string row_text;
  soci::statement delete_row, retry_row, bury_row;

  Connection(const DbTarget& target, const StoreOptions& options)
      : session(open(target, options)),
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
        insert_event(prepared(sql,
                              "INSERT INTO outbox (topic, event_id, event_type, partition_key, task_id, "
                              "correlation_id, traceparent, payload, created_at, attempts, last_error, "
                              "next_attempt_at) VALUES (:topic, :event_id, :event_type, :partition_key, "
                              ":task_id, :correlation_id, :traceparent, :payload, :created_at, 0, '', :created_at2)",
                              [&](soci::statement& st) {
                                st.exchange(soci::use(event.topic));
                                st.exchange(soci::use(event.event_id));
                                st.exchange(soci::use(event.event_type));
                                st.exchange(soci::use(event.partition_key));
                                st.exchange(soci::use(event.task_id));
                                st.exchange(soci::use(event.correlation_id));
                                st.exchange(soci::use(event.traceparent));
                                st.exchange(soci::use(event.payload));
                                st.exchange(soci::use(event.created_at));
                                st.exchange(soci::use(event.created_at));
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
        delete_row(prepared(sql, "DELETE FROM outbox WHERE id = :id",
                            [&](soci::statement& st) { st.exchange(soci::use(row_id)); })),
        retry_row(prepared(
            sql, "UPDATE outbox SET attempts = :attempts, last_error = :error, next_attempt_at = :next WHERE id = :id",
            [&](soci::statement& st) {
              st.exchange(soci::use(row_attempts));
              st.exchange(soci::use(row_text));
              st.exchange(soci::use(row_next));
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
            })) {}

  // Applies one delivery round's results: delivered rows go, failed ones wait, dead ones move.
  void settle(const DeliveryReport& report, millis now) {
    for (auto id : report.delivered) {
      row_id = id;
      delete_row.execute(true);
    }
    for (const auto& r : report.retries) {
      row_id = r.id;
      row_attempts = r.attempts;
      row_text = r.error.substr(0, 1000);
      row_next = r.next_attempt_at;
      retry_row.execute(true);
    }
    for (const auto& d : report.dead) {
      row_id = d.id;
      row_attempts = d.attempts;
      row_text = d.reason.substr(0, 1000);
      row_now = now;
      bury_row.execute(true);
      delete_row.execute(true);
    }
  }

  static std::unique_ptr<soci::session> open(const DbTarget& target, const StoreOptions& options) {
    if (target.dialect == Dialect::postgresql) return std::make_unique<soci::session>(soci::postgresql, target.connect);
    auto sql = std::make_unique<soci::session>(soci::sqlite3, target.connect);
    *sql << "PRAGMA journal_mode = WAL";
    *sql << "PRAGMA synchronous = " + std::string(options.sqlite_synchronous == "normal" ? "NORMAL" : "FULL");
    *sql << "PRAGMA foreign_keys = ON";
    return sql;
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

  // update/remove matched nothing: tell a vanished task from one that moved on.
  StoreStatus classify_miss(const Task& task) {
    key_id = task.id;
    key_user = task.user_id;
    const bool found = execute_single(select_version);
    return found ? StoreStatus::conflict : StoreStatus::not_found;
  }

  StoreStatus apply(const Commit& c) {
    row.set(c.task);
    row.expected_version = c.expected_version;
    switch (c.kind) {
      case ChangeKind::insert: insert_task.execute(true); break;
      case ChangeKind::update:
        update_task.execute(true);
        if (update_task.get_affected_rows() != 1) return classify_miss(c.task);
        break;
      case ChangeKind::remove:
        delete_task.execute(true);
        if (delete_task.get_affected_rows() != 1) return classify_miss(c.task);
        break;
    }
    for (const auto& e : c.events) {
      event.set(e);
      insert_event.execute(true);
    }
    return StoreStatus::ok;
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
  if (!conn_) conn_ = std::make_unique<Connection>(target_, options_);
}

void Store::reconnect() {
  conn_.reset();
}

void Store::disconnect(const std::string& why) {
  last_error_ = why;
  conn_.reset();
}

WriteOutcome Store::write(const WriteBatch& batch, millis now) {
  WriteOutcome out;
  out.commits.resize(batch.commits.size());
  out.settles.assign(batch.settles.size(), true);
  if (batch.commits.empty() && batch.settles.empty()) return out;
  try {
    ensure_connected();
    auto& c = *conn_;
    // Fast path: everything in one transaction, no savepoints. Failures are rare; when one
    // happens, the batch is rolled back and written again with a savepoint per item, so that
    // only the failing item fails.
    try {
      c.sql << c.begin_sql(target_.dialect);
      for (size_t i = 0; i < batch.commits.size(); ++i) out.commits[i].status = c.apply(batch.commits[i]);
      for (const auto& report : batch.settles) c.settle(report, now);
      c.sql << "COMMIT";
      return out;
    } catch (const soci::soci_error& e) {
      last_error_ = e.what();
      c.sql << "ROLLBACK";  // throws (to the outer handler) when the connection is gone
    }
    c.sql << c.begin_sql(target_.dialect);
    auto isolated = [&](auto&& step, auto&& on_error) {
      c.sql << "SAVEPOINT one_item";
      try {
        step();
      } catch (const soci::soci_error& e) {
        c.sql << "ROLLBACK TO SAVEPOINT one_item";
        last_error_ = e.what();
        on_error(std::string(e.what()));
      }
      c.sql << "RELEASE SAVEPOINT one_item";
    };
    for (size_t i = 0; i < batch.commits.size(); ++i)
      isolated([&] { out.commits[i].status = c.apply(batch.commits[i]); },
               [&](const std::string& why) {
                 out.commits[i] = {StoreStatus::unavailable, why};
               });
    for (size_t i = 0; i < batch.settles.size(); ++i)
      isolated([&] { c.settle(batch.settles[i], now); }, [&](const std::string&) { out.settles[i] = false; });
    c.sql << "COMMIT";
  } catch (const std::exception& e) {
    last_error_ = e.what();
    for (auto& o : out.commits) o = {StoreStatus::unavailable, e.what()};
    out.settles.assign(batch.settles.size(), false);
    bool alive = false;
    if (conn_) {
      try {
        conn_->sql << "ROLLBACK";
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
    TaskRow row;
    std::string user = user_id;
    int completed = query.completed.value_or(false) ? 1 : 0;
    long long limit = query.limit, offset = query.offset;
    std::string sql = std::string("SELECT ") + task_columns + " FROM tasks WHERE user_id = :user_id" +
                      (query.completed ? " AND completed = :completed" : "") +
                      " ORDER BY seq LIMIT :limit OFFSET :offset";
    soci::statement st = prepared(c.sql, sql, [&](soci::statement& s) {
      row.bind_into(s);
      s.exchange(soci::use(user));
      if (query.completed) s.exchange(soci::use(completed));
      s.exchange(soci::use(limit));
      s.exchange(soci::use(offset));
    });
    ListOutcome out;
    st.execute();
    while (st.fetch()) out.tasks.push_back(row.get());
    return out;
  } catch (const std::exception& e) {
    disconnect(e.what());
    return {StoreStatus::unavailable, {}, e.what(), std::nullopt};
  }
}

namespace {

const char* event_columns =
    "id, topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent, payload, created_at, "
    "attempts";

// Buffers for reading outbox and dead-letter rows.
struct StoredEventRow {
  long long id = 0, created_at = 0, attempts = 0, extra_time = 0;
  std::string topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent, payload, text;

  void bind_into(soci::statement& st) {
    st.exchange(soci::into(id));
    for (auto* v : {&topic, &event_id, &event_type, &partition_key, &task_id, &correlation_id, &traceparent, &payload})
      st.exchange(soci::into(*v));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(attempts));
    st.exchange(soci::into(text));
    st.exchange(soci::into(extra_time));
  }

  OutboxEvent event() const {
    return OutboxEvent{topic,          event_id,    event_type, partition_key, task_id,
                       correlation_id, traceparent, payload,    created_at};
  }
};

}  // namespace

OutboxFetch Store::fetch_due(const std::string& topic_name, millis now, std::int64_t limit) {
  try {
    ensure_connected();
    auto& c = *conn_;
    StoredEventRow row;
    std::string topic = topic_name;
    long long at = now, lim = limit;
    // A row is sendable when it is due and no earlier row of its user in this topic is waiting.
    soci::statement st = prepared(
        c.sql,
        std::string("SELECT ") + event_columns +
            ", last_error, next_attempt_at FROM outbox o WHERE o.topic = :topic AND o.next_attempt_at <= :now "
            "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.topic = o.topic AND p.partition_key = o.partition_key "
            "AND p.id < o.id AND p.next_attempt_at > :now2) ORDER BY o.id LIMIT :limit",
        [&](soci::statement& s) {
          row.bind_into(s);
          s.exchange(soci::use(topic));
          s.exchange(soci::use(at));
          s.exchange(soci::use(at));
          s.exchange(soci::use(lim));
        });
    OutboxFetch out;
    st.execute();
    while (st.fetch()) out.rows.push_back(OutboxRow{row.id, row.event(), row.attempts, row.text, row.extra_time});
    return out;
  } catch (const std::exception& e) {
    disconnect(e.what());
    return OutboxFetch{false, {}, e.what()};
  }
}

std::vector<OutboxBacklog> Store::backlog() {
  std::vector<OutboxBacklog> out;
  try {
    ensure_connected();
    OutboxBacklog b;
    long long pending = 0, oldest = 0;
    soci::indicator oldest_ind = soci::i_null;
    soci::statement st =
        prepared(conn_->sql, "SELECT topic, COUNT(*), MIN(created_at) FROM outbox GROUP BY topic ORDER BY topic",
                 [&](soci::statement& s) {
                   s.exchange(soci::into(b.topic));
                   s.exchange(soci::into(pending));
                   s.exchange(soci::into(oldest, oldest_ind));
                 });
    st.execute();
    while (st.fetch()) {
      b.pending = pending;
      b.oldest_created_at = oldest_ind == soci::i_ok ? oldest : 0;
      out.push_back(b);
    }
  } catch (const std::exception& e) {
    disconnect(e.what());
    throw;
  }
  return out;
}

std::vector<OutboxRow> Store::pending(const std::string& topic_name, std::int64_t limit) {
  std::vector<OutboxRow> out;
  try {
    ensure_connected();
    StoredEventRow row;
    std::string topic = topic_name;
    long long lim = limit;
    soci::statement st = prepared(conn_->sql,
                                  std::string("SELECT ") + event_columns +
                                      ", last_error, next_attempt_at FROM outbox WHERE topic = :topic ORDER BY id "
                                      "LIMIT :limit",
                                  [&](soci::statement& s) {
                                    row.bind_into(s);
                                    s.exchange(soci::use(topic));
                                    s.exchange(soci::use(lim));
                                  });
    st.execute();
    while (st.fetch()) out.push_back(OutboxRow{row.id, row.event(), row.attempts, row.text, row.extra_time});
  } catch (const std::exception& e) {
    disconnect(e.what());
    throw;
  }
  return out;
}

std::vector<DeadLetter> Store::dead_letters(const std::string& topic_name, std::int64_t limit) {
  std::vector<DeadLetter> out;
  try {
    ensure_connected();
    StoredEventRow row;
    std::string topic = topic_name;
    long long lim = limit;
    const bool all = topic.empty();
    soci::statement st = prepared(conn_->sql,
                                  std::string("SELECT ") + event_columns + ", reason, dead_at FROM dead_letters" +
                                      (all ? "" : " WHERE topic = :topic") + " ORDER BY id LIMIT :limit",
                                  [&](soci::statement& s) {
                                    row.bind_into(s);
                                    if (!all) s.exchange(soci::use(topic));
                                    s.exchange(soci::use(lim));
                                  });
    st.execute();
    while (st.fetch()) out.push_back(DeadLetter{row.id, row.event(), row.attempts, row.text, row.extra_time});
  } catch (const std::exception& e) {
    disconnect(e.what());
    throw;
  }
  return out;
}

std::int64_t Store::redrive(const std::string& topic_name, const std::string& event_id_value) {
  try {
    ensure_connected();
    auto& c = *conn_;
    std::string topic = topic_name, event_id = event_id_value;
    std::string where = " WHERE 1 = 1";
    if (!topic.empty()) where += " AND topic = :topic";
    if (!event_id.empty()) where += " AND event_id = :event_id";
    auto bind = [&](soci::statement& s) {
      if (!topic.empty()) s.exchange(soci::use(topic));
      if (!event_id.empty()) s.exchange(soci::use(event_id));
    };
    c.sql << c.begin_sql(target_.dialect);
    try {
      long long moved = 0;
      soci::statement count = prepared(c.sql, "SELECT COUNT(*) FROM dead_letters" + where, [&](soci::statement& s) {
        s.exchange(soci::into(moved));
        bind(s);
      });
      count.execute(true);
      // Back with a fresh retry budget (attempts 0, due now, its age counted from now) and its old
      // id, so that it keeps its place in commit order. The CloudEvent itself is unchanged.
      long long now = now_millis();
      soci::statement insert = prepared(
          c.sql,
          "INSERT INTO outbox (id, topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent, "
          "payload, created_at, attempts, last_error, next_attempt_at) SELECT id, topic, event_id, event_type, "
          "partition_key, task_id, correlation_id, traceparent, payload, :now, 0, '', 0 FROM dead_letters" +
              where,
          [&](soci::statement& s) {
            s.exchange(soci::use(now));
            bind(s);
          });
      insert.execute(true);
      soci::statement del = prepared(c.sql, "DELETE FROM dead_letters" + where, bind);
      del.execute(true);
      c.sql << "COMMIT";
      return moved;
    } catch (...) {
      try {
        c.sql << "ROLLBACK";
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

namespace tasks {

// Stubs until the idempotency table lands (issue 9): no key is ever recorded.
KeyOutcome Store::lookup_key(const std::string&, const std::string&, millis) {
  return {StoreStatus::not_found, std::nullopt, ""};
}

std::int64_t Store::purge_keys(millis, std::int64_t) {
  return 0;
}

}  // namespace tasks
