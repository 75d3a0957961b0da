#pragma once

// The public routes (contract §3): a pure function from method and path to what is asked.

#include <string>
#include <string_view>
#include <vector>

namespace tasks::http {

enum class Endpoint {
  healthz,
  readyz,
  list_tasks,
  create_task,
  get_task,
  patch_task,
  delete_task,
  complete_task,
  uncomplete_task,
};

struct RouteMatch {
  enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
  Endpoint endpoint = Endpoint::healthz;
  std::string task_id;               // the raw {id} segment, not yet checked
  std::vector<std::string> allowed;  // for 405: the methods the path does accept
};

RouteMatch match_route(std::string_view method, std::string_view path);

// The route as a template ("/api/v1/tasks/{id}"), for metrics labels.
const char* route_template(Endpoint endpoint);

}  // namespace tasks::http
