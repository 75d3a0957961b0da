#include "http/jwt.hpp"

#include <jwt.h>
#include <openssl/rand.h>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace tasks::http {

namespace {

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, JwtFree>;

constexpr size_t max_user_id_bytes = 255;

bool acceptable_user(const std::string& sub) {
  if (sub.empty() || sub.size() > max_user_id_bytes) return false;
  for (unsigned char c : sub)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::variant<std::string, TokenError> verify_token(const std::string& token, const TokenRules& rules,
                                                   long long now_seconds) {
  const std::string& secret = rules.secret;
  if (token.empty()) return TokenError{"empty bearer token"};
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                            static_cast<int>(secret.size()));
  jwt_ptr jwt(raw);
  if (rc != 0 || !jwt) return TokenError{"the token is malformed or its signature does not verify"};
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return TokenError{"only HS256 tokens are accepted"};
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno == ENOENT) return TokenError{"the token has no exp claim"};
  if (exp <= now_seconds) return TokenError{"the token has expired"};
  errno = 0;
  const long nbf = jwt_get_grant_int(jwt.get(), "nbf");
  if (errno != ENOENT && nbf > now_seconds) return TokenError{"the token is not valid yet"};
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (!sub) return TokenError{"the token has no sub claim"};
  std::string user(sub);
  if (!acceptable_user(user)) return TokenError{"the sub claim is not an acceptable user id"};
  return user;
}

std::string mint_token(const std::string& user, const std::string& secret, std::chrono::seconds ttl,
                       long long now_seconds) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  jwt_ptr jwt(raw);
  jwt_add_grant(jwt.get(), "sub", user.c_str());
  jwt_add_grant_int(jwt.get(), "iat", now_seconds);
  jwt_add_grant_int(jwt.get(), "exp", now_seconds + ttl.count());
  if (jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0)
    throw std::runtime_error("jwt_set_alg failed");
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  std::string out(encoded);
  free(encoded);  // libjwt 1.10 has no jwt_free_str
  return out;
}

std::string random_secret() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for the dev secret");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

}  // namespace tasks::http
