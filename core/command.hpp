#pragma once

// A client's request as the actors see it, and the way its answer gets back to the client.

#include <chrono>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/task.hpp"

namespace tasks {

// Who asks, and what travels with every event the request causes.
struct RequestContext {
  std::string user_id;
  std::string correlation_id;
  std::string traceparent;  // empty when the request had none (or an invalid one)
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();
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
  ok,           // 200 with the task (or the list)
  created,      // 201 with the task
  deleted,      // 204
  not_found,    // 404
  unavailable,  // 503: database down, timed out or overloaded; nothing is known to be written
};

struct TaskReply {
  ReplyStatus status = ReplyStatus::ok;
  std::optional<Task> task;
  std::vector<Task> tasks;
  std::string detail;  // for errors
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
