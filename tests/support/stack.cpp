#include "tests/support/stack.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "tests/support/event_dump.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/taskd_process.hpp"

namespace tasks::testing {

namespace {

std::string run_capture(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  if (status != 0) throw std::runtime_error("failed (" + std::to_string(status) + "): " + command);
  return out;
}

}  // namespace

Stack::Stack() {
  const char* src = std::getenv("TASKS_SOURCE_DIR");
  if (!src) throw std::runtime_error("TASKS_SOURCE_DIR is not set (run the tests through ctest)");
  source_dir_ = src;
  state_dir_ = make_temp_dir("tasks-stack");
  env_ = {
      {"STACK_STATE_DIR", state_dir_},
      {"STACK_KAFKA_PORT", std::to_string(free_port())},
      {"STACK_KAFKA_CONTROLLER_PORT", std::to_string(free_port())},
      {"STACK_DAPR_HTTP_PORT", std::to_string(free_port())},
      {"STACK_DAPR_GRPC_PORT", std::to_string(free_port())},
      {"STACK_DAPR_INTERNAL_GRPC_PORT", std::to_string(free_port())},
      {"STACK_DAPR_METRICS_PORT", std::to_string(free_port())},
  };
  script("up.sh");
}

Stack::~Stack() {
  try {
    script("down.sh --purge");
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(state_dir_, ec);
}

std::string Stack::dapr_endpoint() const {
  return "http://127.0.0.1:" + env_.at("STACK_DAPR_HTTP_PORT");
}
std::string Stack::brokers() const {
  return "127.0.0.1:" + env_.at("STACK_KAFKA_PORT");
}

std::string Stack::component_file() const {
  return state_dir_ + "/daprd/components/pubsub-kafka.yaml";
}

void Stack::stop_daprd() {
  script("down.sh daprd");
}
void Stack::start_daprd() {
  script("up.sh daprd");
}
void Stack::stop_kafka() {
  script("down.sh kafka");
}
void Stack::start_kafka() {
  script("up.sh kafka");
}

void Stack::script(const std::string& command) const {
  std::string line;
  for (const auto& [k, v] : env_) line += k + "='" + v + "' ";
  line += source_dir_ + "/stack/" + command + " >> '" + state_dir_ + "/scripts.log' 2>&1";
  if (std::system(line.c_str()) != 0) {
    std::string log = run_capture("tail -n 40 '" + state_dir_ + "/scripts.log' || true");
    throw std::runtime_error("stack/" + command + " failed:\n" + log);
  }
}

std::vector<KafkaRecord> Stack::records(const std::string& topic) const {
  const std::string out =
      run_capture("kcat -C -b " + brokers() + " -t " + topic + " -o beginning -e -J -q 2>/dev/null");
  std::vector<KafkaRecord> records;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    KafkaRecord r;
    r.topic = j.value("topic", "");
    r.partition = j.value("partition", 0);
    r.offset = j.value("offset", 0LL);
    if (j.contains("key") && j["key"].is_string()) r.key = j["key"];
    if (j.contains("headers") && j["headers"].is_array())
      for (size_t i = 0; i + 1 < j["headers"].size(); i += 2)
        r.headers[j["headers"][i].get<std::string>()] =
            j["headers"][i + 1].is_string() ? j["headers"][i + 1].get<std::string>() : "";
    if (j.contains("payload") && j["payload"].is_string()) {
      r.event = nlohmann::json::parse(j["payload"].get<std::string>(), nullptr, false);
      dump_event("kafka", topic, j["payload"].get<std::string>());  // for the schema check
    }
    records.push_back(std::move(r));
  }
  return records;
}

}  // namespace tasks::testing
