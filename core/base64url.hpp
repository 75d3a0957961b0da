#pragma once

// base64url without padding (RFC 4648 §5, as JWTs and our list cursors use it), decoded strictly:
// one encoding per value, so that a decoded value always re-encodes to the text it came from.

#include <optional>
#include <string>
#include <string_view>

namespace tasks {

std::string base64url_encode(std::string_view bytes);

// True for A-Z, a-z, 0-9, '-' and '_'.
bool is_base64url_char(char c);

// Nothing for a character outside the alphabet, a length that no byte string encodes to (4n+1),
// or unused low bits of the last character that are not zero.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tasks
