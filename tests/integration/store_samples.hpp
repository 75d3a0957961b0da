#pragma once

// Sample tasks, events, commits and Idempotency-Key records for the store tests.

#include <chrono>
#include <string>

#include "core/commit.hpp"
#include "core/ids.hpp"

namespace tasks::testing {

inline Task make_task(const std::string& user, const std::string& title) {
  Task t;
  t.id = new_uuid();
  t.user_id = user;
  t.title = title;
  t.created_at = t.updated_at = 1000;
  return t;
}

inline OutboxEvent make_event(const Task& t, const std::string& type) {
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

inline Commit insert(const Task& t) {
  return Commit{ChangeKind::insert, t, 0, {make_event(t, "task.created")}};
}

inline Commit update(Task t, std::int64_t expected) {
  t.version = expected + 1;
  return Commit{ChangeKind::update, t, expected, {make_event(t, "task.updated")}};
}

inline Commit removal(const Task& t, std::int64_t expected) {
  return Commit{ChangeKind::remove, t, expected, {make_event(t, "task.deleted")}};
}

// A deadline `ms` from now (negative: already passed).
inline Deadline deadline_in(std::chrono::milliseconds ms) {
  return Deadline{std::chrono::steady_clock::now() + ms};
}

inline IdempotencyRecord key_record(const std::string& user, const std::string& key, const std::string& fingerprint,
                                    millis created_at, millis expires_at) {
  IdempotencyRecord r;
  r.user_id = user;
  r.key = key;
  r.fingerprint = fingerprint;
  r.status = 201;
  r.body = R"({"id":"x","title":"it's \"quoted\"","description":null})";
  r.location = "/api/v1/tasks/x";
  r.created_at = created_at;
  r.expires_at = expires_at;
  return r;
}

inline Commit with_key(Commit c, IdempotencyRecord r) {
  c.idempotency = std::move(r);
  return c;
}

}  // namespace tasks::testing
