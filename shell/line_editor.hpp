#pragma once

// The interactive prompt, on libedit's native API (el_*: it gives the completion function the
// whole line and the cursor, which the readline emulation does not do reliably): emacs keys,
// the arrows browse the history, Tab completes through a callback, and the history is loaded
// from and saved to a plain-text file after every command.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shell/completion.hpp"

struct editline;
struct history;

namespace tasks::shell {

class LineEditor {
 public:
  using Completer = std::function<Completion(std::string_view before_cursor)>;

  // `history_path` "" keeps the history for this run only.
  LineEditor(std::string prompt, std::string history_path, Completer completer);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  // The next line, without its newline; nothing at the end of input (Ctrl-D on an empty line).
  // Ctrl-C at the prompt drops what was typed and gives an empty line.
  std::optional<std::string> read_line();

  // Adds the line to the history (Up recalls it) and writes the history file.
  void remember(const std::string& line);

  // False when the history file could not be written the last time.
  bool history_saved() const { return history_saved_; }

 private:
  static char* prompt_of(editline* editor);
  static unsigned char on_tab(editline* editor, int key);
  unsigned char complete();
  void list_choices(const std::vector<std::string>& choices);

  std::string prompt_;
  std::string history_path_;
  std::vector<std::string> entries_;
  Completer completer_;
  bool history_saved_ = true;
  struct editline* editor_ = nullptr;
  struct history* history_ = nullptr;
};

}  // namespace tasks::shell
