#pragma once

// Bearer tokens already verified, so that a client sending the same token with every request
// pays the HMAC, the base64url and the claims' JSON once (a twentieth of a create's
// instructions), not on every request. Only successes are kept, keyed by the whole token (any
// change to it is a miss); a hit checks the token's times again (exp, nbf), so an expired token
// is refused exactly as without the cache. One cache serves one set of TokenRules.

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <variant>

#include "http/jwt.hpp"

namespace tasks::http {

class TokenCache {
 public:
  // At most `capacity` tokens; when full it starts over (a burst of one-off tokens cannot grow it).
  explicit TokenCache(size_t capacity = 10'000) : capacity_(capacity) {}

  // verify_token, remembering successes.
  std::variant<std::string, TokenError> verify(const std::string& token, const TokenRules& rules,
                                               long long now_seconds);

  size_t size() const;

 private:
  struct Verified {
    std::string user;
    nlohmann::json claims;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Verified> verified_;
  size_t capacity_;
};

}  // namespace tasks::http
