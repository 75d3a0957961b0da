#pragma once

// An HTTP server: a Pistache endpoint serving one handler (the public API or the admin API),
// with a graceful stop (refuse new requests, let those in flight finish, then close).

#include <pistache/http.h>
#include <chrono>
#include <memory>

#include "core/config.hpp"
#include "http/exchange.hpp"

namespace Pistache::Http {
class Endpoint;
}

namespace tasks::http {

struct ServerOptions {
  HostPort address;
  int threads = 2;
  size_t max_request_bytes = 1024 * 1024;  // Pistache's own limit (headers included); the API's is 64 KiB
  std::chrono::seconds keepalive{60};
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<Pistache::Http::Handler> handler, std::shared_ptr<ServerState> state);
  ~Server();

  // Binds and starts serving on background threads. Throws ConfigError naming the variable
  // `address_variable` when the address cannot be bound.
  void start(const std::string& address_variable);

  // New requests get 503 from now on; returns true when none was left in flight by the deadline.
  bool drain(std::chrono::milliseconds deadline);

  // Stops the endpoint's threads (the Endpoint object lives on until destruction).
  void shutdown();

  std::shared_ptr<ServerState> state() const { return state_; }

 private:
  ServerOptions options_;
  std::shared_ptr<Pistache::Http::Handler> handler_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<Pistache::Http::Endpoint> endpoint_;
  bool running_ = false;
};

}  // namespace tasks::http
