#pragma once

// The shell's commands: name, usage, one line of help, how many arguments each takes and what
// its first argument names (so completion knows whether to offer actors, topics, commands or the
// event ids of dead letters).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tasks::shell {

// dead_letter: the event id of a dead letter (what redrive and discard act on).
enum class Argument { none, actor, topic, command, dead_letter, free };

struct CommandSpec {
  std::string_view name;
  std::string_view usage;  // "inspect <actor>"
  std::string_view summary;
  size_t min_args = 0;
  size_t max_args = 0;
  Argument first = Argument::none;  // what the first argument is, for completion
};

// Every command, in the order `help` lists them.
const std::vector<CommandSpec>& command_catalogue();

// The command of that name (`exit` is `quit`), or nothing.
const CommandSpec* find_command(std::string_view name);

// The names completion offers and suggestions are drawn from.
std::vector<std::string> command_names();

// A usage error for `args`, or nothing when their number fits the command.
std::optional<std::string> arity_error(const CommandSpec& spec, size_t args);

// `help`: every command's usage and summary, aligned; `help <command>` one of them.
std::string help_text();
std::string help_text(const CommandSpec& spec);

}  // namespace tasks::shell
