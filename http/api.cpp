#include "http/api.hpp"

#include <nlohmann/json.hpp>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "core/validation.hpp"
#include "http/jwt.hpp"
#include "http/request_meta.hpp"
#include "http/routes.hpp"

namespace tasks::http {

namespace {

using Pistache::Http::Request;

std::optional<std::string> raw_header(const Request& request, const std::string& name) {
  if (auto raw = request.headers().tryGetRaw(name)) return raw->value();
  return std::nullopt;
}

bool wants_keep_alive(const Request& request) {
  auto connection = raw_header(request, "Connection");
  if (connection && media_type(*connection) == "close") return false;
  return request.version() == Pistache::Http::Version::Http11 ||
         (connection && media_type(*connection) == "keep-alive");
}

bool has_json_body(const Request& request, bool allow_merge_patch) {
  auto type = raw_header(request, "Content-Type");
  if (!type) return false;
  auto media = media_type(*type);
  return media == "application/json" || (allow_merge_patch && media == "application/merge-patch+json");
}

void ask_readiness(caf::event_based_actor* self, std::shared_ptr<Exchange> exchange, task_reader_actor reader,
                   std::chrono::milliseconds timeout) {
  self->request(reader, timeout, ping_atom::value)
      .then(
          [exchange](bool ok) {
            if (ok)
              exchange->send_json(200, R"({"status":"ready"})");
            else
              exchange->send_problem({503, "the database is unreachable", ""});
          },
          [exchange](caf::error&) {
            exchange->send_problem({503, "the database did not answer in time", ""});
          });
}

void readiness(const std::shared_ptr<ApiContext>& ctx, std::shared_ptr<Exchange> exchange) {
  auto reader = ctx->directory->reader();
  if (ctx->server->draining.load() || !reader) {
    exchange->send_problem({503, "the service is shutting down", ""});
    return;
  }
  // A short-lived actor asks persistence and answers; it ends once the answer is in. (Its
  // state travels as spawn arguments: CAF 0.17 dereferences a null tuple for argument-less
  // function actors, which UBSan reports.)
  ctx->system.spawn(ask_readiness, std::move(exchange), reader, ctx->options.ready_timeout);
}

}  // namespace

void ApiHandler::onRequest(const Request& request, Pistache::Http::ResponseWriter response) {
  const auto& ctx = context_;
  auto exchange =
      std::make_shared<Exchange>(std::move(response), correlation_id_from(raw_header(request, "X-Correlation-ID")),
                                 wants_keep_alive(request), ctx->server);
  const std::string method = Pistache::Http::methodString(request.method());
  const auto route = match_route(method, request.resource());
  exchange->describe(method, route.kind == RouteMatch::Kind::found ? route_template(route.endpoint) : "unmatched");
  if (route.kind == RouteMatch::Kind::not_found) {
    exchange->send_problem({404, "no route for " + method + " " + request.resource().substr(0, 200), ""});
    return;
  }
  if (route.kind == RouteMatch::Kind::method_not_allowed) {
    std::string allow;
    for (const auto& m : route.allowed) allow += (allow.empty() ? "" : ", ") + m;
    exchange->send_problem({405, method + " is not allowed here; allowed: " + allow, ""}, {{"Allow", allow}});
    return;
  }
  if (route.endpoint == Endpoint::healthz) {
    exchange->send_json(200, R"({"status":"ok"})");
    return;
  }
  if (route.endpoint == Endpoint::readyz) {
    readiness(ctx, exchange);
    return;
  }
  if (ctx->server->draining.load()) {
    exchange->send_problem({503, "the service is shutting down", ""});
    return;
  }

  // Authentication: a user sees only their own tasks.
  auto token = bearer_token(raw_header(request, "Authorization"));
  if (!token) {
    exchange->send_problem({401, "an Authorization: Bearer <JWT> header is required", ""},
                           {{"WWW-Authenticate", "Bearer"}});
    return;
  }
  auto verified = verify_token(*token, ctx->options.tokens, now_millis() / 1000);
  if (auto* err = std::get_if<TokenError>(&verified)) {
    exchange->send_problem({401, err->reason, ""}, {{"WWW-Authenticate", R"(Bearer error="invalid_token")"}});
    return;
  }

  const std::string& body = request.body();
  if (body.size() > ctx->options.max_body_bytes) {
    exchange->send_problem({413, "the body is larger than 64 KiB", ""});
    return;
  }

  TaskCommand command;
  command.context.user_id = std::get<std::string>(verified);
  command.context.correlation_id = exchange->correlation_id();
  command.context.traceparent = traceparent_from(raw_header(request, "traceparent"));
  command.context.deadline = command.context.received_at + ctx->options.request_timeout;

  auto fail = [&](const InputError& e) { exchange->send_problem({e.status, e.detail, e.field}); };
  std::string task_id;
  if (!route.task_id.empty()) {
    auto id = canonical_uuid(route.task_id);
    if (!id) {
      exchange->send_problem({404, "no task with id " + route.task_id.substr(0, 64), ""});
      return;
    }
    task_id = *id;
  }

  switch (route.endpoint) {
    case Endpoint::create_task: {
      if (!has_json_body(request, false)) {
        exchange->send_problem({415, "the body must be application/json", ""});
        return;
      }
      auto parsed = parse_new_task(body);
      if (auto* e = std::get_if<InputError>(&parsed)) return fail(*e);
      command.operation = CreateTask{std::move(std::get<NewTask>(parsed))};
      break;
    }
    case Endpoint::list_tasks: {
      std::map<std::string, std::string> params;
      for (auto it = request.query().parameters_begin(); it != request.query().parameters_end(); ++it) {
        auto key = url_decode(it->first), value = url_decode(it->second);
        if (!key || !value) return fail({400, "", "the query string is not valid percent-encoding"});
        params.emplace(std::move(*key), std::move(*value));
      }
      auto parsed = parse_list_query(params);
      if (auto* e = std::get_if<InputError>(&parsed)) return fail(*e);
      command.operation = ListTasks{std::get<ListQuery>(parsed)};
      break;
    }
    case Endpoint::get_task: command.operation = GetTask{task_id}; break;
    case Endpoint::patch_task: {
      if (!has_json_body(request, true)) {
        exchange->send_problem({415, "the body must be application/json or application/merge-patch+json", ""});
        return;
      }
      auto parsed = parse_task_patch(body);
      if (auto* e = std::get_if<InputError>(&parsed)) return fail(*e);
      command.operation = PatchTask{task_id, std::move(std::get<TaskPatch>(parsed))};
      break;
    }
    case Endpoint::complete_task: command.operation = CompleteTask{task_id}; break;
    case Endpoint::uncomplete_task: command.operation = UncompleteTask{task_id}; break;
    case Endpoint::delete_task: command.operation = DeleteTask{task_id}; break;
    case Endpoint::healthz:
    case Endpoint::readyz: return;
  }

  auto registry = ctx->directory->registry();
  if (!registry) {
    exchange->send_problem({503, "the service is starting or stopping", ""});
    return;
  }
  command.responder = std::make_shared<TaskResponder>(std::move(exchange));
  caf::anon_send(registry, std::move(command));
}

}  // namespace tasks::http
