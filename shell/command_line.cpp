#include "shell/command_line.hpp"

#include <algorithm>

namespace tasks::shell {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Words split_words(std::string_view line) {
  Words out;
  std::string word;
  bool in_word = false;  // distinguishes "" (an empty word) from no word at all
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < line.size())
        word += line[++i];
      else
        word += c;
    } else if (is_blank(c)) {
      if (in_word) out.words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.words.push_back(std::move(word));
  out.complete = quote == 0;
  return out;
}

CommandLine parse_command_line(std::string_view line) {
  CommandLine out;
  auto split = split_words(line);
  if (!split.complete) {
    out.error = "unclosed quote";
    return out;
  }
  out.words = std::move(split.words);
  // The command name itself is never the flag: `--json` alone is an unknown command.
  if (out.words.size() > 1) {
    auto flag = std::remove(out.words.begin() + 1, out.words.end(), "--json");
    out.json = flag != out.words.end();
    out.words.erase(flag, out.words.end());
  }
  return out;
}

}  // namespace tasks::shell
