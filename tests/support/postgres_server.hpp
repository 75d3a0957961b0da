#pragma once

// A real PostgreSQL 15 server for one test run: initdb into a temporary directory, started on a
// free loopback port, removed at the end. Runs as the `postgres` user when the tests run as root
// (PostgreSQL refuses to run as root).

#include <string>

namespace tasks::testing {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgresql://tasks@127.0.0.1:PORT/tasks
  std::string uri() const;
  int port() const { return port_; }

  void stop();   // fast shutdown (connections are cut)
  void start();  // again, same data and port

 private:
  std::string run(const std::string& command) const;  // as the server's owner; throws on failure
  std::string dir_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace tasks::testing
