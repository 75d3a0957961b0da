#pragma once

// A daprd of one test's own, next to the stack's: started and stopped by the same stack/ scripts
// (`stack/up.sh daprd`, `stack/down.sh daprd`) in a state directory of its own, on loopback ports
// of its own that stay the same across restarts, with the resources folder the test chooses.
// Kafka is the stack's.

#include <map>
#include <string>

#include "tests/support/stack.hpp"

namespace tasks::testing {

class OwnDaprd {
 public:
  explicit OwnDaprd(const Stack& stack);  // picks the ports; starts nothing
  ~OwnDaprd();                            // stops it and removes its state directory
  OwnDaprd(const OwnDaprd&) = delete;
  OwnDaprd& operator=(const OwnDaprd&) = delete;

  // daprd with `resources` as its resources folder; ready once its outbound health answers 204
  // (no component is required to be loaded: the folder may be empty).
  void start_with(const std::string& resources);
  // daprd with the stack's own pubsub-kafka component (rendered for the stack's Kafka); ready
  // once pubsub-kafka is loaded.
  void start_with_stack_component();
  void stop();

  // A fresh empty folder `name` in this daprd's state directory (removed with it).
  std::string resources_dir(const std::string& name) const;
  std::string endpoint() const;
  std::string log_text() const;  // daprd's own log

 private:
  void script(const std::string& command, const std::map<std::string, std::string>& extra) const;
  std::string source_dir_, state_dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace tasks::testing
