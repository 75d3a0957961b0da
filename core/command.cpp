#include "core/command.hpp"

namespace tasks {

bool is_mutation(const Operation& op) {
  return !std::holds_alternative<GetTask>(op) && !std::holds_alternative<ListTasks>(op);
}

}  // namespace tasks
