#pragma once

// The admin API (contract §5) and /metrics, on TASKS_ADMIN_ADDR: a window onto the actors for
// operators and `taskctl shell`. Every answer is gathered from the actors' own status replies
// by a short-lived actor, so the HTTP thread never waits.
//
// The routes are the table in http/admin_routes.cpp (documented in openapi.yaml).

#include <memory>
#include <string>

#include "core/directory.hpp"
#include "http/exchange.hpp"
#include "http/prometheus_metrics.hpp"
#include "http/request.hpp"

namespace tasks::http {

struct AdminContext {
  caf::actor_system& system;
  std::shared_ptr<ActorDirectory> directory;
  std::shared_ptr<ServerState> server;
  std::shared_ptr<PrometheusMetrics> metrics;
  std::string token;  // when set, every request needs `Authorization: Bearer <token>`
  std::chrono::milliseconds timeout{3'000};
  bool fault_injection = false;  // tests only: POST /admin/faults/crash/{actor id}
};

class AdminHandler : public Handler {
 public:
  explicit AdminHandler(std::shared_ptr<AdminContext> context) : context_(std::move(context)) {}
  std::optional<Refusal> screen(Request& head) override;
  void handle(Request request, std::shared_ptr<Exchange> exchange) override;

 private:
  std::shared_ptr<AdminContext> context_;
};

}  // namespace tasks::http
