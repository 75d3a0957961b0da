#pragma once

// Waiting on a condition with a deadline: the only way tests synchronise with the system.

#include <chrono>
#include <functional>
#include <thread>

namespace tasks::testing {

// Polls `condition` until it holds (true) or the deadline passes (false).
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace tasks::testing
