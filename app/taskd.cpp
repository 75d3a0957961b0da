// taskd: the task service. Configuration from the environment, overridden by flags.

#include <pthread.h>
#include <sys/resource.h>
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "app/service.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "events/dapr_client.hpp"
#include "http/jwt.hpp"

namespace {

std::map<std::string, std::string> read_settings(int argc, char** argv, bool& exit_now, int& exit_code) {
  std::map<std::string, std::string> values;
  for (const auto& s : tasks::settings())
    if (const char* v = std::getenv(s.env.c_str())) values[s.env] = v;
  if (const char* port = std::getenv("DAPR_HTTP_PORT")) values["DAPR_HTTP_PORT"] = port;

  CLI::App app{
      "taskd: the task service (REST API, per-user actors, transactional outbox, Dapr publishers).\n"
      "Every setting is an environment variable; a flag overrides it."};
  std::map<std::string, std::string> flags;
  for (const auto& s : tasks::settings()) {
    app.add_option(
        s.flag, flags[s.env],
        s.meaning + " [" + s.env + ", default: " + (s.default_value.empty() ? "unset" : s.default_value) + "]");
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_now = true;
    exit_code = app.exit(e);
    return values;
  }
  for (const auto& s : tasks::settings())
    if (app.get_option(s.flag)->count() > 0) values[s.env] = flags[s.env];
  return values;
}

void announce_dev_mode(const tasks::Config& config) {
  const auto token =
      tasks::http::mint_token("demo", config.jwt_secret, std::chrono::hours(24), tasks::now_millis() / 1000);
  tasks::log::warn("DEV MODE: TASKS_JWT_SECRET is not set; a random secret is used for this run only");
  std::cerr << "\n"
            << "  ==================================  DEV MODE  ==================================\n"
            << "  TASKS_JWT_SECRET is not set: this run signs tokens with a random secret.\n"
            << "  Never run like this in production. A demo token for user \"demo\", valid 24 h:\n\n"
            << "    export TOKEN=" << token << "\n\n"
            << "    curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:" << config.http_addr.port
            << "/api/v1/tasks\n"
            << "  ================================================================================\n\n"
            << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigwait below: block them before any thread exists so all inherit it.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Connections are file descriptors: take the hard open-file limit (the soft one is often 1024).
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  tasks::init_http_client_library();  // before any thread: curl_global_init is not thread-safe

  bool exit_now = false;
  int exit_code = 0;
  auto values = read_settings(argc, argv, exit_now, exit_code);
  if (exit_now) return exit_code;

  tasks::Config config;
  try {
    config = tasks::make_config(values);
  } catch (const tasks::ConfigError& e) {
    std::cerr << "taskd: " << e.what() << "\n";
    return 2;
  }
  tasks::log::configure(config.log_format, config.log_level);
  const bool dev_mode = config.dev_mode();
  if (dev_mode) config.jwt_secret = tasks::http::random_secret();
  auto described = tasks::describe(config);
  if (dev_mode) described["TASKS_JWT_SECRET"] = "(unset: dev mode)";
  tasks::log::info("configuration", {{"settings", described}});

  tasks::Service service(config);
  try {
    service.start();
  } catch (const tasks::ConfigError& e) {
    std::cerr << "taskd: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "taskd: start-up failed: " << e.what() << "\n";
    return 1;
  }
  if (dev_mode) announce_dev_mode(config);

  int received = 0;
  sigwait(&signals, &received);
  tasks::log::info("signal received; stopping", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  service.stop();
  return 0;
}
