#include "http/exchange.hpp"

#include <nlohmann/json.hpp>

#include "core/task_json.hpp"

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
  switch (reply.status) {
    case ReplyStatus::ok:
      if (reply.task) {
        exchange_->send_json(200, to_json(*reply.task).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      } else {
        auto list = nlohmann::ordered_json::array();
        for (const auto& t : reply.tasks) list.push_back(to_json(t));
        exchange_->send_json(200, list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
      return;
    case ReplyStatus::created:
      exchange_->send_json(201, to_json(*reply.task).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                           {{"Location", "/api/v1/tasks/" + reply.task->id}});
      return;
    case ReplyStatus::deleted: exchange_->send(204, "", ""); return;
    case ReplyStatus::not_found: exchange_->send_problem({404, reply.detail, ""}); return;
    case ReplyStatus::unavailable: exchange_->send_problem({503, reply.detail, ""}); return;
  }
}

}  // namespace tasks::http
