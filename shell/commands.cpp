#include "shell/commands.hpp"

#include <algorithm>

namespace tasks::shell {

namespace {

constexpr size_t many = 64;  // watch repeats a whole command line

}  // namespace

const std::vector<CommandSpec>& command_catalogue() {
  static const std::vector<CommandSpec> catalogue = {
      {"help", "help [command]", "list the commands, or explain one", 0, 1, Argument::command},
      {"actors", "actors [filter]", "the long-lived actors; filter matches part of the id or the kind", 0, 1,
       Argument::free},
      {"inspect", "inspect <actor>", "one actor in full (e.g. inspect user/alice)", 1, 1, Argument::actor},
      {"publishers", "publishers",
       "the publishers: state, probing, backoffs, counts, last error (paused ones stand out)", 0, 0, Argument::none},
      {"cluster", "cluster [buckets]",
       "the replicas sharing the database and the buckets of users each publishes for (buckets: every lease)", 0, 1,
       Argument::free},
      {"outbox", "outbox [topic]", "events waiting to be published, per topic or the next rows of one", 0, 1,
       Argument::topic},
      {"dead", "dead [topic]", "dead-lettered events", 0, 1, Argument::topic},
      {"lanes", "lanes [topic]", "lanes (topic, user) stopped by a dead letter: that user's later events wait", 0, 1,
       Argument::topic},
      {"redrive", "redrive <event-id|all> [topic]", "send dead letters back to the outbox (all: of a topic)", 1, 2,
       Argument::dead_letter},
      {"discard", "discard <event-id> <reason...>",
       "give up on a dead letter, saying why (recorded with your name); its lane goes on", 1, many,
       Argument::dead_letter},
      {"discarded", "discarded [topic]", "dead letters given up on: when, by whom and why, newest first", 0, 1,
       Argument::topic},
      {"pause", "pause <topic>", "stop a publisher from delivering (events wait in the outbox)", 1, 1, Argument::topic},
      {"resume", "resume <topic>", "let a paused publisher deliver again", 1, 1, Argument::topic},
      {"metrics", "metrics [prefix]", "Prometheus metrics whose name starts with prefix", 0, 1, Argument::free},
      {"watch", "watch <command> [seconds] [--count N]",
       "repeat a command every few seconds (default 2) until Ctrl-C, or N times", 1, many, Argument::command},
      {"quit", "quit", "end the session (also exit, Ctrl-D)", 0, 0, Argument::none},
  };
  return catalogue;
}

const CommandSpec* find_command(std::string_view name) {
  if (name == "exit") name = "quit";
  const auto& all = command_catalogue();
  auto it = std::find_if(all.begin(), all.end(), [&](const CommandSpec& spec) { return spec.name == name; });
  return it == all.end() ? nullptr : &*it;
}

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& spec : command_catalogue()) names.emplace_back(spec.name);
  names.emplace_back("exit");
  return names;
}

std::optional<std::string> arity_error(const CommandSpec& spec, size_t args) {
  if (args >= spec.min_args && args <= spec.max_args) return std::nullopt;
  return "usage: " + std::string(spec.usage);
}

std::string help_text() {
  size_t width = 0;
  for (const auto& spec : command_catalogue()) width = std::max(width, spec.usage.size());
  std::string out;
  for (const auto& spec : command_catalogue()) {
    out += "  " + std::string(spec.usage) + std::string(width - spec.usage.size() + 2, ' ');
    out += std::string(spec.summary) + "\n";
  }
  out +=
      "Add --json to a command for its raw JSON answer.\n"
      "Tab completes commands, actors, topics and the event ids of dead letters.\n";
  return out;
}

std::string help_text(const CommandSpec& spec) {
  return "usage: " + std::string(spec.usage) + "\n  " + std::string(spec.summary) + "\n";
}

}  // namespace tasks::shell
