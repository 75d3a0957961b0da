#pragma once

// "Did you mean ...?" for a mistyped command: the candidate it starts, or the one a small
// number of edits away.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tasks::shell {

// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
// neighbouring characters each cost one ("inpsect" is one edit from "inspect").
size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate: the first one `word` is a prefix of, else the nearest within two
// edits (and fewer edits than `word` has characters, so "x" suggests nothing).
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tasks::shell
