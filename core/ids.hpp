#pragma once

// Identifiers: random UUIDs for tasks and events, and the check for ids taken from a path.

#include <optional>
#include <string>
#include <string_view>

namespace tasks {

// A fresh random (version 4) UUID in lower case.
std::string new_uuid();

// The canonical lower-case form of a textual UUID (8-4-4-4-12 hex digits), or nothing.
std::optional<std::string> canonical_uuid(std::string_view text);

}  // namespace tasks
