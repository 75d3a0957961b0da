#pragma once

// The integration environment: the backend chosen by TASKS_TEST_DB (sqlite | postgresql), a
// PostgreSQL server started for the run when needed, one taskd serving over loopback, and a
// per-user API client that speaks the contract.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/db_peek.hpp"
#include "tests/support/event_dump.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/taskd_process.hpp"
#include "tests/support/user_api.hpp"

namespace tasks::testing {

class Environment {
 public:
  static Environment& get();

  bool postgres() const { return postgres_; }
  // A TASKS_DB value for a fresh database (SQLite: a new file; PostgreSQL: a new database).
  std::string fresh_db_url(const std::string& name);
  const std::string& db_url() const { return db_url_; }
  TaskdProcess& taskd() { return *taskd_; }
  std::unique_ptr<DbPeek> peek() { return std::make_unique<DbPeek>(db_url_); }

  // A taskd of its own (same backend, its own database unless `db_url` is given).
  std::unique_ptr<TaskdProcess> start_taskd(std::map<std::string, std::string> env = {});

  void start();
  void stop();

 private:
  bool postgres_ = false;
  std::string workdir_;
  std::unique_ptr<PostgresServer> pg_;
  std::string db_url_;
  std::unique_ptr<TaskdProcess> taskd_;
  int databases_ = 0;
};

struct GlobalEnvironment {
  // The run publishes taskd's events: the schema check expects some (tests/support/event_dump.hpp).
  GlobalEnvironment() {
    expect_events("sidecar");
    Environment::get().start();
  }
  ~GlobalEnvironment() { Environment::get().stop(); }
};

}  // namespace tasks::testing
