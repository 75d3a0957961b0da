#pragma once

// The Idempotency-Key request header (IETF httpapi draft): its syntax, and the fingerprint that
// ties a key to the request it first came with.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace tasks::http {

struct KeyError {
  std::string detail;  // for the 400 answer
};

// No header: nothing. A Structured Fields string ("...") or a bare token of 1..255 visible
// ASCII characters: the key. Anything else (empty, too long, control or non-ASCII bytes, a
// broken quoted string): a KeyError.
std::variant<std::optional<std::string>, KeyError> parse_idempotency_key(const std::optional<std::string>& header);

// A hex SHA-256 over the method, the path and the body (length-prefixed, so that no two
// different requests share it).
std::string request_fingerprint(std::string_view method, std::string_view path, std::string_view body);

}  // namespace tasks::http
