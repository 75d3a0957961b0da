#include "http/exchange.hpp"

#include <nlohmann/json.hpp>

#include "core/answers.hpp"
#include "core/list_cursor.hpp"

namespace tasks::http {

Exchange::Exchange(std::shared_ptr<AnswerSink> sink, std::string correlation_id, std::shared_ptr<ServerState> server)
    : sink_(std::move(sink)), correlation_id_(std::move(correlation_id)), server_(std::move(server)) {
  ++server_->in_flight;
}

Exchange::~Exchange() {
  if (!answered_.load()) send_problem({503, "the request was dropped before it could be answered", ""});
}

void Exchange::send(int status, std::string body, const std::string& content_type, const Headers& headers) {
  if (answered_.exchange(true)) return;
  Answer answer;
  answer.status = status;
  answer.headers.reserve(headers.size() + 3);
  answer.headers.emplace_back("X-Correlation-ID", correlation_id_);
  if (!traceparent_.empty()) answer.headers.emplace_back("traceparent", traceparent_);
  if (!content_type.empty()) answer.headers.emplace_back("Content-Type", content_type);
  for (const auto& h : headers) answer.headers.push_back(h);
  answer.body = std::move(body);
  answer.close = server_->draining.load();
  sink_->deliver(std::move(answer));
  ++server_->answered;
  if (server_->metrics)
    server_->metrics->http_request(method_, route_, status,
                                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  --server_->in_flight;
}

void Exchange::abandon() {
  if (answered_.exchange(true)) return;
  --server_->in_flight;
}

void Exchange::send_json(int status, std::string body, const Headers& headers) {
  send(status, std::move(body), "application/json", headers);
}

void Exchange::send_problem(const Problem& problem, const Headers& headers) {
  auto all = headers;
  if (problem.status == 503) all.emplace_back("Retry-After", "1");
  send(problem.status, problem_body(problem, correlation_id_), "application/problem+json", all);
}

void TaskResponder::reply(TaskReply reply) {
  auto send_answer = [&](const StoredAnswer& a, Headers extra = {}) {
    if (!a.location.empty()) extra.emplace_back("Location", a.location);
    if (a.status == 204)
      exchange_->send(204, "", "", extra);
    else
      exchange_->send_json(a.status, a.body, extra);
  };
  switch (reply.status) {
    case ReplyStatus::ok:
      if (reply.task) return send_answer(success_answer(reply.status, reply.task));
      {
        std::string body = "[";
        for (size_t i = 0; i < reply.tasks.size(); ++i) body += (i ? "," : "") + task_body(reply.tasks[i]);
        body += "]";
        Headers extra;
        if (reply.next_after) {
          const auto cursor = encode_list_cursor(*reply.next_after);
          extra.emplace_back("X-Next-Cursor", cursor);
          if (!next_link_.empty()) extra.emplace_back("Link", "<" + next_link_ + cursor + ">; rel=\"next\"");
        }
        exchange_->send_json(200, body, extra);
      }
      return;
    case ReplyStatus::created:
    case ReplyStatus::deleted: return send_answer(success_answer(reply.status, reply.task));
    case ReplyStatus::replayed:
      if (reply.replay) return send_answer(*reply.replay, {{"Idempotent-Replayed", "true"}});
      return exchange_->send_problem({503, "the recorded answer could not be read", ""});
    case ReplyStatus::not_found: return exchange_->send_problem({404, reply.detail, ""});
    case ReplyStatus::quota_exceeded: return exchange_->send_problem({409, reply.detail, "", "task-quota-exceeded"});
    case ReplyStatus::key_in_progress:
      return exchange_->send_problem({409, reply.detail, "Idempotency-Key", "idempotency-key-in-use"});
    case ReplyStatus::key_mismatch:
      return exchange_->send_problem({422, reply.detail, "Idempotency-Key", "idempotency-key-reused"});
    case ReplyStatus::unavailable: return exchange_->send_problem({503, reply.detail, ""});
  }
}

}  // namespace tasks::http
