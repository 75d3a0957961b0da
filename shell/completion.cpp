#include "shell/completion.hpp"

#include <algorithm>

#include "shell/command_line.hpp"

namespace tasks::shell {

namespace {

// What the word after `before` is, and the fixed words it may be.
CompletionRequest argument_of(std::vector<std::string> before) {
  before.erase(std::remove(before.begin(), before.end(), "--json"), before.end());
  if (before.empty()) return {Argument::command, "", {}};
  if (before.front() == "watch") return argument_of({before.begin() + 1, before.end()});
  const CommandSpec* spec = find_command(before.front());
  if (spec == nullptr) return {};
  const size_t position = before.size() - 1;  // of the word being typed, among the arguments
  if (spec->name == "redrive" && position == 0) return {Argument::dead_letter, "", {"all"}};
  if (spec->name == "cluster" && position == 0) return {Argument::none, "", {"buckets"}};
  if (position == 0) return {spec->first, "", {}};
  if (spec->name == "redrive" && position == 1 && before[1] == "all") return {Argument::topic, "", {}};
  return {};  // a discard's reason, or more arguments than the command takes
}

}  // namespace

CompletionRequest completion_request(std::string_view before_cursor) {
  const size_t blank = before_cursor.find_last_of(" \t");
  const size_t start = blank == std::string_view::npos ? 0 : blank + 1;
  CompletionRequest out = argument_of(split_words(before_cursor.substr(0, start)).words);
  out.word = std::string(before_cursor.substr(start));
  if (out.kind == Argument::free) out.kind = Argument::none;
  return out;
}

std::vector<std::string> matching(std::string_view word, const std::vector<std::string>& choices) {
  std::vector<std::string> out;
  for (const auto& c : choices)
    if (c.compare(0, word.size(), word) == 0) out.push_back(c);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string common_prefix(const std::vector<std::string>& words) {
  if (words.empty()) return "";
  std::string prefix = words.front();
  for (const auto& w : words) {
    size_t n = 0;
    while (n < prefix.size() && n < w.size() && prefix[n] == w[n]) ++n;
    prefix.resize(n);
  }
  return prefix;
}

}  // namespace tasks::shell
