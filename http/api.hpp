#pragma once

// The public REST API (contract §3) as a Pistache handler: route, authenticate, check and parse
// the body, then hand the actors one TaskCommand. The handler thread never waits: the actor's
// reply completes the response.

#include <pistache/http.h>
#include <chrono>
#include <memory>
#include <string>

#include "core/directory.hpp"
#include "http/exchange.hpp"
#include "http/jwt.hpp"

namespace tasks::http {

struct ApiOptions {
  TokenRules tokens;
  std::chrono::milliseconds request_timeout{10'000};
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds ready_timeout{2'000};
};

struct ApiContext {
  caf::actor_system& system;
  std::shared_ptr<ActorDirectory> directory;
  std::shared_ptr<ServerState> server;
  ApiOptions options;
};

class ApiHandler : public Pistache::Http::Handler {
 public:
  HTTP_PROTOTYPE(ApiHandler)
  explicit ApiHandler(std::shared_ptr<ApiContext> context) : context_(std::move(context)) {}
  void onRequest(const Pistache::Http::Request& request, Pistache::Http::ResponseWriter response) override;

 private:
  std::shared_ptr<ApiContext> context_;
};

}  // namespace tasks::http
