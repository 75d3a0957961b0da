#pragma once

// The public routes (contract §3): a table of method and path template, and a pure function from
// method and path to what is asked. openapi.yaml documents exactly this table (and the admin
// API's, http/admin_routes.hpp): tests/unit/test_openapi_routes.cpp holds the two together.

#include <string>
#include <string_view>
#include <vector>

namespace tasks::http {

enum class Endpoint {
  healthz,
  readyz,
  openapi,
  list_tasks,
  create_task,
  get_task,
  patch_task,
  delete_task,
  complete_task,
  uncomplete_task,
};

// One route: a method and a path template whose {param} stands for one non-empty segment.
struct PublicRoute {
  std::string_view method;
  std::string_view path;
  Endpoint endpoint;
};

// Every public route, in the order a path's methods are listed in `Allow`.
const std::vector<PublicRoute>& public_routes();

struct RouteMatch {
  enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
  Endpoint endpoint = Endpoint::healthz;
  std::string task_id;               // the raw {id} segment, not yet checked
  std::vector<std::string> allowed;  // for 405: the methods the path does accept
};

RouteMatch match_route(std::string_view method, std::string_view path);

// Whether `path` has the shape of `path_template`: literal characters equal, each {param} one
// non-empty segment (without '/'), stored in `param` (the last one when there are several).
bool path_matches(std::string_view path_template, std::string_view path, std::string_view& param);

// The route as a template ("/api/v1/tasks/{id}"), for metrics labels.
const char* route_template(Endpoint endpoint);

// Endpoints that answer without a token: the probes and the OpenAPI document.
bool is_public(Endpoint endpoint);

}  // namespace tasks::http
