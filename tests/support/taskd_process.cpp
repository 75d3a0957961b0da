#include "tests/support/taskd_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/time.hpp"
#include "http/jwt.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/wait.hpp"

extern char** environ;

namespace tasks::testing {

std::string taskd_binary() {
  const char* bin = std::getenv("TASKD_BIN");
  if (!bin) throw std::runtime_error("TASKD_BIN is not set (run the tests through ctest)");
  return bin;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TaskdProcess::TaskdProcess(TaskdOptions options) : options_(std::move(options)) {
  if (options_.workdir.empty()) options_.workdir = make_temp_dir("taskd");
  std::filesystem::create_directories(options_.workdir);
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  // The ports are picked free a moment before taskd binds them; another socket (a client's
  // ephemeral port) can take one in between. Then taskd says so and is started again on others.
  const bool own_ports = !options_.env.count("TASKS_HTTP_ADDR") && !options_.env.count("TASKS_ADMIN_ADDR");
  for (int attempt = 1;; ++attempt) {
    const auto stderr_before = stderr_text().size();
    launch(env);
    if (!options_.wait_ready) return;
    HttpClient client(base_url(), 1000);
    const bool ready = wait_until(
        [&] {
          if (!running()) return true;
          return client.request("GET", "/readyz").status == 200;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(20));
    if (ready && running()) return;
    const bool port_taken = stderr_text().find("Address already in use", stderr_before) != std::string::npos;
    if (!(port_taken && own_ports && attempt < 5) || running())
      throw std::runtime_error("taskd did not become ready; stderr: " + stderr_text() + " stdout: " + stdout_text());
  }
}

void TaskdProcess::launch(std::map<std::string, std::string> env) {
  port_ = free_port();
  env["TASKS_HTTP_ADDR"] = "127.0.0.1:" + std::to_string(port_);
  admin_port_ = free_port();
  env["TASKS_ADMIN_ADDR"] = "127.0.0.1:" + std::to_string(admin_port_);
  env["TASKS_JWT_SECRET"] = "test-secret-0123456789abcdef0123456789abcdef";
  env["TASKS_DB"] = "sqlite:" + options_.workdir + "/tasks.db";
  env["DAPR_HTTP_ENDPOINT"] = "http://127.0.0.1:" + std::to_string(free_port());  // nobody there
  for (const auto& [k, v] : options_.env) env[k] = v;
  if (auto it = env.find("TASKS_HTTP_ADDR"); it != env.end()) {
    try {
      port_ = std::stoi(it->second.substr(it->second.rfind(':') + 1));
    } catch (const std::exception&) {
      port_ = 0;  // a deliberately bad address: taskd is expected to refuse it
    }
  }
  secret_ = env["TASKS_JWT_SECRET"];

  std::vector<std::string> kvs;
  for (const auto& [k, v] : env) kvs.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& kv : kvs) envp.push_back(kv.data());
  envp.push_back(nullptr);
  const std::string bin = taskd_binary();
  const std::string out = options_.workdir + "/stdout.log", err = options_.workdir + "/stderr.log";

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(o, 1);
    dup2(e, 2);
    if (chdir(options_.workdir.c_str()) != 0) _exit(126);
    char* argv[] = {const_cast<char*>(bin.c_str()), nullptr};
    execve(bin.c_str(), argv, envp.data());
    _exit(127);
  }
}

TaskdProcess::~TaskdProcess() {
  if (pid_ > 0 && running()) terminate();
}

std::string TaskdProcess::token_for(const std::string& user, long long ttl_seconds) const {
  return http::mint_token(user, secret_, std::chrono::seconds(ttl_seconds), now_millis() / 1000);
}

bool TaskdProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    pid_ = -1;
    return false;
  }
  return true;
}

int TaskdProcess::terminate(int deadline_ms) {
  if (!running()) return status_;
  ::kill(pid_, SIGTERM);
  if (!wait_until([&] { return !running(); }, std::chrono::milliseconds(deadline_ms))) {
    kill_hard();
    return -SIGKILL;
  }
  return status_;
}

std::optional<int> TaskdProcess::wait_exit(int deadline_ms) {
  if (!wait_until([&] { return !running(); }, std::chrono::milliseconds(deadline_ms))) return std::nullopt;
  return status_;
}

void TaskdProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  status_ = -SIGKILL;
  pid_ = -1;
}

std::string TaskdProcess::stdout_text() const {
  return read_whole_file(options_.workdir + "/stdout.log");
}
std::string TaskdProcess::stderr_text() const {
  return read_whole_file(options_.workdir + "/stderr.log");
}

}  // namespace tasks::testing
