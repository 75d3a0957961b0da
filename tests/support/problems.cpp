#include "tests/support/problems.hpp"

namespace tasks::testing {

namespace {
constexpr size_t kept = 8;
}  // namespace

void Problems::add(std::string what) {
  if (++count <= kept) first.push_back(std::move(what));
}

std::ostream& operator<<(std::ostream& os, const Problems& p) {
  os << p.count;
  for (const auto& line : p.first) os << "\n    " << line;
  if (p.count > p.first.size()) os << "\n    ...";
  return os;
}

}  // namespace tasks::testing
