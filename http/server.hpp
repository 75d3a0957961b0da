#pragma once

// An HTTP/1.1 server (Boost.Asio, a strand per connection) serving one handler: the public
// API or the admin API. It bounds what clients can take (connections, head and body sizes,
// slow and idle clients), answers framing errors itself, and stops gracefully: refuse new
// requests, let those in flight finish, then close.

#include <chrono>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "http/exchange.hpp"
#include "http/framing.hpp"

namespace tasks::http {

struct ServerOptions {
  HostPort address;
  int threads = 2;
  FramingLimits limits;
  std::chrono::milliseconds idle_timeout{60'000};  // TASKS_HTTP_IDLE_TIMEOUT
  std::chrono::milliseconds read_timeout{10'000};  // TASKS_HTTP_READ_TIMEOUT
  int max_connections = 10'000;                    // TASKS_HTTP_MAX_CONNECTIONS (capped by the fd limit)
};

// The open-file limit leaves room for the database, the publishers and the logs: connections
// get what remains (at least 1).
int connection_cap(int wanted, long open_file_limit);

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<Handler> handler, std::shared_ptr<ServerState> state);
  // Destroy only after everything that may still hold an Exchange of this server (the actors).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads. Throws ConfigError naming the variable
  // `address_variable` when the address cannot be bound.
  void start(const std::string& address_variable);

  // New requests get 503 from now on; returns true when none was left in flight by the deadline.
  bool drain(std::chrono::milliseconds deadline);

  // Stops accepting, closes the connections and stops the threads.
  void shutdown();

  std::shared_ptr<ServerState> state() const { return state_; }
  int max_connections() const { return max_connections_; }
  long open_connections() const;

 private:
  struct Impl;
  ServerOptions options_;
  std::shared_ptr<Handler> handler_;
  std::shared_ptr<ServerState> state_;
  int max_connections_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tasks::http
