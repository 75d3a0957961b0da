#include "tests/e2e/e2e.hpp"

#include <filesystem>

#include "tests/support/wait.hpp"

namespace tasks::testing {

EndToEnd& EndToEnd::get() {
  static EndToEnd env;
  return env;
}

void EndToEnd::start() {
  workdir_ = make_temp_dir("tasks-e2e");
  stack_ = std::make_unique<Stack>();
  taskd_ = start_taskd();
  set_default_taskd(taskd_.get());
}

void EndToEnd::stop() {
  set_default_taskd(nullptr);
  if (taskd_) taskd_->terminate();
  taskd_.reset();
  stack_.reset();
  std::error_code ec;
  std::filesystem::remove_all(workdir_, ec);
}

std::string EndToEnd::fresh_db() {
  return "sqlite:" + workdir_ + "/db" + std::to_string(++databases_) + ".db";
}

std::unique_ptr<TaskdProcess> EndToEnd::start_taskd(const std::string& db,
                                                    const std::map<std::string, std::string>& env) {
  TaskdOptions options;
  options.env = {{"DAPR_HTTP_ENDPOINT", stack_->dapr_endpoint()},
                 {"TASKS_DB", db.empty() ? fresh_db() : db},
                 {"TASKS_PUBLISH_BACKOFF_INITIAL", "100ms"},
                 {"TASKS_PUBLISH_BACKOFF_MAX", "1s"},
                 {"TASKS_PUBLISH_POLL_INTERVAL", "200ms"},
                 // The ordering test sends a thousand mutations at once and expects each executed
                 // (admission control is tested in tests/integration and tests/hostile).
                 {"TASKS_MAX_IN_FLIGHT", "4096"},
                 {"TASKS_USER_QUEUE_LIMIT", "256"}};
  for (const auto& [k, v] : env) options.env[k] = v;
  options.workdir = make_temp_dir("taskd-e2e");
  return std::make_unique<TaskdProcess>(options);
}

std::vector<KafkaRecord> EndToEnd::records_of(const std::string& topic, const std::string& user, size_t count,
                                              std::chrono::seconds deadline) {
  std::vector<KafkaRecord> mine;
  wait_until(
      [&] {
        mine.clear();
        for (auto& r : stack_->records(topic))
          if (r.key == user) mine.push_back(std::move(r));
        return mine.size() >= count;
      },
      deadline, std::chrono::milliseconds(250));
  return mine;
}

}  // namespace tasks::testing
