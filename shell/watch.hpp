#pragma once

// `watch <command> [seconds] [--count N]`, read into what to repeat and how often. A number at
// the end is the interval (so `watch actors 5` watches every actor; filter by a word instead);
// `--count N` stops after N runs, which keeps a script or a test from watching forever.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tasks::shell {

inline constexpr std::chrono::milliseconds default_watch_interval{2'000};

struct WatchPlan {
  std::string command;  // the command line to repeat
  std::chrono::milliseconds interval = default_watch_interval;
  std::optional<long> count;  // runs, or until Ctrl-C
  std::string error;          // why the arguments make no plan
};

WatchPlan plan_watch(const std::vector<std::string>& args);

}  // namespace tasks::shell
