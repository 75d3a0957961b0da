#include "http/exchange.hpp"

#include <nlohmann/json.hpp>

#include "core/answers.hpp"
#include "core/list_cursor.hpp"

namespace tasks::http {

namespace {

// A header whose name is chosen at run time (Pistache drops raw response headers).
class NamedHeader : public Pistache::Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value) : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return 0; }

 private:
  std::string name_, value_;
};

}  // namespace

Exchange::Exchange(Pistache::Http::ResponseWriter writer, std::string correlation_id, bool keep_alive,
                   std::shared_ptr<ServerState> server)
    : writer_(std::move(writer)),
      correlation_id_(std::move(correlation_id)),
      keep_alive_(keep_alive),
      server_(std::move(server)) {
  ++server_->in_flight;
}

Exchange::~Exchange() {
  if (!answered_.load()) send_problem({503, "the request was dropped before it could be answered", ""});
}

void Exchange::send(int status, const std::string& body, const std::string& content_type, const Headers& headers) {
  if (answered_.exchange(true)) return;
  auto& h = writer_.headers();
  h.add(std::make_shared<NamedHeader>("X-Correlation-ID", correlation_id_));
  for (const auto& [name, value] : headers) h.add(std::make_shared<NamedHeader>(name, value));
  // Pistache echoes the request's Connection header, and says Close when there was none.
  h.remove<Pistache::Http::Header::Connection>();
  h.add<Pistache::Http::Header::Connection>(keep_alive_ && !server_->draining.load()
                                                ? Pistache::Http::ConnectionControl::KeepAlive
                                                : Pistache::Http::ConnectionControl::Close);
  if (!content_type.empty())
    h.add<Pistache::Http::Header::ContentType>(Pistache::Http::Mime::MediaType::fromString(content_type));
  // A client that went away makes send() fail; nothing more to do about it.
  (void)writer_.send(static_cast<Pistache::Http::Code>(status), body);
  ++server_->answered;
  if (server_->metrics)
    server_->metrics->http_request(method_, route_, status,
                                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  --server_->in_flight;
}

void Exchange::send_json(int status, const std::string& body, const Headers& headers) {
  send(status, body, "application/json", headers);
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
