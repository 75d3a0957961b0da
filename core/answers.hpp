#pragma once

// The answers to task requests as bytes, and the Idempotency-Key verdict: pure functions shared
// by the user actor (which records a first answer with its key) and the HTTP layer (which sends
// it), so that a replayed answer is byte for byte the first one.

#include <optional>
#include <string>

#include "core/command.hpp"
#include "core/commit.hpp"

namespace tasks {

// The task as its JSON answer body.
std::string task_body(const Task& task);

// The answer for a successful mutation: 201 with the task and its Location, 200 with the task,
// or 204 without a body.
StoredAnswer success_answer(ReplyStatus status, const std::optional<Task>& task);

// What to do with a mutation that carries an Idempotency-Key, given what is recorded for it.
enum class KeyVerdict {
  proceed,   // nothing recorded: execute it and record its answer
  replay,    // recorded for the same request: answer the recorded answer, change nothing
  mismatch,  // recorded for a different request: refuse (422)
};

KeyVerdict judge_key(const std::optional<IdempotencyRecord>& recorded, const std::string& fingerprint);

}  // namespace tasks
