#include "shell/session.hpp"

#include <unistd.h>
#include <cstdlib>
#include <iostream>

#include "shell/admin_url.hpp"
#include "shell/history_file.hpp"
#include "shell/interrupt.hpp"
#include "shell/line_editor.hpp"
#include "shell/shell.hpp"

namespace tasks::shell {

namespace {

const char* environment(const char* name) {
  return std::getenv(name);
}

int at_the_prompt(Shell& shell, const std::string& admin_url) {
  const std::string history = history_path(environment);
  LineEditor editor(prompt, history, [&](std::string_view before) { return shell.complete(before); });
  std::cout << "taskctl shell on " << admin_url << ": help lists the commands, Tab completes, Ctrl-D ends\n";
  InterruptCatcher catcher;  // Ctrl-C drops a line or stops a watch, never the session
  bool warned = false;
  auto warn_once_if_history_unsaved = [&] {
    if (editor.history_saved() || warned) return;
    std::cerr << "taskctl: cannot write the history file " << history << " (history kept for this session only)\n";
    warned = true;
  };
  warn_once_if_history_unsaved();
  while (!shell.finished()) {
    clear_interrupt();
    const auto line = editor.read_line();
    if (!line) break;
    editor.remember(*line);
    warn_once_if_history_unsaved();
    shell.execute(*line);
  }
  return 0;
}

int from_a_pipe(Shell& shell) {
  Status last = Status::ok;
  for (std::string line; !shell.finished() && std::getline(std::cin, line);) last = shell.execute(line);
  return static_cast<int>(last);
}

}  // namespace

int run_session(const SessionSettings& settings) {
  std::string token = settings.token;
  if (token.empty())
    if (const char* env = environment("TASKS_ADMIN_TOKEN")) token = env;
  const std::string url = admin_url(settings.admin, environment);
  AdminClient client(url, token);
  ShellOptions options;
  options.json = settings.json;
  options.clear_screen = ::isatty(STDOUT_FILENO) != 0;
  Shell shell(client, options, std::cout, std::cerr);
  if (settings.command) return static_cast<int>(shell.execute(*settings.command));
  if (::isatty(STDIN_FILENO) == 0) return from_a_pipe(shell);
  return at_the_prompt(shell, url);
}

}  // namespace tasks::shell
