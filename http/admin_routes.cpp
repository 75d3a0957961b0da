#include "http/admin_routes.hpp"

#include "http/percent.hpp"

namespace tasks::http {

const std::vector<AdminRoute>& admin_routes() {
  using E = AdminEndpoint;
  static const std::vector<AdminRoute> routes = {
      {"GET", "/metrics", E::metrics},
      {"GET", "/admin/actors", E::actors},
      {"GET", "/admin/actors/{id}", E::actor},
      {"GET", "/admin/publishers", E::publishers},
      {"POST", "/admin/publishers/{topic}/pause", E::pause_publisher},
      {"POST", "/admin/publishers/{topic}/resume", E::resume_publisher},
      {"GET", "/admin/cluster", E::cluster},
      {"GET", "/admin/outbox", E::outbox},
      {"GET", "/admin/outbox/{topic}", E::outbox_topic},
      {"GET", "/admin/dead-letters", E::dead_letters},
      {"POST", "/admin/dead-letters/redrive", E::redrive_all},
      {"POST", "/admin/dead-letters/{event_id}/redrive", E::redrive_one},
      {"POST", "/admin/dead-letters/{event_id}/discard", E::discard},
      {"GET", "/admin/lanes", E::lanes},
      {"GET", "/admin/discarded", E::discarded},
      {"POST", "/admin/faults/crash/publisher/{topic}", E::crash_publisher, true},
      {"POST", "/admin/faults/mangle/{topic}/{user}", E::mangle, true},
  };
  return routes;
}

namespace {

// Segment by segment: a literal must be equal, a {param} takes one non-empty segment, except that
// an actor's id takes the rest of the path ("user/alice" may arrive unencoded).
bool matches(const AdminRoute& route, std::string_view path, std::vector<std::string>& params) {
  std::string_view t = route.path;
  params.clear();
  while (!t.empty() && !path.empty()) {
    if (t.front() != '/' || path.front() != '/') return false;
    t.remove_prefix(1);
    path.remove_prefix(1);
    const auto literal = t.substr(0, t.find('/'));
    const bool rest = route.endpoint == AdminEndpoint::actor && literal.size() == t.size();
    const auto segment = path.substr(0, rest ? std::string_view::npos : path.find('/'));
    if (literal.front() == '{') {
      if (segment.empty()) return false;
      // A '+' is itself here: the user alice+test@example.com is not "alice test@example.com".
      auto decoded = percent_decode(segment, PlusSign::literal);
      params.push_back(std::holds_alternative<std::string>(decoded) ? std::get<std::string>(std::move(decoded))
                                                                    : std::string(segment));
    } else if (literal != segment) {
      return false;
    }
    t.remove_prefix(literal.size());
    path.remove_prefix(segment.size());
  }
  return t.empty() && path.empty();
}

}  // namespace

AdminMatch match_admin_route(std::string_view method, std::string_view path, bool faults) {
  AdminMatch m;
  std::vector<std::string> params;
  for (const auto& r : admin_routes()) {
    if ((r.fault_injection && !faults) || !matches(r, path, params)) continue;
    if (r.method == method) {
      m.kind = AdminMatch::Kind::found;
      m.endpoint = r.endpoint;
      m.params = std::move(params);
      return m;
    }
    m.kind = AdminMatch::Kind::method_not_allowed;
    m.allow = r.method == "GET" ? "GET, HEAD" : std::string(r.method);
  }
  return m;
}

}  // namespace tasks::http
