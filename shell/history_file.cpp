#include "shell/history_file.hpp"

#include <cstdio>
#include <fstream>

namespace tasks::shell {

namespace {

void keep_newest(std::vector<std::string>& entries, size_t limit) {
  if (entries.size() > limit) entries.erase(entries.begin(), entries.end() - static_cast<long>(limit));
}

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace

std::string history_path(const std::function<const char*(const char*)>& getenv) {
  if (const char* path = getenv("TASKCTL_HISTORY"); path != nullptr && *path != '\0') return path;
  if (const char* home = getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.taskctl_history";
  return "";
}

std::vector<std::string> load_history(const std::string& path, size_t limit) {
  std::vector<std::string> entries;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!blank(line)) entries.push_back(line);
  keep_newest(entries, limit);
  return entries;
}

bool save_history(const std::string& path, const std::vector<std::string>& entries, size_t limit) {
  if (path.empty()) return false;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    if (!out) return false;
    const size_t first = entries.size() > limit ? entries.size() - limit : 0;
    for (size_t i = first; i < entries.size(); ++i) out << entries[i] << '\n';
    out.flush();
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

bool remember(std::vector<std::string>& entries, const std::string& line, size_t limit) {
  if (blank(line) || line.find('\n') != std::string::npos) return false;
  // Completion leaves a blank after the word it completed; the history keeps the command.
  const std::string command = line.substr(0, line.find_last_not_of(" \t\r") + 1);
  if (!entries.empty() && entries.back() == command) return false;
  entries.push_back(command);
  keep_newest(entries, limit);
  return true;
}

}  // namespace tasks::shell
