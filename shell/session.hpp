#pragma once

// `taskctl shell`: one command (-c) or a session at the `taskctl> ` prompt. The exit status of
// -c says how the command went: 0 worked, 1 the service answered with an error (or the
// command was invalid), 2 the service could not be reached. Commands read from a pipe run one
// after another and the last one's status is the exit status; at the prompt, `quit`, `exit`
// or Ctrl-D end the session with 0.

#include <optional>
#include <string>

namespace tasks::shell {

inline constexpr const char* prompt = "taskctl> ";

struct SessionSettings {
  std::string admin;                   // --admin; "" for $TASKCTL_ADMIN, $TASKS_ADMIN_ADDR or the default
  std::string token;                   // --token; "" for $TASKS_ADMIN_TOKEN
  bool json = false;                   // --json: raw JSON answers
  std::optional<std::string> command;  // -c
};

int run_session(const SessionSettings& settings);

}  // namespace tasks::shell
