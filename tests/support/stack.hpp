#pragma once

// The real stack for end-to-end tests: a Kafka broker and a daprd started by the project's own
// stack/ scripts on free loopback ports, in a state directory of the test run's own, and a
// reader of Kafka topics (kcat -J).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks::testing {

struct KafkaRecord {
  std::string topic;
  int partition = 0;
  long long offset = 0;
  std::string key;
  std::map<std::string, std::string> headers;
  nlohmann::json event;  // the payload: the CloudEvent as Dapr wrote it
};

class Stack {
 public:
  Stack();   // builds/fetches if needed (cached under .cache/), starts Kafka, then daprd
  ~Stack();  // stops both and removes the state directory

  std::string dapr_endpoint() const;
  std::string brokers() const;
  // The Component file daprd was started with: rendered by `helm template` from charts/tasks.
  std::string component_file() const;

  void stop_daprd();
  void start_daprd();
  void stop_kafka();
  void start_kafka();

  // Every record of `topic` so far, in partition/offset order.
  std::vector<KafkaRecord> records(const std::string& topic) const;

 private:
  void script(const std::string& command) const;  // runs stack/<command> with this stack's env
  std::string source_dir_, state_dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace tasks::testing
