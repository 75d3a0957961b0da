#pragma once

// A kind of problem a check found: how many, and the first few in words (a check over ten
// thousand mutations must not print ten thousand lines when one thing is wrong everywhere).

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace tasks::testing {

struct Problems {
  size_t count = 0;
  std::vector<std::string> first;
  void add(std::string what);
  bool empty() const { return count == 0; }
};

// The count, then the first ones a line each.
std::ostream& operator<<(std::ostream& os, const Problems& p);

}  // namespace tasks::testing
