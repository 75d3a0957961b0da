#pragma once

// The admin API's routes (contract §5) as a table, like the public ones (http/routes.hpp):
// the handler dispatches on it and openapi.yaml documents exactly it.

#include <string>
#include <string_view>
#include <vector>

namespace tasks::http {

enum class AdminEndpoint {
  metrics,
  actors,
  actor,
  publishers,
  pause_publisher,
  resume_publisher,
  cluster,
  outbox,
  outbox_topic,
  dead_letters,
  redrive_all,
  redrive_one,
  discard,
  lanes,
  discarded,
  crash_publisher,  // test-only (TASKS_FAULT_INJECTION=on)
  mangle,           // test-only
};

struct AdminRoute {
  std::string_view method;
  std::string_view path;  // {param}: one segment; a last {id} of /admin/actors takes the rest
  AdminEndpoint endpoint;
  bool fault_injection = false;  // exists only with TASKS_FAULT_INJECTION=on
};

const std::vector<AdminRoute>& admin_routes();

struct AdminMatch {
  enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
  AdminEndpoint endpoint = AdminEndpoint::metrics;
  std::vector<std::string> params;  // the {param} segments in order, percent-decoded
  std::string allow;                // for 405: "GET, HEAD" or "POST"
};

// `faults`: whether the test-only routes exist (otherwise their paths are 404).
AdminMatch match_admin_route(std::string_view method, std::string_view path, bool faults);

}  // namespace tasks::http
