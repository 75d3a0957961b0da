#pragma once

// What the operator typed, split into words: blanks separate, single or double quotes group
// (so a filter may hold a blank), a backslash escapes the next character, and `--json` after
// the command name asks for the raw answer instead of a table.

#include <string>
#include <string_view>
#include <vector>

namespace tasks::shell {

struct CommandLine {
  std::vector<std::string> words;  // the command name first; empty for a blank line
  bool json = false;               // `--json` was given
  std::string error;               // set when the line cannot be split (an unclosed quote)

  bool blank() const { return words.empty() && error.empty(); }
  const std::string& name() const { return words.front(); }
  std::vector<std::string> args() const { return {words.begin() + 1, words.end()}; }
};

// The words of a line, quotes removed. `complete` is false when a quote was left open.
struct Words {
  std::vector<std::string> words;
  bool complete = true;
};
Words split_words(std::string_view line);

CommandLine parse_command_line(std::string_view line);

}  // namespace tasks::shell
