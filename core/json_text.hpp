#pragma once

// JSON text written directly, for the hot paths that would otherwise build a tree only to dump
// it (an answer, an event): the same bytes nlohmann's dump writes, without the tree.

#include <string>
#include <string_view>

namespace tasks {

// Appends `s` as a JSON string exactly as nlohmann's dump(-1, ' ', false, replace) writes it:
// printable ASCII without quote or backslash as it is, anything else (escapes, UTF-8, invalid
// bytes) through the library.
void append_json_string(std::string& out, std::string_view s);

// Appends `,"name":` then `value` as a JSON string.
void append_json_member(std::string& out, std::string_view name, std::string_view value);

}  // namespace tasks
