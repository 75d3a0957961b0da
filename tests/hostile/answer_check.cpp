#include "tests/hostile/answer_check.hpp"

#include <nlohmann/json.hpp>

namespace tasks::hostile {

namespace {

Judgement verdict(Verdict v, std::string detail) {
  Judgement j;
  j.verdict = v;
  j.detail = std::move(detail);
  return j;
}

std::string string_field(const nlohmann::json& task, const char* name) {
  const auto it = task.find(name);
  return it != task.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A task object of the expected user; the empty string when it is, else why not.
std::string task_problem(const nlohmann::json& task, const SentRequest& expected) {
  if (!task.is_object()) return "a task that is not an object";
  const std::string user = string_field(task, "user_id");
  if (user != expected.user) return "user_id '" + user + "' (expected '" + expected.user + "')";
  if (!expected.task_id.empty() && lower(string_field(task, "id")) != lower(expected.task_id))
    return "task id '" + string_field(task, "id") + "' (expected '" + expected.task_id + "')";
  return "";
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok: return "ok";
    case Verdict::misrouted: return "misrouted";
    case Verdict::foreign_data: return "foreign data";
    case Verdict::out_of_order: return "out of order";
    case Verdict::unexpected_status: return "unexpected status";
    case Verdict::no_correlation_id: return "no correlation id";
    case Verdict::bad_error_body: return "bad error body";
    case Verdict::bad_body: return "bad body";
  }
  return "?";
}

const char* to_string(RequestKind kind) {
  switch (kind) {
    case RequestKind::create: return "create";
    case RequestKind::get: return "get";
    case RequestKind::list: return "list";
    case RequestKind::patch: return "patch";
    case RequestKind::complete: return "complete";
    case RequestKind::healthz: return "healthz";
  }
  return "?";
}

std::string other_user_in(const Response& answer, std::string_view user) {
  const auto body = nlohmann::json::parse(answer.body, nullptr, false);
  auto other = [&](const nlohmann::json& task) {
    const std::string id = task.is_object() ? string_field(task, "user_id") : "";
    return !id.empty() && id != user ? id : std::string();
  };
  if (body.is_object()) return other(body);
  if (body.is_array())
    for (const auto& task : body)
      if (auto id = other(task); !id.empty()) return id;
  return "";
}

bool status_allowed(RequestKind kind, int status) {
  switch (kind) {
    case RequestKind::create: return status == 201 || status == 409 || status == 503;
    case RequestKind::get: return status == 200 || status == 404 || status == 503;
    case RequestKind::list: return status == 200 || status == 503;
    case RequestKind::patch:
    case RequestKind::complete: return status == 200 || status == 404 || status == 409 || status == 503;
    case RequestKind::healthz: return status == 200 || status == 503;
  }
  return false;
}

Judgement judge_answer(const Response& answer, const SentRequest& expected, std::string_view connection_prefix) {
  const std::string correlation = answer.header("x-correlation-id");
  if (!correlation.empty() && correlation != expected.correlation_id) {
    const bool own = correlation.size() > connection_prefix.size() && correlation.rfind(connection_prefix, 0) == 0;
    const std::string leaked = other_user_in(answer, expected.user);
    return verdict(own ? Verdict::out_of_order : Verdict::misrouted,
                   "answer " + std::to_string(answer.status) + " for '" + correlation + "' arrived where '" +
                       expected.correlation_id + "' (" + to_string(expected.kind) + ") was awaited" +
                       (leaked.empty() ? "" : ", carrying user " + leaked + "'s data") + ": '" +
                       answer.body.substr(0, 160) + "'");
  }
  if (!status_allowed(expected.kind, answer.status))
    return verdict(Verdict::unexpected_status, std::to_string(answer.status) + " " + answer.reason + " to a " +
                                                   to_string(expected.kind) + ": '" + answer.body.substr(0, 160) + "'");
  if (correlation.empty())
    return verdict(Verdict::no_correlation_id, std::to_string(answer.status) + " to a " + to_string(expected.kind));
  if (answer.status >= 400) {
    if (!answer.is_problem_json())
      return verdict(Verdict::bad_error_body,
                     std::to_string(answer.status) + " with Content-Type '" + answer.header("content-type") + "'");
    if (answer.status == 503 && !answer.has_header("retry-after"))
      return verdict(Verdict::bad_error_body, "503 without Retry-After");
    return {};
  }
  if (expected.kind == RequestKind::healthz) return {};

  const auto body = nlohmann::json::parse(answer.body, nullptr, false);
  if (body.is_discarded()) return verdict(Verdict::bad_body, "not JSON: '" + answer.body.substr(0, 160) + "'");
  switch (expected.kind) {
    case RequestKind::list: {
      if (!body.is_array()) return verdict(Verdict::bad_body, "a list answer that is not an array");
      SentRequest any_task = expected;
      any_task.task_id.clear();
      for (const auto& task : body)
        if (auto why = task_problem(task, any_task); !why.empty()) return verdict(Verdict::foreign_data, why);
      return {};
    }
    case RequestKind::create: {
      SentRequest new_task = expected;
      new_task.task_id.clear();
      if (auto why = task_problem(body, new_task); !why.empty()) return verdict(Verdict::foreign_data, why);
      if (string_field(body, "title") != expected.marker)
        return verdict(Verdict::foreign_data,
                       "created title '" + string_field(body, "title") + "' (expected '" + expected.marker + "')");
      Judgement ok;
      ok.created_task_id = string_field(body, "id");
      if (ok.created_task_id.empty()) return verdict(Verdict::bad_body, "a created task without id");
      return ok;
    }
    case RequestKind::get:
      if (auto why = task_problem(body, expected); !why.empty()) return verdict(Verdict::foreign_data, why);
      return {};
    case RequestKind::patch:
      if (auto why = task_problem(body, expected); !why.empty()) return verdict(Verdict::foreign_data, why);
      if (string_field(body, "description") != expected.marker)
        return verdict(Verdict::foreign_data, "patched description '" + string_field(body, "description") +
                                                  "' (expected '" + expected.marker + "')");
      return {};
    case RequestKind::complete:
      if (auto why = task_problem(body, expected); !why.empty()) return verdict(Verdict::foreign_data, why);
      if (!body.contains("completed") || body["completed"] != true)
        return verdict(Verdict::bad_body, "a completed task that is not completed");
      return {};
    case RequestKind::healthz: return {};
  }
  return {};
}

}  // namespace tasks::hostile
