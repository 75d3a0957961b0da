#include "http/routes.hpp"

namespace tasks::http {

const std::vector<PublicRoute>& public_routes() {
  static const std::vector<PublicRoute> routes = {
      {"GET", "/healthz", Endpoint::healthz},
      {"GET", "/readyz", Endpoint::readyz},
      {"GET", "/openapi.yaml", Endpoint::openapi},
      {"GET", "/api/v1/tasks", Endpoint::list_tasks},
      {"POST", "/api/v1/tasks", Endpoint::create_task},
      {"GET", "/api/v1/tasks/{id}", Endpoint::get_task},
      {"PATCH", "/api/v1/tasks/{id}", Endpoint::patch_task},
      {"DELETE", "/api/v1/tasks/{id}", Endpoint::delete_task},
      {"POST", "/api/v1/tasks/{id}/complete", Endpoint::complete_task},
      {"POST", "/api/v1/tasks/{id}/uncomplete", Endpoint::uncomplete_task},
  };
  return routes;
}

bool path_matches(std::string_view path_template, std::string_view path, std::string_view& param) {
  size_t t = 0, p = 0;
  while (t < path_template.size() && p < path.size()) {
    if (path_template[t] == '{') {
      const auto close = path_template.find('}', t);
      const auto segment = path.substr(p, path.find('/', p) - p);
      if (close == std::string_view::npos || segment.empty()) return false;
      param = segment;
      t = close + 1;
      p += segment.size();
    } else if (path_template[t++] != path[p++]) {
      return false;
    }
  }
  return t == path_template.size() && p == path.size();
}

const char* route_template(Endpoint endpoint) {
  for (const auto& r : public_routes())
    if (r.endpoint == endpoint) return r.path.data();  // the table's literals end in NUL
  return "unmatched";
}

bool is_public(Endpoint endpoint) {
  return endpoint == Endpoint::healthz || endpoint == Endpoint::readyz || endpoint == Endpoint::openapi;
}

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch m;
  for (const auto& r : public_routes()) {
    std::string_view param;
    if (!path_matches(r.path, path, param)) continue;
    if (r.method == method && m.kind != RouteMatch::Kind::found) {
      m.kind = RouteMatch::Kind::found;
      m.endpoint = r.endpoint;
      m.task_id = std::string(param);
    }
    m.allowed.emplace_back(r.method);
  }
  if (m.kind == RouteMatch::Kind::found)
    m.allowed.clear();
  else if (!m.allowed.empty())
    m.kind = RouteMatch::Kind::method_not_allowed;
  return m;
}

}  // namespace tasks::http
