#pragma once

// What every long-lived actor says about itself when asked (the inspection shell's raw data).

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace tasks {

struct ActorStatus {
  std::string id;    // stable name: "registry", "persistence", "publisher/task-events", "user/alice"
  std::string kind;  // registry | user | persistence | publisher | supervisor
  std::string state;
  std::uint64_t mailbox = 0;  // messages waiting when the status was taken
  std::int64_t uptime_ms = 0;
  std::uint64_t restarts = 0;
  nlohmann::json details = nlohmann::json::object();  // kind-specific counters
};

// The header every status shares; the caller adds restarts and its kind's details.
ActorStatus make_status(std::string id, std::string kind, std::string state, std::uint64_t mailbox,
                        std::chrono::steady_clock::time_point started);

nlohmann::json to_json(const ActorStatus& status);

}  // namespace tasks
