#include "shell/line_editor.hpp"

#include <histedit.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "shell/history_file.hpp"
#include "shell/table.hpp"

namespace tasks::shell {

namespace {

LineEditor* owner_of(EditLine* editor) {
  void* data = nullptr;
  el_get(editor, EL_CLIENTDATA, &data);
  return static_cast<LineEditor*>(data);
}

void add_to_history(History* history, const std::string& line) {
  HistEvent event;
  ::history(history, &event, H_ENTER, line.c_str());
}

}  // namespace

LineEditor::LineEditor(std::string prompt, std::string history_path, Completer completer)
    : prompt_(std::move(prompt)), history_path_(std::move(history_path)), completer_(std::move(completer)) {
  history_ = history_init();
  if (history_ == nullptr) throw std::runtime_error("libedit could not start its history");
  editor_ = el_init("taskctl", stdin, stdout, stderr);
  if (editor_ == nullptr) {
    history_end(history_);
    throw std::runtime_error("libedit could not start");
  }
  HistEvent event;
  ::history(history_, &event, H_SETSIZE, static_cast<int>(history_limit));
  if (!history_path_.empty()) {
    entries_ = load_history(history_path_);
    // Created at once, so the operator sees where it is (and a place it cannot be is known now).
    if (!std::filesystem::exists(history_path_)) history_saved_ = save_history(history_path_, entries_);
  }
  for (const auto& line : entries_) add_to_history(history_, line);

  el_set(editor_, EL_CLIENTDATA, this);
  el_set(editor_, EL_EDITOR, "emacs");
  el_set(editor_, EL_SIGNAL, 1);  // libedit restores the terminal on signals and follows resizes
  el_set(editor_, EL_PROMPT, &LineEditor::prompt_of);
  el_set(editor_, EL_HIST, ::history, history_);
  // The wide-character call: libedit keeps these pointers, while el_set's narrow one copies
  // the strings and never frees the copies (a leak LeakSanitizer reports).
  el_wset(editor_, EL_ADDFN, L"taskctl-complete", L"complete a command, actor or topic", &LineEditor::on_tab);
  el_set(editor_, EL_BIND, "^I", "taskctl-complete", nullptr);
  el_source(editor_, nullptr);  // the operator's ~/.editrc, if any, may rebind keys
}

LineEditor::~LineEditor() {
  el_end(editor_);
  history_end(history_);
}

std::optional<std::string> LineEditor::read_line() {
  int count = 0;
  errno = 0;
  const char* text = el_gets(editor_, &count);
  if (text == nullptr) {
    if (count == -1 && errno == EINTR) {
      std::fputs("\n", stdout);  // Ctrl-C: a fresh prompt on the next line
      return std::string();
    }
    std::fputs("\n", stdout);  // Ctrl-D: leave the terminal on a new line
    return std::nullopt;
  }
  std::string line(text, static_cast<size_t>(count));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

void LineEditor::remember(const std::string& line) {
  if (!shell::remember(entries_, line)) return;  // blank, or the same as the last one
  add_to_history(history_, entries_.back());
  if (!history_path_.empty()) history_saved_ = save_history(history_path_, entries_);
}

// libedit wants a char* but never writes through it.
char* LineEditor::prompt_of(EditLine* editor) {
  return owner_of(editor)->prompt_.data();
}

unsigned char LineEditor::on_tab(EditLine* editor, int) {
  return owner_of(editor)->complete();
}

unsigned char LineEditor::complete() {
  const LineInfo* info = el_line(editor_);
  const std::string_view before(info->buffer, static_cast<size_t>(info->cursor - info->buffer));
  Completion completion;
  try {
    completion = completer_(before);
  } catch (...) {
    return CC_REFRESH_BEEP;  // completion is a convenience; never let it end the session
  }
  const auto& choices = completion.choices;
  if (choices.empty()) return CC_REFRESH_BEEP;
  if (choices.size() == 1) {
    const std::string rest = choices.front().substr(completion.word.size()) + " ";
    el_insertstr(editor_, rest.c_str());
    return CC_REFRESH;
  }
  const std::string shared = common_prefix(choices);
  if (shared.size() > completion.word.size()) {
    el_insertstr(editor_, shared.substr(completion.word.size()).c_str());
    return CC_REFRESH;
  }
  list_choices(choices);
  return CC_REDISPLAY;
}

void LineEditor::list_choices(const std::vector<std::string>& choices) {
  // In columns across the terminal, like a shell lists file names.
  int columns = 80;
  el_get(editor_, EL_GETTC, "co", &columns, nullptr);
  size_t width = 0;
  for (const auto& c : choices) width = std::max(width, display_width(c));
  width += 2;
  const size_t per_line = std::max<size_t>(1, static_cast<size_t>(std::max(columns, 1)) / width);
  std::string text = "\n";
  for (size_t i = 0; i < choices.size(); ++i) {
    const bool last_in_line = (i + 1) % per_line == 0 || i + 1 == choices.size();
    text += choices[i];
    text += last_in_line ? "\n" : std::string(width - display_width(choices[i]), ' ');
  }
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace tasks::shell
