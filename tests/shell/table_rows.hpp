#pragma once

// Reading the shell's printed tables in tests: the cells of one line.

#include <sstream>
#include <string>
#include <vector>

namespace tasks::testing {

// The cells of the table line whose first word is `first` (split at blanks), or none.
inline std::vector<std::string> row_of(const std::string& table, const std::string& first) {
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string w; words >> w;) cells.push_back(w);
    if (!cells.empty() && cells[0] == first) return cells;
  }
  return {};
}

}  // namespace tasks::testing
