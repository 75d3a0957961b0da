#pragma once

// JWT HS256 bearer tokens (libjwt): `sub` is the user, `exp` is required and enforced, and any
// algorithm other than HS256 is refused.

#include <chrono>
#include <string>
#include <variant>

namespace tasks::http {

struct TokenError {
  std::string reason;
};

// The user id, or why the token is refused. `now_seconds` is Unix time.
std::variant<std::string, TokenError> verify_token(const std::string& token, const std::string& secret,
                                                   long long now_seconds);

// A signed token for `user` valid for `ttl` from `now_seconds`.
std::string mint_token(const std::string& user, const std::string& secret, std::chrono::seconds ttl,
                       long long now_seconds);

// A random secret for dev mode (32 bytes, hex).
std::string random_secret();

}  // namespace tasks::http
