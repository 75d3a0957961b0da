#pragma once

// A real taskd process for tests: started from the built binary with a test's environment,
// waited on until /readyz answers 200, stopped with SIGTERM (or killed) at the end.

#include <sys/types.h>
#include <map>
#include <optional>
#include <string>

namespace tasks::testing {

struct TaskdOptions {
  std::map<std::string, std::string> env;  // on top of the test's own environment
  std::string workdir;                     // created if missing; logs go here
  bool wait_ready = true;
};

class TaskdProcess {
 public:
  explicit TaskdProcess(TaskdOptions options);
  ~TaskdProcess();
  TaskdProcess(const TaskdProcess&) = delete;
  TaskdProcess& operator=(const TaskdProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }  // -1 once it has ended
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string admin_url() const { return "http://127.0.0.1:" + std::to_string(admin_port_); }
  const std::string& jwt_secret() const { return secret_; }
  std::string token_for(const std::string& user, long long ttl_seconds = 3600) const;

  // SIGTERM and wait for the exit; returns the exit status (or -signal).
  int terminate(int deadline_ms = 20'000);
  void kill_hard();
  bool running();
  // Waits for the process to end by itself; its exit status (or -signal), or nothing on timeout.
  std::optional<int> wait_exit(int deadline_ms = 20'000);

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  // Picks the ports, builds the environment on top of `env` and forks taskd.
  void launch(std::map<std::string, std::string> env);

  TaskdOptions options_;
  int port_ = 0;
  int admin_port_ = 0;
  std::string secret_;
  pid_t pid_ = -1;
  int status_ = 0;
};

// The binary under test (TASKD_BIN, set by ctest).
std::string taskd_binary();

// A fresh empty directory under the system's temp directory.
std::string make_temp_dir(const std::string& prefix);

// The whole content of a file ("" when it cannot be read): logs and captured output.
std::string read_whole_file(const std::string& path);

}  // namespace tasks::testing
