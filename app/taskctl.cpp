// taskctl: the operator's tool. `taskctl token` mints a JWT; `taskctl shell` inspects actors.

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "core/time.hpp"
#include "http/jwt.hpp"
#include "shell/session.hpp"

int main(int argc, char** argv) {
  CLI::App app{"taskctl: operator tool for taskd"};
  app.require_subcommand(1);

  auto* token = app.add_subcommand("token", "mint an HS256 JWT signed with TASKS_JWT_SECRET");
  std::string user;
  long long ttl = 3600;
  std::string secret;
  token->add_option("--user,-u", user, "the user id (the token's sub)")->required();
  token->add_option("--ttl", ttl, "seconds until the token expires")->check(CLI::Range(1LL, 10LL * 365 * 86400));
  token->add_option("--secret", secret, "the HS256 secret (default: $TASKS_JWT_SECRET)");

  auto* shell = app.add_subcommand("shell", "inspect the running actors through taskd's admin API");
  shell->footer(
      "At the `taskctl> ` prompt: help lists the commands (actors, inspect, publishers, outbox, dead, redrive,\n"
      "pause, resume, metrics, watch, quit); Tab completes commands, actor ids and topics; Up and Down browse\n"
      "the history ($TASKCTL_HISTORY, default ~/.taskctl_history); Ctrl-D or quit ends the session.\n"
      "Exit status of -c: 0 worked, 1 the service answered with an error or the command was invalid,\n"
      "2 the admin API could not be reached. `watch <command> [seconds] --count N` stops after N runs.\n");
  tasks::shell::SessionSettings session;
  std::string command;
  shell->add_option("--admin", session.admin,
                    "admin API base URL (default: $TASKCTL_ADMIN, else http://$TASKS_ADMIN_ADDR, "
                    "else http://127.0.0.1:9090)");
  shell->add_option("--token", session.token, "admin API bearer token (default: $TASKS_ADMIN_TOKEN)");
  shell->add_flag("--json", session.json, "print each command's raw JSON answer instead of a table");
  auto* one_command = shell->add_option("-c,--command", command, "run one command and exit with its status");

  CLI11_PARSE(app, argc, argv);

  if (token->parsed()) {
    if (secret.empty())
      if (const char* env = std::getenv("TASKS_JWT_SECRET")) secret = env;
    if (secret.empty()) {
      std::cerr << "taskctl: TASKS_JWT_SECRET is not set (or pass --secret)\n";
      return 2;
    }
    std::cout << tasks::http::mint_token(user, secret, std::chrono::seconds(ttl), tasks::now_millis() / 1000) << "\n";
  }
  if (shell->parsed()) {
    if (one_command->count() > 0) session.command = command;
    return tasks::shell::run_session(session);
  }
  return 0;
}
