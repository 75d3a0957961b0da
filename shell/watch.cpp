#include "shell/watch.hpp"

#include <cmath>
#include <cstdlib>

#include "shell/commands.hpp"

namespace tasks::shell {

namespace {

constexpr std::string_view usage = "usage: watch <command> [seconds] [--count N]";

std::optional<double> number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A word as the shell would read it back: quoted when it holds a blank or a quote.
std::string quoted(const std::string& word) {
  if (!word.empty() && word.find_first_of(" \t'\"\\") == std::string::npos) return word;
  std::string out = "\"";
  for (char c : word) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

WatchPlan plan_watch(const std::vector<std::string>& args) {
  WatchPlan plan;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--count") {
      words.push_back(args[i]);
      continue;
    }
    const auto n = i + 1 < args.size() ? number(args[i + 1]) : std::nullopt;
    if (!n || *n < 1 || *n != std::floor(*n)) {
      plan.error = "--count takes a whole number of runs, 1 or more";
      return plan;
    }
    plan.count = static_cast<long>(*n);
    ++i;
  }
  if (words.size() > 1) {
    if (auto seconds = number(words.back())) {
      if (*seconds < 0.1 || *seconds > 86'400) {
        plan.error = "the interval is between 0.1 and 86400 seconds";
        return plan;
      }
      plan.interval = std::chrono::milliseconds(std::llround(*seconds * 1000));
      words.pop_back();
    }
  }
  if (words.empty()) {
    plan.error = std::string(usage);
    return plan;
  }
  if (const CommandSpec* spec = find_command(words.front()); spec && (spec->name == "watch" || spec->name == "quit")) {
    plan.error = "watch cannot repeat " + std::string(spec->name);
    return plan;
  }
  for (const auto& w : words) plan.command += (plan.command.empty() ? "" : " ") + quoted(w);
  return plan;
}

}  // namespace tasks::shell
