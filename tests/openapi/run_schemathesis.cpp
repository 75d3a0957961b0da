// The schemathesis_* ctests: a real taskd (on SQLite, or on a PostgreSQL server started for the
// run, as the integration suite does) probed by Schemathesis from openapi.yaml: the public API
// as two users (alice, bob) and the admin API with its token. Passes when both runs pass and
// taskd then stops cleanly.
//
//   run_schemathesis SCHEMATHESIS_BIN OPENAPI_YAML TESTS_OPENAPI_DIR
//   env: TASKS_TEST_DB (sqlite | postgresql), TASKD_BIN; SCHEMATHESIS_EXAMPLES (per operation,
//   default 30), SCHEMATHESIS_SEED (default fixed, so that `make test` is repeatable).

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/postgres_server.hpp"
#include "tests/support/taskd_process.hpp"

using namespace tasks::testing;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// Runs argv with extra environment entries; its exit status (or 128 + signal).
int run(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::cout << "+";
  for (const auto& a : argv) std::cout << " " << a;
  std::cout << std::endl;
  const pid_t pid = fork();
  if (pid == 0) {
    for (const auto& kv : env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The Web Fuzzing Commons auth file Schemathesis takes its users from.
void write_users(const std::string& path, const TaskdProcess& taskd) {
  nlohmann::json auth = nlohmann::json::array();
  for (const char* user : {"alice", "bob"})
    auth.push_back({{"name", user},
                    {"fixedHeaders", {{{"name", "Authorization"}, {"value", "Bearer " + taskd.token_for(user)}}}}});
  std::ofstream(path) << nlohmann::json{{"schemaVersion", "0.2.0"}, {"auth", auth}}.dump(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: run_schemathesis SCHEMATHESIS_BIN OPENAPI_YAML TESTS_OPENAPI_DIR\n";
    return 2;
  }
  const std::string schemathesis = argv[1], spec = argv[2], dir = argv[3];
  if (!std::filesystem::exists(schemathesis)) {
    std::cerr << schemathesis << " is missing: `make openapi-tools` installs it (make test does)\n";
    return 1;
  }
  const bool postgres = env_or("TASKS_TEST_DB", "sqlite") == "postgresql";
  const std::string work = make_temp_dir("tasks-schemathesis");
  std::unique_ptr<PostgresServer> pg;
  if (postgres) pg = std::make_unique<PostgresServer>();
  const std::string admin_token = "schemathesis-admin-token";
  TaskdOptions options;
  options.workdir = work + "/taskd";
  options.env = {{"TASKS_ADMIN_TOKEN", admin_token}, {"TASKS_LOG_LEVEL", "warn"}};
  if (pg) options.env["TASKS_DB"] = pg->uri();
  TaskdProcess taskd(options);
  write_users(work + "/users.json", taskd);

  const std::string examples = env_or("SCHEMATHESIS_EXAMPLES", "30"), seed = env_or("SCHEMATHESIS_SEED", "20261202");
  auto command = [&](const std::string& config, const std::string& url, std::vector<std::string> only) {
    std::vector<std::string> args = {
        schemathesis, "--config-file",  config,   "run",    spec, "--url",     url, "--checks",
        "all",        "--max-examples", examples, "--seed", seed, "--workers", "1", "--no-color"};
    args.insert(args.end(), only.begin(), only.end());
    return args;
  };
  const std::vector<std::string> env = {"SCHEMATHESIS_WFC=" + work + "/users.json",
                                        "SCHEMATHESIS_HOOKS=" + dir + "/hooks.py"};
  const int public_api =
      run(command(dir + "/schemathesis-public.toml", taskd.base_url(), {"--exclude-tag", "admin"}), env);
  const int admin_api = run(command(dir + "/schemathesis-admin.toml", taskd.admin_url(),
                                    {"--include-tag", "admin", "--exclude-tag", "test-only", "--header",
                                     "Authorization: Bearer " + admin_token}),
                            env);
  const int stopped = taskd.terminate();
  std::cout << "public API: " << (public_api ? "FAILED" : "passed")
            << "; admin API: " << (admin_api ? "FAILED" : "passed") << "; taskd exit status after SIGTERM: " << stopped
            << std::endl;
  if (stopped != 0) std::cerr << taskd.stderr_text().substr(0, 4000);
  std::error_code ec;
  std::filesystem::remove_all(work, ec);
  return public_api || admin_api || stopped ? 1 : 0;
}
