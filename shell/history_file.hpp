#pragma once

// The shell's history on disk: plain text, one command a line, oldest first, the newest
// `limit` kept. Plain lines (not libedit's encoded format) so that grep and an editor work.

#include <functional>
#include <string>
#include <vector>

namespace tasks::shell {

inline constexpr size_t history_limit = 1000;

// $TASKCTL_HISTORY, else ~/.taskctl_history, else "" (no home: no history file).
std::string history_path(const std::function<const char*(const char*)>& getenv);

// The entries of the file, the newest `limit`; none when it does not exist.
std::vector<std::string> load_history(const std::string& path, size_t limit = history_limit);

// Writes the newest `limit` entries (through a temporary file and a rename, so a crash leaves
// the old or the new history, never half). False when the file cannot be written.
bool save_history(const std::string& path, const std::vector<std::string>& entries, size_t limit = history_limit);

// Adds a command as bash does with ignoredups: blank lines and a repeat of the last are not
// kept; trailing blanks are dropped. The list stays within `limit`. True when the line was added.
bool remember(std::vector<std::string>& entries, const std::string& line, size_t limit = history_limit);

}  // namespace tasks::shell
