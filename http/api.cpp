#include "http/api.hpp"

#include "core/embedded.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "core/validation.hpp"
#include "http/idempotency.hpp"
#include "http/percent.hpp"
#include "http/request_meta.hpp"
#include "http/routes.hpp"

namespace tasks::http {

namespace {

// HEAD is answered as GET without the body (the connection drops it).
RouteMatch route_of(const Request& request) {
  return match_route(request.is_head() ? std::string_view("GET") : std::string_view(request.method), request.path);
}

std::string allow_list(const RouteMatch& route) {
  std::string allow;
  for (const auto& m : route.allowed) {
    allow += (allow.empty() ? "" : ", ") + m;
    if (m == "GET") allow += ", HEAD";
  }
  return allow;
}

// 404 or 405 for a request that matches no route.
std::optional<Refusal> route_refusal(const Request& request, const RouteMatch& route) {
  if (route.kind == RouteMatch::Kind::not_found)
    return Refusal{{404, "no route for " + request.method + " " + request.path.substr(0, 200), ""}};
  if (route.kind == RouteMatch::Kind::method_not_allowed) {
    const auto allow = allow_list(route);
    return Refusal{{405, request.method + " is not allowed here; allowed: " + allow, ""}, {{"Allow", allow}}};
  }
  return std::nullopt;
}

// The user the bearer token names, or the 401 to answer.
std::variant<std::string, Refusal> authenticate(const Request& request, const TokenRules& rules, TokenCache& cache) {
  auto token = bearer_token(request.header("Authorization"));
  if (!token)
    return Refusal{{401, "an Authorization: Bearer <JWT> header is required", ""}, {{"WWW-Authenticate", "Bearer"}}};
  auto verified = cache.verify(*token, rules, now_millis() / 1000);
  if (auto* err = std::get_if<TokenError>(&verified))
    return Refusal{{401, err->reason, ""}, {{"WWW-Authenticate", R"(Bearer error="invalid_token")"}}};
  return std::get<std::string>(std::move(verified));
}

bool has_json_body(const Request& request, bool allow_merge_patch) {
  auto type = request.header("Content-Type");
  if (!type) return false;
  auto media = media_type(*type);
  return media == "application/json" || (allow_merge_patch && media == "application/merge-patch+json");
}

// 415 for the endpoints that take a body, when it is not JSON.
std::optional<Refusal> media_refusal(const Request& request, Endpoint endpoint) {
  if (endpoint == Endpoint::create_task && !has_json_body(request, false))
    return Refusal{{415, "the body must be application/json", ""}};
  if (endpoint == Endpoint::patch_task && !has_json_body(request, true))
    return Refusal{{415, "the body must be application/json or application/merge-patch+json", ""}};
  return std::nullopt;
}

// The request's trace context. Several tracestate fields are one list (W3C, RFC 9110 §5.3).
TraceContext trace_of(const Request& request) {
  return trace_context_from(request.header("traceparent"), request.combined("tracestate"));
}

// A refusal from the head carries the request's traceparent like every other answer.
Refusal traced(Refusal refusal, const Request& head) {
  refusal.headers.emplace_back("traceparent", trace_of(head).traceparent);
  return refusal;
}

void send_refusal(Exchange& exchange, const Refusal& refusal) {
  exchange.send_problem(refusal.problem, refusal.headers);
}

// The next page's link: the same query with `after` instead of `offset`.
std::string next_page_prefix(const ListQuery& query) {
  std::string link = "/api/v1/tasks?limit=" + std::to_string(query.limit);
  if (query.completed) link += *query.completed ? "&completed=true" : "&completed=false";
  return link + "&after=";
}

void answer_readiness(caf::event_based_actor* self, std::shared_ptr<Exchange> exchange, task_reader_actor reader,
                      std::chrono::milliseconds timeout, std::shared_ptr<Readiness> readiness) {
  auto finish = [=](bool ok, const char* why) {
    readiness->state = ok ? 1 : 2;
    readiness->checked_at_ms = now_millis();
    readiness->probing = false;
    if (ok)
      exchange->send_json(200, R"({"status":"ready"})");
    else
      exchange->send_problem({503, why, ""});
  };
  self->request(reader, timeout, ping_atom::value)
      .then([=](bool ok) { finish(ok, "the database is unreachable"); },
            [=](caf::error&) { finish(false, "the database did not answer in time"); });
}

// /readyz is unauthenticated: answered from the last probe when it is recent, so that it can
// never load the database; otherwise one probe at a time asks the task reader (never the writer).
void readiness(const std::shared_ptr<ApiContext>& ctx, std::shared_ptr<Exchange> exchange) {
  auto reader = ctx->directory->reader();
  if (ctx->server->draining.load() || !reader) {
    exchange->send_problem({503, "the service is shutting down", ""});
    return;
  }
  auto& r = *ctx->readiness;
  const int known = r.state.load();
  const bool fresh = now_millis() - r.checked_at_ms.load() < ctx->options.ready_cache.count();
  bool was_probing = r.probing.exchange(true);
  if (known != 0 && (fresh || was_probing)) {
    if (!was_probing) r.probing = false;
    if (known == 1) return exchange->send_json(200, R"({"status":"ready"})");
    return exchange->send_problem({503, "the database is unreachable", ""});
  }
  // A short-lived actor asks and answers. (Its state travels as spawn arguments: CAF 0.17
  // dereferences a null tuple for argument-less function actors, which UBSan reports.)
  ctx->system.spawn(answer_readiness, std::move(exchange), reader, ctx->options.ready_timeout, ctx->readiness);
}

}  // namespace

std::optional<Refusal> ApiHandler::screen(Request& head) {
  const auto route = route_of(head);
  if (auto refusal = route_refusal(head, route)) return traced(std::move(*refusal), head);
  if (is_public(route.endpoint)) return std::nullopt;
  if (context_->server->draining.load()) return traced(Refusal{{503, "the service is shutting down", ""}}, head);
  auto user = authenticate(head, context_->options.tokens, *context_->tokens);
  if (auto* refusal = std::get_if<Refusal>(&user)) return traced(std::move(*refusal), head);
  head.principal = std::get<std::string>(std::move(user));
  if (auto refusal = media_refusal(head, route.endpoint)) return traced(std::move(*refusal), head);
  return std::nullopt;
}

void ApiHandler::handle(Request request, std::shared_ptr<Exchange> exchange) {
  const auto& ctx = context_;
  // First, so that every answer from here on (refusals included) carries the traceparent.
  auto trace = trace_of(request);
  exchange->set_traceparent(trace.traceparent);
  const auto route = route_of(request);
  exchange->describe(request.method,
                     route.kind == RouteMatch::Kind::found ? route_template(route.endpoint) : "unmatched");
  if (auto refusal = route_refusal(request, route)) return send_refusal(*exchange, *refusal);
  if (route.endpoint == Endpoint::healthz) return exchange->send_json(200, R"({"status":"ok"})");
  if (route.endpoint == Endpoint::readyz) return readiness(ctx, exchange);
  if (route.endpoint == Endpoint::openapi)
    return exchange->send(200, std::string(embedded::openapi_yaml()), "application/yaml");
  if (ctx->server->draining.load()) return exchange->send_problem({503, "the service is shutting down", ""});

  // Authentication: a user sees only their own tasks (a request with a body was authenticated
  // from its head already).
  auto user = request.principal.empty() ? authenticate(request, ctx->options.tokens, *ctx->tokens)
                                        : std::variant<std::string, Refusal>(request.principal);
  if (auto* refusal = std::get_if<Refusal>(&user)) return send_refusal(*exchange, *refusal);

  if (request.body.size() > ctx->options.max_body_bytes)
    return exchange->send_problem({413, "the body is larger than 64 KiB", ""});
  if (auto refusal = media_refusal(request, route.endpoint)) return send_refusal(*exchange, *refusal);

  TaskCommand command;
  command.context.user_id = std::get<std::string>(std::move(user));
  command.context.correlation_id = exchange->correlation_id();
  command.context.traceparent = std::move(trace.traceparent);
  command.context.tracestate = std::move(trace.tracestate);
  command.context.received_at = request.received_at;
  command.context.deadline = request.received_at + ctx->options.request_timeout;

  auto fail = [&](const InputError& e) { exchange->send_problem({e.status, e.detail, e.field}); };
  std::string task_id;
  if (!route.task_id.empty()) {
    auto id = canonical_uuid(route.task_id);
    if (!id) return exchange->send_problem({404, "no task with id " + route.task_id.substr(0, 64), ""});
    task_id = *id;
  }

  std::string next_link;
  switch (route.endpoint) {
    case Endpoint::create_task: {
      auto parsed = parse_new_task(request.body);
      if (auto* e = std::get_if<InputError>(&parsed)) return fail(*e);
      command.operation = CreateTask{std::move(std::get<NewTask>(parsed))};
      break;
    }
    case Endpoint::list_tasks: {
      auto params = query_parameters(request.query);
      if (auto* e = std::get_if<InputError>(&params)) return fail(*e);
      auto parsed = parse_list_query(std::get<0>(params));
      if (auto* e = std::get_if<InputError>(&parsed)) return fail(*e);
      next_link = next_page_prefix(std::get<ListQuery>(parsed));
      command.operation = ListTasks{std::get<ListQuery>(parsed)};
      break;
    }
    case Endpoint::get_task: command.operation = GetTask{task_id}; break;
    case Endpoint::patch_task: {
      auto parsed = parse_task_patch(request.body);
      if (auto* e = std::get_if<InputError>(&parsed)) return fail(*e);
      command.operation = PatchTask{task_id, std::move(std::get<TaskPatch>(parsed))};
      break;
    }
    case Endpoint::complete_task: command.operation = CompleteTask{task_id}; break;
    case Endpoint::uncomplete_task: command.operation = UncompleteTask{task_id}; break;
    case Endpoint::delete_task: command.operation = DeleteTask{task_id}; break;
    case Endpoint::healthz:
    case Endpoint::readyz:
    case Endpoint::openapi: return;
  }

  if (is_mutation(command.operation)) {
    auto key = parse_idempotency_key(request.header("Idempotency-Key"));
    if (auto* e = std::get_if<KeyError>(&key)) return exchange->send_problem({400, e->detail, "Idempotency-Key"});
    if (auto& k = std::get<std::optional<std::string>>(key))
      command.context.idempotency = IdempotencyKey{*k, request_fingerprint(request.method, request.path, request.body)};
  }

  // Admission: past the bound a fast 503 instead of a queue that only grows.
  if (ctx->server->in_flight.load() > ctx->options.max_in_flight) {
    if (ctx->server->metrics) ctx->server->metrics->http_shed("in_flight");
    return exchange->send_problem({503, "the service is at capacity; nothing was written, retry shortly", ""});
  }
  auto registry = ctx->directory->registry();
  if (!registry) return exchange->send_problem({503, "the service is starting or stopping", ""});
  auto responder = std::make_shared<TaskResponder>(std::move(exchange));
  responder->set_next_link(std::move(next_link));
  command.responder = std::move(responder);
  caf::anon_send(registry, std::move(command));
}

}  // namespace tasks::http
