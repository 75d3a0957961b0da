#pragma once

// JWT HS256 bearer tokens: `sub` is the user, `exp` is required and enforced, and the token is
// read strictly: only the compact form's characters (no NUL, no junk), `alg` exactly "HS256",
// the signature checked with OpenSSL's HMAC in constant time before any claim is read (libjwt
// 1.10's decoder matches `alg` case-insensitively and reads a token as a C string, so a NUL
// ends it), `exp` and `nbf` JSON numbers with a leeway, optional `iss`/`aud` checks. libjwt
// still mints tokens (taskctl, dev mode).

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <variant>

namespace tasks::http {

struct TokenError {
  std::string reason;
};

// What a token must satisfy besides its signature.
struct TokenRules {
  std::string secret;              // the HS256 key
  std::chrono::seconds leeway{0};  // clock skew allowed on exp and nbf
  std::string issuer = {};         // when not empty, `iss` must equal it
  std::string audience = {};       // when not empty, `aud` must equal it or be an array holding it
};

// The user id, or why the token is refused. `now_seconds` is Unix time.
std::variant<std::string, TokenError> verify_token(const std::string& token, const TokenRules& rules,
                                                   long long now_seconds);

// The same, also handing back the verified claims (for TokenCache, which checks only their
// times again later).
std::variant<std::string, TokenError> verify_token(const std::string& token, const TokenRules& rules,
                                                   long long now_seconds, nlohmann::json& claims);

// The time-dependent part of verification alone: exp, nbf (with the leeway) and iat's form.
std::optional<TokenError> check_token_times(const nlohmann::json& claims, const TokenRules& rules,
                                            long long now_seconds);

// A signed token for `user` valid for `ttl` from `now_seconds`.
std::string mint_token(const std::string& user, const std::string& secret, std::chrono::seconds ttl,
                       long long now_seconds);

// A random secret for dev mode (32 bytes, hex).
std::string random_secret();

}  // namespace tasks::http
