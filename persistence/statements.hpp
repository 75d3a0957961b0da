#pragma once

// What the store's files share about SOCI statements: preparing one with its bindings, and the
// buffers an outbox or dead-letter row is read into. Internal to persistence/.

#include <soci/soci.h>

#include <functional>
#include <string>

#include "core/outbox.hpp"
#include "persistence/db_url.hpp"

namespace tasks::detail {

// A statement prepared once with `bind` exchanging its buffers: set them, execute.
inline soci::statement prepared(soci::session& sql, const std::string& query,
                                const std::function<void(soci::statement&)>& bind) {
  soci::statement st(sql);
  bind(st);
  st.alloc();
  st.prepare(query);
  st.define_and_bind();
  return st;
}

// The database's clock in milliseconds since the epoch, as SQL: what every lease time is
// measured by, so that replicas on machines whose clocks differ still agree. (SQLite's 'now' is
// the one machine's clock, fixed for the statement.)
inline const char* db_now_sql(Dialect d) {
  return d == Dialect::postgresql ? "(floor(extract(epoch from statement_timestamp()) * 1000))::bigint"
                                  : "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";
}

// The PostgreSQL notification channel a commit with events notifies (its payload: the topic).
inline const char* outbox_channel = "tasks_outbox";

// The columns every stored event has, in the order StoredEventRow binds them.
inline const char* event_columns =
    "id, topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent, payload, created_at, "
    "attempts";

// Buffers for reading outbox and dead-letter rows: event_columns, then a text and a time.
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

  // As an outbox row: `text` is its last error, `extra_time` its next attempt.
  OutboxRow outbox_row() const {
    OutboxRow r;
    r.id = id;
    r.event = event();
    r.attempts = attempts;
    r.last_error = text;
    r.next_attempt_at = extra_time;
    return r;
  }

  OutboxEvent event() const {
    return OutboxEvent{topic,          event_id,    event_type, partition_key, task_id,
                       correlation_id, traceparent, payload,    created_at};
  }
};

}  // namespace tasks::detail
