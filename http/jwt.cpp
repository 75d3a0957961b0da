#include "http/jwt.hpp"

#include <jwt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/base64url.hpp"

// Verification is done here rather than by libjwt's jwt_decode, which reads the token as a C
// string (a NUL ends it and junk after it is ignored), matches `alg` case-insensitively and
// reads `nbf` only when it is an integer (anything else is silently ignored). Here every byte of
// the token is looked at, the JSON is parsed by nlohmann with duplicate names detected, and the
// HMAC is compared in constant time (OpenSSL). libjwt still mints the tokens; the tests verify
// those here, so the two agree on the signature.

namespace tasks::http {

namespace {

using json = nlohmann::json;

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using jwt_ptr = std::unique_ptr<jwt_t, JwtFree>;

constexpr size_t max_user_id_bytes = 255;
// Far above any token this service mints (~150 bytes) or a proxy would pass; bounds the work
// done for a token before its signature is checked.
constexpr size_t max_token_bytes = 8 * 1024;
constexpr size_t hs256_signature_bytes = 32;

bool acceptable_user(const std::string& sub) {
  if (sub.empty() || sub.size() > max_user_id_bytes) return false;
  for (unsigned char c : sub)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

enum class JsonProblem { none, malformed, not_an_object, duplicate_member };

// Parses a JOSE header or a claims set: one JSON object, no member name twice at any depth
// (RFC 7519 §4: a JWT with duplicate claim names must be rejected; nlohmann alone keeps the
// last one, so what is checked and what is used could differ).
JsonProblem parse_object(std::string_view text, json& out) {
  std::vector<std::set<std::string>> names;
  bool duplicate = false;
  const json::parser_callback_t watch = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      names.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!names.empty()) names.pop_back();
    } else if (event == json::parse_event_t::key && !names.empty()) {
      if (!names.back().insert(parsed.get<std::string>()).second) duplicate = true;
    }
    return true;
  };
  out = json::parse(text.begin(), text.end(), watch, false);
  if (out.is_discarded()) return JsonProblem::malformed;
  if (duplicate) return JsonProblem::duplicate_member;
  if (!out.is_object()) return JsonProblem::not_an_object;
  return JsonProblem::none;
}

std::optional<TokenError> refuse_json(JsonProblem problem, const char* part) {
  switch (problem) {
    case JsonProblem::none: return std::nullopt;
    case JsonProblem::malformed: return TokenError{std::string("the token ") + part + " is not valid JSON"};
    case JsonProblem::not_an_object: return TokenError{std::string("the token ") + part + " is not a JSON object"};
    case JsonProblem::duplicate_member:
      return TokenError{std::string("the token ") + part + " has a member name twice"};
  }
  return TokenError{"the token is malformed"};
}

// How a JSON number compares with `t`: negative, zero or positive. Integers exactly, fractions
// as doubles (Unix times are far inside double's exact range).
int compare_number(const json& number, long long t) {
  if (number.is_number_unsigned()) {
    const auto u = number.get<std::uint64_t>();
    if (t < 0) return 1;
    const auto ut = static_cast<std::uint64_t>(t);
    return u < ut ? -1 : u > ut ? 1 : 0;
  }
  if (number.is_number_integer()) {
    const auto v = number.get<std::int64_t>();
    return v < t ? -1 : v > t ? 1 : 0;
  }
  const double d = number.get<double>(), td = static_cast<double>(t);
  return d < td ? -1 : d > td ? 1 : 0;
}

long long saturating_add(long long a, long long b) {
  long long r = 0;
  if (__builtin_add_overflow(a, b, &r))
    return b > 0 ? std::numeric_limits<long long>::max() : std::numeric_limits<long long>::min();
  return r;
}

bool signature_matches(std::string_view signed_part, const std::string& signature, const std::string& secret) {
  if (signature.size() != hs256_signature_bytes) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  static const unsigned char no_key = 0;
  const auto* key = secret.empty() ? &no_key : reinterpret_cast<const unsigned char*>(secret.data());
  if (!HMAC(EVP_sha256(), key, static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &mac_size) ||
      mac_size != hs256_signature_bytes)
    return false;
  return CRYPTO_memcmp(mac, signature.data(), hs256_signature_bytes) == 0;
}

// The compact form split in its three segments, each non-empty and of base64url characters only.
std::variant<std::vector<std::string_view>, TokenError> split_compact(std::string_view token) {
  if (token.empty()) return TokenError{"empty bearer token"};
  if (token.size() > max_token_bytes) return TokenError{"the token is longer than 8 KiB"};
  std::vector<std::string_view> segments;
  size_t start = 0;
  for (size_t i = 0; i <= token.size(); ++i) {
    if (i == token.size() || token[i] == '.') {
      segments.push_back(token.substr(start, i - start));
      start = i + 1;
    } else if (!is_base64url_char(token[i])) {
      return TokenError{"the token may hold only base64url characters (A-Z a-z 0-9 - _) and two dots"};
    }
  }
  if (segments.size() != 3) return TokenError{"the token must be three base64url segments separated by dots"};
  for (auto segment : segments)
    if (segment.empty()) return TokenError{"the token has an empty segment"};
  return segments;
}

std::optional<TokenError> check_header(std::string_view segment) {
  const auto text = base64url_decode(segment);
  if (!text) return TokenError{"the token header is not valid base64url"};
  json header;
  if (auto err = refuse_json(parse_object(*text, header), "header")) return err;
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256")
    return TokenError{"only alg HS256 is accepted"};
  // crit names extensions the recipient must understand (RFC 7515 §4.1.11); none is supported.
  if (header.contains("crit")) return TokenError{"the token header has crit extensions, which are not supported"};
  return std::nullopt;
}

// exp is required; exp, nbf and iat must be JSON numbers (NumericDate, RFC 7519 §2).
std::optional<TokenError> check_times(const json& claims, const TokenRules& rules, long long now) {
  const long long leeway = rules.leeway.count();
  const auto exp = claims.find("exp");
  if (exp == claims.end()) return TokenError{"the token has no exp claim"};
  if (!exp->is_number()) return TokenError{"the exp claim must be a number"};
  if (compare_number(*exp, saturating_add(now, -leeway)) <= 0) return TokenError{"the token has expired"};
  if (const auto nbf = claims.find("nbf"); nbf != claims.end()) {
    if (!nbf->is_number()) return TokenError{"the nbf claim must be a number"};
    if (compare_number(*nbf, saturating_add(now, leeway)) > 0) return TokenError{"the token is not valid yet"};
  }
  if (const auto iat = claims.find("iat"); iat != claims.end() && !iat->is_number())
    return TokenError{"the iat claim must be a number"};
  return std::nullopt;
}

std::optional<TokenError> check_issuer_and_audience(const json& claims, const TokenRules& rules) {
  if (!rules.issuer.empty()) {
    const auto iss = claims.find("iss");
    if (iss == claims.end()) return TokenError{"the token has no iss claim"};
    if (!iss->is_string() || iss->get_ref<const std::string&>() != rules.issuer)
      return TokenError{"the token's iss claim is not the expected issuer"};
  }
  if (!rules.audience.empty()) {
    const auto aud = claims.find("aud");
    if (aud == claims.end()) return TokenError{"the token has no aud claim"};
    bool named = aud->is_string() && aud->get_ref<const std::string&>() == rules.audience;
    if (aud->is_array())
      for (const auto& entry : *aud)
        named = named || (entry.is_string() && entry.get_ref<const std::string&>() == rules.audience);
    if (!named) return TokenError{"the token's aud claim does not name this service"};
  }
  return std::nullopt;
}

}  // namespace

std::variant<std::string, TokenError> verify_token(const std::string& token, const TokenRules& rules,
                                                   long long now_seconds) {
  json claims;
  return verify_token(token, rules, now_seconds, claims);
}

std::optional<TokenError> check_token_times(const json& claims, const TokenRules& rules, long long now_seconds) {
  return check_times(claims, rules, now_seconds);
}

std::variant<std::string, TokenError> verify_token(const std::string& token, const TokenRules& rules,
                                                   long long now_seconds, json& claims) {
  auto split = split_compact(token);
  if (auto* err = std::get_if<TokenError>(&split)) return *err;
  const auto& segments = std::get<std::vector<std::string_view>>(split);
  if (auto err = check_header(segments[0])) return *err;

  // Nothing in the claims is looked at before the signature holds.
  const auto signature = base64url_decode(segments[2]);
  if (!signature || signature->size() != hs256_signature_bytes)
    return TokenError{"the token signature is not a base64url HS256 signature"};
  const std::string_view signed_part(token.data(), segments[0].size() + 1 + segments[1].size());
  if (!signature_matches(signed_part, *signature, rules.secret))
    return TokenError{"the token signature does not verify"};

  const auto claims_text = base64url_decode(segments[1]);
  if (!claims_text) return TokenError{"the token claims are not valid base64url"};
  if (auto err = refuse_json(parse_object(*claims_text, claims), "claims")) return *err;
  if (auto err = check_times(claims, rules, now_seconds)) return *err;
  const auto sub = claims.find("sub");
  if (sub == claims.end()) return TokenError{"the token has no sub claim"};
  if (!sub->is_string()) return TokenError{"the sub claim must be a string"};
  const std::string& user = sub->get_ref<const std::string&>();
  if (!acceptable_user(user)) return TokenError{"the sub claim is not an acceptable user id"};
  if (auto err = check_issuer_and_audience(claims, rules)) return *err;
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
