#pragma once

// Tab completion, the pure part: from the text left of the cursor, which word is being typed
// and whether it is a command, an actor id, a topic or a dead letter's event id; then which
// choices fit it. The line editor asks the service for the actor ids, topics and dead letters
// and does the inserting.

#include <string>
#include <string_view>
#include <vector>

#include "shell/commands.hpp"

namespace tasks::shell {

struct CompletionRequest {
  Argument kind = Argument::none;  // command, actor, topic or dead_letter; none: nothing to offer
  std::string word;                // the partial word under the cursor ("" after a blank)
  std::vector<std::string> fixed;  // words offered besides the service's ("all" for redrive)
};

// What Tab offers: the word under the cursor and the choices that start with it.
struct Completion {
  std::string word;
  std::vector<std::string> choices;
};

// `act` → a command; `inspect us` → an actor; `pause ` → a topic; `watch outbox t` → a topic
// (watch takes a command line); `redrive all ` → a topic; `discard ` → a dead letter's event id,
// `redrive ` → one, or all; `cluster ` → buckets.
CompletionRequest completion_request(std::string_view before_cursor);

// The choices that start with `word`, sorted, without repeats.
std::vector<std::string> matching(std::string_view word, const std::vector<std::string>& choices);

// The longest prefix every word shares.
std::string common_prefix(const std::vector<std::string>& words);

}  // namespace tasks::shell
