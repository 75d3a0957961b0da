#include "tests/hostile/suite_support.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdlib>

#include "tests/hostile/process_probe.hpp"

namespace tasks::hostile {

std::unique_ptr<testing::TaskdProcess> start_taskd(std::map<std::string, std::string> env) {
  env.emplace("TASKS_LOG_LEVEL", "warn");
  testing::TaskdOptions options;
  options.env = std::move(env);
  return std::make_unique<testing::TaskdProcess>(std::move(options));
}

pid_t pid_of(const testing::TaskdProcess& taskd) {
  const auto pid = pid_listening_on(taskd.port());
  BOOST_REQUIRE_MESSAGE(pid.has_value(), "no process found listening on port " << taskd.port());
  return *pid;
}

std::string log_tail(const testing::TaskdProcess& taskd, std::size_t bytes) {
  auto tail = [&](const std::string& s) { return s.size() > bytes ? s.substr(s.size() - bytes) : s; };
  return "stderr: " + tail(taskd.stderr_text()) + "\nstdout: " + tail(taskd.stdout_text());
}

std::string http_request(std::string_view method, std::string_view target, const std::vector<std::string>& headers,
                         std::string_view body) {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& h : headers) r += h + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n";
  r += body;
  return r;
}

std::int64_t env_int(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  try {
    return std::stoll(v);
  } catch (const std::exception&) {
    return fallback;
  }
}

}  // namespace tasks::hostile
