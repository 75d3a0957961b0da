#include "tests/integration/fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>

#include "core/ids.hpp"

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
  taskd_ = start_taskd({{"TASKS_DB", db_url_}});
}

void Environment::stop() {
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

std::string unique_user(const std::string& prefix) {
  return prefix + "-" + new_uuid().substr(0, 8);
}

UserApi::UserApi(TaskdProcess& taskd, std::string user)
    : user_(std::move(user)), token_(taskd.token_for(user_)), http_(taskd.base_url()) {}

UserApi::UserApi(const std::string& prefix) : UserApi(Environment::get().taskd(), unique_user(prefix)) {}

std::vector<std::string> UserApi::auth(std::vector<std::string> extra) const {
  extra.push_back("Authorization: Bearer " + token_);
  return extra;
}

namespace {
std::vector<std::string> with_json(std::vector<std::string> h) {
  h.push_back("Content-Type: application/json");
  return h;
}
}  // namespace

HttpResponse UserApi::create(const nlohmann::json& body, std::vector<std::string> extra) {
  return http_.request("POST", "/api/v1/tasks", body.dump(), auth(with_json(std::move(extra))));
}
HttpResponse UserApi::get(const std::string& id) {
  return http_.request("GET", "/api/v1/tasks/" + id, "", auth());
}
HttpResponse UserApi::list(const std::string& query) {
  return http_.request("GET", "/api/v1/tasks" + query, "", auth());
}
HttpResponse UserApi::patch(const std::string& id, const nlohmann::json& body, std::vector<std::string> extra) {
  return http_.request("PATCH", "/api/v1/tasks/" + id, body.dump(), auth(with_json(std::move(extra))));
}
HttpResponse UserApi::complete(const std::string& id, std::vector<std::string> extra) {
  return http_.request("POST", "/api/v1/tasks/" + id + "/complete", "", auth(std::move(extra)));
}
HttpResponse UserApi::uncomplete(const std::string& id, std::vector<std::string> extra) {
  return http_.request("POST", "/api/v1/tasks/" + id + "/uncomplete", "", auth(std::move(extra)));
}
HttpResponse UserApi::remove(const std::string& id, std::vector<std::string> extra) {
  return http_.request("DELETE", "/api/v1/tasks/" + id, "", auth(std::move(extra)));
}

std::string UserApi::create_id(const std::string& title, std::optional<std::string> due) {
  nlohmann::json body = {{"title", title}};
  if (due) body["due_date"] = *due;
  auto r = create(body);
  BOOST_REQUIRE_MESSAGE(r.status == 201, "create failed: " + std::to_string(r.status) + " " + r.body + r.error);
  return r.json()["id"];
}

}  // namespace tasks::testing
