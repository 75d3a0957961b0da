#pragma once

// The end-to-end environment: the real stack (Kafka + daprd from stack/), and taskd processes
// publishing to that daprd. One stack and one shared taskd for the whole run.

#include <map>
#include <memory>
#include <string>

#include "tests/support/event_dump.hpp"
#include "tests/support/stack.hpp"
#include "tests/support/taskd_process.hpp"
#include "tests/support/user_api.hpp"

namespace tasks::testing {

class EndToEnd {
 public:
  static EndToEnd& get();
  void start();
  void stop();

  Stack& stack() { return *stack_; }
  TaskdProcess& taskd() { return *taskd_; }

  // A taskd of its own on a fresh SQLite file (or `db` when given), publishing to the stack;
  // `env` is added on top (and wins), e.g. TASKS_FAULT_INJECTION or another DAPR_HTTP_ENDPOINT.
  std::unique_ptr<TaskdProcess> start_taskd(const std::string& db = "",
                                            const std::map<std::string, std::string>& env = {});
  std::string fresh_db();

  // The records of `topic` whose key is `user`, once there are at least `count` of them (or
  // whatever there is when the deadline passes).
  std::vector<KafkaRecord> records_of(const std::string& topic, const std::string& user, size_t count,
                                      std::chrono::seconds deadline = std::chrono::seconds(60));

 private:
  std::unique_ptr<Stack> stack_;
  std::unique_ptr<TaskdProcess> taskd_;
  std::string workdir_;
  int databases_ = 0;
};

struct EndToEndFixture {
  // The run publishes taskd's events: the schema check expects some (tests/support/event_dump.hpp).
  EndToEndFixture() {
    expect_events("kafka");
    EndToEnd::get().start();
  }
  ~EndToEndFixture() { EndToEnd::get().stop(); }
};

}  // namespace tasks::testing
