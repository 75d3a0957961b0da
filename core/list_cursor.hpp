#pragma once

// The keyset cursor of GET /tasks?after=: an opaque, URL-safe token for a position in a user's
// creation order. Clients get it from the previous page (Link: rel="next", X-Next-Cursor) and
// must not build it themselves.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tasks {

std::string encode_list_cursor(std::int64_t position);

// Nothing when `cursor` is not one that encode_list_cursor made.
std::optional<std::int64_t> decode_list_cursor(std::string_view cursor);

}  // namespace tasks
