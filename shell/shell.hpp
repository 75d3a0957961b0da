#pragma once

// The shell's commands at work: one command line in, the admin API asked, a table (or the raw
// JSON) out, and a status that says how it went. Used line by line by the interactive session
// and once by `taskctl shell -c`.

#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "shell/admin_client.hpp"
#include "shell/command_line.hpp"
#include "shell/completion.hpp"
#include "shell/views.hpp"

namespace tasks::shell {

// Also the exit status of `taskctl shell -c`.
enum class Status {
  ok = 0,           // the command worked
  failed = 1,       // the service answered with an error, or the command was invalid
  unreachable = 2,  // no answer from the service at all
};

struct ShellOptions {
  bool json = false;          // every command prints its raw JSON answer
  bool clear_screen = false;  // watch clears the screen between runs (when output is a terminal)
};

class Shell {
 public:
  Shell(AdminClient& client, ShellOptions options, std::ostream& out, std::ostream& err);

  // Runs one command line; a blank line is ok and does nothing.
  Status execute(std::string_view line);

  // True once `quit` (or `exit`) ran.
  bool finished() const { return finished_; }

  // What Tab offers for the word left of the cursor: commands, or actor ids and topics as the
  // service knows them right now (nothing when it cannot be reached).
  Completion complete(std::string_view before_cursor);

 private:
  Status run(const CommandLine& line);
  Status help(const CommandLine& line);
  Status actors(const CommandLine& line);
  Status inspect(const CommandLine& line);
  Status publishers(const CommandLine& line);
  Status cluster(const CommandLine& line);
  Status outbox(const CommandLine& line);
  Status dead(const CommandLine& line);
  Status lanes(const CommandLine& line);
  Status redrive(const CommandLine& line);
  Status discard(const CommandLine& line);
  Status discarded(const CommandLine& line);
  Status pause_or_resume(const CommandLine& line);
  Status metrics(const CommandLine& line);
  Status watch(const CommandLine& line);

  // GET `path` and print the answer: raw JSON when wanted, otherwise as `view` renders it.
  Status show(const CommandLine& line, const std::string& path, View (*view)(const nlohmann::json&));
  // Print the answer of a POST: raw JSON when wanted, otherwise as `text` words it.
  Status report(const CommandLine& line, const AdminReply& reply, std::string (*text)(const nlohmann::json&));
  // The event ids of the dead letters, for completion (none when the service cannot say).
  std::vector<std::string> dead_letter_ids();
  // The JSON answer of a successful reply; otherwise nothing, having printed why and set `status`.
  // With `as_json`, an error's problem document is printed as the answer too.
  std::optional<nlohmann::json> answer(const AdminReply& reply, Status& status, bool as_json);
  void print_json(const nlohmann::json& document);
  bool json_wanted(const CommandLine& line) const { return options_.json || line.json; }

  AdminClient& client_;
  ShellOptions options_;
  std::ostream& out_;
  std::ostream& err_;
  bool finished_ = false;
};

}  // namespace tasks::shell
