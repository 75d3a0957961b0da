#include "tests/e2e/own_daprd.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/http_client.hpp"
#include "tests/support/taskd_process.hpp"

namespace tasks::testing {

OwnDaprd::OwnDaprd(const Stack& stack) {
  const char* src = std::getenv("TASKS_SOURCE_DIR");
  if (!src) throw std::runtime_error("TASKS_SOURCE_DIR is not set (run the tests through ctest)");
  source_dir_ = src;
  state_dir_ = make_temp_dir("tasks-own-daprd");
  const std::string brokers = stack.brokers();
  env_ = {
      {"STACK_STATE_DIR", state_dir_},
      {"STACK_KAFKA_PORT", brokers.substr(brokers.rfind(':') + 1)},
      {"STACK_DAPR_HTTP_PORT", std::to_string(free_port())},
      {"STACK_DAPR_GRPC_PORT", std::to_string(free_port())},
      {"STACK_DAPR_INTERNAL_GRPC_PORT", std::to_string(free_port())},
      {"STACK_DAPR_METRICS_PORT", std::to_string(free_port())},
  };
}

OwnDaprd::~OwnDaprd() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(state_dir_, ec);
}

void OwnDaprd::start_with(const std::string& resources) {
  // A blank list, not an empty one: lib.sh's `${STACK_DAPR_REQUIRED_COMPONENTS:-pubsub-kafka}`
  // takes an empty value for unset.
  script("up.sh daprd", {{"STACK_RESOURCES_PATH", resources}, {"STACK_DAPR_REQUIRED_COMPONENTS", " "}});
}

void OwnDaprd::start_with_stack_component() {
  // No resources path: up.sh renders the chart's Component for STACK_KAFKA_PORT into the state dir.
  script("up.sh daprd", {{"STACK_RESOURCES_PATH", ""}, {"STACK_DAPR_REQUIRED_COMPONENTS", "pubsub-kafka"}});
}

void OwnDaprd::stop() {
  script("down.sh daprd", {});
}

std::string OwnDaprd::resources_dir(const std::string& name) const {
  const std::string dir = state_dir_ + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string OwnDaprd::endpoint() const {
  return "http://127.0.0.1:" + env_.at("STACK_DAPR_HTTP_PORT");
}

std::string OwnDaprd::log_text() const {
  return read_whole_file(state_dir_ + "/logs/daprd.log");
}

void OwnDaprd::script(const std::string& command, const std::map<std::string, std::string>& extra) const {
  auto env = env_;
  for (const auto& [k, v] : extra) env[k] = v;
  std::string line;
  for (const auto& [k, v] : env) line += k + "='" + v + "' ";
  line += source_dir_ + "/stack/" + command + " >> '" + state_dir_ + "/scripts.log' 2>&1";
  if (std::system(line.c_str()) != 0)
    throw std::runtime_error("stack/" + command + " failed:\n" + read_whole_file(state_dir_ + "/scripts.log") +
                             "\ndaprd log:\n" + log_text());
}

}  // namespace tasks::testing
