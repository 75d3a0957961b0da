#pragma once

// The whole service wired together: store, actors under their supervisor, HTTP server. Used by
// taskd's main; start() fails with a ConfigError (one line naming the setting) on bad config.

#include <caf/all.hpp>
#include <memory>

#include "core/config.hpp"
#include "core/directory.hpp"
#include "http/prometheus_metrics.hpp"
#include "http/server.hpp"

namespace tasks {

class Store;
class SqliteFileLock;
class OutboxNotifications;

class Service {
 public:
  explicit Service(Config config);
  ~Service();

  // Opens the database (migrating it), starts the actors and the HTTP server.
  void start();

  // SIGTERM: refuse new requests, finish those in flight, stop the actors. Returns when done.
  void stop();

  const Config& config() const { return config_; }

 private:
  // True when every publisher drained and stopped (nothing of theirs in flight any more).
  bool drain_publishers();
  void start_lease_keeper();

  Config config_;
  // One taskd per SQLite file; declared before the store so that it outlives the connection.
  std::unique_ptr<SqliteFileLock> sqlite_lock_;
  std::shared_ptr<Store> store_;
  std::shared_ptr<ActorDirectory> directory_ = std::make_shared<ActorDirectory>();
  // Destroyed in reverse order: the servers (their io_context) outlive the actor system, whose
  // actors may still hold an exchange whose answer is posted to a connection.
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Server> admin_server_;
  std::shared_ptr<http::PrometheusMetrics> metrics_;
  std::unique_ptr<caf::actor_system_config> caf_config_;
  std::unique_ptr<caf::actor_system> system_;
  supervisor_actor supervisor_;
  lease_keeper_actor lease_keeper_;
  std::unique_ptr<OutboxNotifications> notifications_;  // PostgreSQL: other replicas' commits
  std::string replica_id_, owner_;
  bool stopped_ = false;
};

}  // namespace tasks
