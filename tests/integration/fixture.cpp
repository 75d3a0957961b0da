#include "tests/integration/fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>

namespace tasks::testing {

Environment& Environment::get() {
  static Environment env;
  return env;
}

void Environment::start() {
  const char* backend = std::getenv("TASKS_TEST_DB");
  postgres_ = backend && std::string(backend) == "postgresql";
  workdir_ = make_temp_dir("tasks-it");
  if (postgres_) pg_ = std::make_unique<PostgresServer>();
  db_url_ = fresh_db_url("main");
  // The concurrency tests send a thousand requests at once and expect every one executed:
  // admission control has its own tests, with its own taskd.
  taskd_ = start_taskd({{"TASKS_DB", db_url_}, {"TASKS_MAX_IN_FLIGHT", "4096"}, {"TASKS_USER_QUEUE_LIMIT", "256"}});
  set_default_taskd(taskd_.get());
}

void Environment::stop() {
  set_default_taskd(nullptr);
  if (taskd_) {
    const int status = taskd_->terminate();
    BOOST_TEST(status == 0, "taskd exit status after SIGTERM");
  }
  taskd_.reset();
  pg_.reset();
  std::error_code ec;
  std::filesystem::remove_all(workdir_, ec);
}

std::string Environment::fresh_db_url(const std::string& name) {
  const std::string unique = name + std::to_string(++databases_);
  if (!postgres_) return "sqlite:" + workdir_ + "/" + unique + ".db";
  std::string admin = pg_->uri();
  DbPeek(admin).exec("CREATE DATABASE " + unique);
  return admin.substr(0, admin.rfind('/') + 1) + unique;
}

std::unique_ptr<TaskdProcess> Environment::start_taskd(std::map<std::string, std::string> env) {
  if (!env.count("TASKS_DB")) env["TASKS_DB"] = fresh_db_url("db");
  TaskdOptions options;
  options.env = std::move(env);
  options.workdir = make_temp_dir("taskd");
  return std::make_unique<TaskdProcess>(options);
}

}  // namespace tasks::testing
