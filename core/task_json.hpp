#pragma once

// The task as clients see it (contract §3).

#include <nlohmann/json.hpp>

#include "core/task.hpp"

namespace tasks {

// Keys in the contract's order.
nlohmann::ordered_json to_json(const Task& task);

}  // namespace tasks
