#pragma once

// A client's request as the actors see it, and the way its answer gets back to the client.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/task.hpp"

namespace tasks {

using steady_time = std::chrono::steady_clock::time_point;

// An Idempotency-Key sent with a mutation, and what identifies the request it came with: a
// retry with the same key must carry the same request.
struct IdempotencyKey {
  std::string key;          // as sent (1..255 visible ASCII characters)
  std::string fingerprint;  // of the method, the path and the body (http/idempotency)
};

// Who asks, and what travels with every event the request causes.
struct RequestContext {
  std::string user_id;
  std::string correlation_id;
  // W3C trace context: the request's own traceparent when valid, otherwise a fresh one that
  // taskd started (never empty for a request of the API), and its tracestate when it had a
  // valid one (empty otherwise). Both go into every event of the request.
  std::string traceparent;
  std::string tracestate;
  steady_time received_at = std::chrono::steady_clock::now();
  // The one deadline of this request (TASKS_REQUEST_TIMEOUT after it arrived): no step of it
  // starts later, and its answer is due by then.
  steady_time deadline = received_at + std::chrono::seconds(10);
  std::optional<IdempotencyKey> idempotency = {};  // mutations only
};

struct CreateTask {
  NewTask fields;
};
struct GetTask {
  std::string task_id;
};
struct ListTasks {
  ListQuery query;
};
struct PatchTask {
  std::string task_id;
  TaskPatch patch;
};
struct CompleteTask {
  std::string task_id;
};
struct UncompleteTask {
  std::string task_id;
};
struct DeleteTask {
  std::string task_id;
};

using Operation = std::variant<CreateTask, GetTask, ListTasks, PatchTask, CompleteTask, UncompleteTask, DeleteTask>;

enum class ReplyStatus {
  ok,               // 200 with the task (or the list)
  created,          // 201 with the task
  deleted,          // 204
  not_found,        // 404
  quota_exceeded,   // 409: the user has TASKS_MAX_TASKS_PER_USER tasks; nothing written
  key_in_progress,  // 409: another request with this Idempotency-Key is being written
  key_mismatch,     // 422: this Idempotency-Key came with a different request before
  replayed,         // the first answer to this Idempotency-Key, as it was (TaskReply::replay)
  unavailable,      // 503: nothing was written (database down or late, overload, shutdown)
};

// An answer as it was sent, kept with its Idempotency-Key.
struct StoredAnswer {
  int status = 0;
  std::string body;      // empty for 204
  std::string location;  // the Location header, empty when there was none
};

struct TaskReply {
  ReplyStatus status = ReplyStatus::ok;
  std::optional<Task> task;
  std::vector<Task> tasks;
  std::optional<std::int64_t> next_after;  // lists: where the next page starts, when there may be one
  std::optional<StoredAnswer> replay;      // replayed
  std::string detail;                      // for errors
};

// Completes one client request. Implementations answer exactly once: the first reply wins, and
// one destroyed without a reply answers 503, so a request dropped anywhere (a dead actor, a
// cleared mailbox) never leaves its client hanging.
class Responder {
 public:
  virtual ~Responder() = default;
  virtual void reply(TaskReply reply) = 0;
};

using responder_ptr = std::shared_ptr<Responder>;

// One message from the HTTP layer to the actors: the context, the operation and the way back.
struct TaskCommand {
  RequestContext context;
  Operation operation;
  responder_ptr responder;
};

bool is_mutation(const Operation& op);

}  // namespace tasks
