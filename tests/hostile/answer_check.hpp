#pragma once

// The judgement of one answer in the hostile run, as a pure function: given the request a
// connection is waiting on (the oldest it sent) and the answer that arrived, is it that
// request's answer, with that user's data, in a status the contract allows?

#include <string>
#include <string_view>

#include "tests/hostile/response_parser.hpp"

namespace tasks::hostile {

enum class RequestKind { create, get, list, patch, complete, healthz };

struct SentRequest {
  RequestKind kind = RequestKind::healthz;
  std::string correlation_id;
  std::string user;
  std::string task_id;  // get, patch, complete: the task asked for
  std::string marker;   // create: the title sent; patch: the description sent
};

enum class Verdict {
  ok,
  misrouted,          // the correlation id of a request of another connection
  foreign_data,       // the right correlation id but another user's or another request's task
  out_of_order,       // the correlation id of another request of this same connection
  unexpected_status,  // a status the contract does not allow for this request
  no_correlation_id,  // no X-Correlation-ID at all
  bad_error_body,     // an error answer that is not problem+json, or a 503 without Retry-After
  bad_body,           // a 2xx whose body is not the JSON the contract promises
};

struct Judgement {
  Verdict verdict = Verdict::ok;
  std::string detail;           // why, for the log
  std::string created_task_id;  // a create's 201: the new task's id
};

// `connection_prefix`: every correlation id this connection sends starts with it (and no other
// connection's does).
Judgement judge_answer(const Response& answer, const SentRequest& expected, std::string_view connection_prefix);

// The first user_id in the answer's body (a task or a list of tasks) that is not `user`; "" when
// there is none. What a misrouted answer leaks.
std::string other_user_in(const Response& answer, std::string_view user);

// The statuses the contract allows for a request of this kind.
bool status_allowed(RequestKind kind, int status);

const char* to_string(Verdict verdict);
const char* to_string(RequestKind kind);

}  // namespace tasks::hostile
