// Start-up and shutdown as an operator sees them: bad configuration is one line naming the
// variable and a non-zero exit; SIGTERM exits 0; taskctl's tokens open the API.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace tasks::testing;

namespace {

// Starts taskd with `env` and expects it to stop by itself with a non-zero status.
std::string refused_start(std::map<std::string, std::string> env) {
  TaskdOptions options;
  options.env = std::move(env);
  options.wait_ready = false;
  TaskdProcess taskd(options);
  auto status = taskd.wait_exit(30'000);
  BOOST_REQUIRE_MESSAGE(status.has_value(), "taskd kept running with bad configuration");
  BOOST_TEST(*status != 0);
  return taskd.stderr_text();
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(startup)

BOOST_AUTO_TEST_CASE(bad_configuration_names_the_variable) {
  for (const auto& [variable, value] : std::vector<std::pair<std::string, std::string>>{
           {"TASKS_HTTP_ADDR", "not-an-address"},
           {"TASKS_DB", "mongodb://localhost/tasks"},
           {"TASKS_LOG_FORMAT", "yaml"},
           {"TASKS_REQUEST_TIMEOUT", "forever"},
           {"TASKS_ADMIN_ADDR", "0.0.0.0:9999"},
           {"TASKS_JWT_SECRET", "too-short-a-secret"},
           {"TASKS_REQUEST_TIMEOUT", "61s"},
           {"TASKS_REQUEST_TIMEOUT", "50ms"},
           {"TASKS_JWT_LEEWAY", "10m"},
           {"TASKS_MAX_IN_FLIGHT", "0"},
           {"TASKS_USER_QUEUE_LIMIT", "lots"},
           {"TASKS_HTTP_MAX_CONNECTIONS", "-1"},
           {"TASKS_HTTP_READ_TIMEOUT", "1h"},
           {"TASKS_IDEMPOTENCY_TTL", "5s"},
           {"TASKS_MAX_TASKS_PER_USER", "0"},
           {"TASKS_DB_TCP_USER_TIMEOUT", "0s"},
       }) {
    auto err = refused_start({{variable, value}});
    BOOST_TEST(err.find(variable + ":") != std::string::npos, variable << " -> " << err);
    BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 1, "one line: " << err);
  }
}

BOOST_AUTO_TEST_CASE(an_unreachable_database_at_start_up_is_bad_configuration) {
  const std::string db =
      Environment::get().postgres() ? "postgresql://nobody@127.0.0.1:1/none" : "sqlite:/proc/self/no/such/dir/tasks.db";
  auto err = refused_start({{"TASKS_DB", db}});
  BOOST_TEST(err.find("TASKS_DB:") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(an_address_in_use_is_reported) {
  auto& shared = Environment::get().taskd();
  auto err = refused_start({{"TASKS_HTTP_ADDR", "127.0.0.1:" + std::to_string(shared.port())}});
  BOOST_TEST(err.find("TASKS_HTTP_ADDR:") != std::string::npos, err);
}

BOOST_AUTO_TEST_CASE(sigterm_finishes_and_exits_zero) {
  auto taskd = Environment::get().start_taskd();
  UserApi alice(*taskd, "alice");
  alice.create_id("before shutdown");
  BOOST_TEST(taskd->terminate() == 0);
  BOOST_TEST(taskd->stdout_text().find("taskd stopped") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(taskctl_mints_tokens_the_api_accepts) {
  auto& taskd = Environment::get().taskd();
  const char* bin = std::getenv("TASKCTL_BIN");
  BOOST_REQUIRE(bin);
  const std::string token =
      run("TASKS_JWT_SECRET='" + taskd.jwt_secret() + "' " + bin + " token --user carol --ttl 120");
  HttpClient http(taskd.base_url());
  auto r = http.request("POST", "/api/v1/tasks", R"({"title":"from taskctl"})",
                        {"Authorization: Bearer " + token, "Content-Type: application/json"});
  BOOST_TEST(r.status == 201);
  BOOST_TEST(r.json()["user_id"] == "carol");
  // Without a secret it refuses with one line.
  BOOST_TEST(run("env -u TASKS_JWT_SECRET " + std::string(bin) + " token --user carol 2>&1").find("TASKS_JWT_SECRET") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(dev_mode_prints_a_working_demo_token) {
  TaskdOptions options;
  options.env = {{"TASKS_JWT_SECRET", ""}};
  options.wait_ready = true;
  TaskdProcess taskd(options);
  const auto err = taskd.stderr_text();
  BOOST_TEST(err.find("DEV MODE") != std::string::npos);
  auto at = err.find("export TOKEN=");
  BOOST_REQUIRE(at != std::string::npos);
  const std::string token = err.substr(at + 13, err.find('\n', at) - at - 13);
  HttpClient http(taskd.base_url());
  auto r = http.request("GET", "/api/v1/tasks", "", {"Authorization: Bearer " + token});
  BOOST_TEST(r.status == 200);
}

// Replicas of a new deployment start at the same moment on an empty database: every one of them
// must start (the migrations serialise on a lock, the table that records them included).
BOOST_AUTO_TEST_CASE(replicas_starting_together_on_a_new_database_all_start) {
  if (!Environment::get().postgres()) {
    BOOST_TEST_MESSAGE("skipped: several processes on one database is PostgreSQL only");
    return;
  }
  const auto db = Environment::get().fresh_db_url("together");
  std::vector<std::unique_ptr<TaskdProcess>> replicas(3);
  std::vector<std::string> failures(3);
  std::vector<std::thread> starters;
  for (size_t i = 0; i < replicas.size(); ++i)
    starters.emplace_back([&, i] {
      try {
        replicas[i] = Environment::get().start_taskd({{"TASKS_DB", db}, {"TASKS_REPLICA_ID", "r" + std::to_string(i)}});
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  for (auto& t : starters) t.join();
  for (size_t i = 0; i < replicas.size(); ++i) {
    BOOST_TEST(failures[i].empty(), "replica " << i << ": " << failures[i]);
    if (replicas[i]) BOOST_TEST(replicas[i]->terminate() == 0);
  }
}

// The bucket count is fixed at a database's first start: another value is one line naming it.
BOOST_AUTO_TEST_CASE(a_different_bucket_count_is_refused_in_one_line) {
  const auto db = Environment::get().fresh_db_url("buckets");
  Environment::get().start_taskd({{"TASKS_DB", db}, {"TASKS_LEASE_BUCKETS", "64"}})->terminate();
  const auto err = refused_start({{"TASKS_DB", db}, {"TASKS_LEASE_BUCKETS", "128"}});
  BOOST_TEST(err.find("TASKS_LEASE_BUCKETS: is 128 but this database was set up with 64 buckets") != std::string::npos,
             err);
  BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 1);
}

BOOST_AUTO_TEST_SUITE_END()
