#include "http/routes.hpp"

namespace tasks::http {

namespace {

struct PathShape {
  std::vector<std::pair<std::string_view, Endpoint>> methods;
};

RouteMatch pick(std::string_view method, const PathShape& shape, std::string_view id) {
  RouteMatch m;
  for (const auto& [verb, endpoint] : shape.methods) {
    if (verb == method) {
      m.kind = RouteMatch::Kind::found;
      m.endpoint = endpoint;
      m.task_id = std::string(id);
      return m;
    }
  }
  m.kind = RouteMatch::Kind::method_not_allowed;
  for (const auto& [verb, _] : shape.methods) m.allowed.emplace_back(verb);
  return m;
}

}  // namespace

const char* route_template(Endpoint endpoint) {
  switch (endpoint) {
    case Endpoint::healthz: return "/healthz";
    case Endpoint::readyz: return "/readyz";
    case Endpoint::list_tasks:
    case Endpoint::create_task: return "/api/v1/tasks";
    case Endpoint::get_task:
    case Endpoint::patch_task:
    case Endpoint::delete_task: return "/api/v1/tasks/{id}";
    case Endpoint::complete_task: return "/api/v1/tasks/{id}/complete";
    case Endpoint::uncomplete_task: return "/api/v1/tasks/{id}/uncomplete";
  }
  return "unmatched";
}

RouteMatch match_route(std::string_view method, std::string_view path) {
  if (path == "/healthz") return pick(method, {{{"GET", Endpoint::healthz}}}, {});
  if (path == "/readyz") return pick(method, {{{"GET", Endpoint::readyz}}}, {});
  constexpr std::string_view base = "/api/v1/tasks";
  if (path.substr(0, base.size()) != base) return {};
  std::string_view rest = path.substr(base.size());
  if (rest.empty()) return pick(method, {{{"GET", Endpoint::list_tasks}, {"POST", Endpoint::create_task}}}, {});
  if (rest.front() != '/' || rest.size() == 1) return {};
  rest.remove_prefix(1);
  const auto slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  if (id.empty()) return {};
  if (slash == std::string_view::npos)
    return pick(method,
                {{{"GET", Endpoint::get_task}, {"PATCH", Endpoint::patch_task}, {"DELETE", Endpoint::delete_task}}},
                id);
  const std::string_view action = rest.substr(slash + 1);
  if (action == "complete") return pick(method, {{{"POST", Endpoint::complete_task}}}, id);
  if (action == "uncomplete") return pick(method, {{{"POST", Endpoint::uncomplete_task}}}, id);
  return {};
}

}  // namespace tasks::http
