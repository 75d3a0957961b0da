#pragma once

// The public REST API (contract §3) as a handler of the HTTP front: route, authenticate, check
// and parse the body, admit, then hand the actors one TaskCommand. The handler never waits: the
// actor's reply completes the exchange.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "core/directory.hpp"
#include "http/exchange.hpp"
#include "http/jwt.hpp"
#include "http/request.hpp"
#include "http/token_cache.hpp"

namespace tasks::http {

struct ApiOptions {
  TokenRules tokens;
  std::chrono::milliseconds request_timeout{10'000};  // one deadline per request, from its arrival
  long max_in_flight = 512;                           // requests with the actors at once (TASKS_MAX_IN_FLIGHT)
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds ready_timeout{2'000};  // a readiness probe's own time limit
  std::chrono::milliseconds ready_cache{1'000};    // how long a readiness result is reused
};

// The last readiness probe's result, shared by the HTTP threads so that /readyz (which anyone
// may call, unauthenticated) costs the database at most one ping per `ready_cache`.
struct Readiness {
  std::atomic<int> state{0};  // 0 unknown, 1 ready, 2 not ready
  std::atomic<long long> checked_at_ms{0};
  std::atomic<bool> probing{false};
};

struct ApiContext {
  caf::actor_system& system;
  std::shared_ptr<ActorDirectory> directory;
  std::shared_ptr<ServerState> server;
  ApiOptions options;
  std::shared_ptr<Readiness> readiness = std::make_shared<Readiness>();
  std::shared_ptr<TokenCache> tokens = std::make_shared<TokenCache>();  // for options.tokens
};

class ApiHandler : public Handler {
 public:
  explicit ApiHandler(std::shared_ptr<ApiContext> context) : context_(std::move(context)) {}
  std::optional<Refusal> screen(Request& head) override;
  void handle(Request request, std::shared_ptr<Exchange> exchange) override;

 private:
  std::shared_ptr<ApiContext> context_;
};

}  // namespace tasks::http
