// Bearer tokens (http/request_meta bearer_token, http/jwt verify_token, http/token_cache,
// core/base64url). An input that starts with '{' is a claims set (or "header\nclaims") signed
// here with the right key, so that the fuzzer reaches the claim checks past the signature;
// anything else is an Authorization header as a client sends it. Either way: a user or a
// TokenError, never an exception; the cache answers as verification does, also on a hit.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64url.hpp"
#include "http/jwt.hpp"
#include "http/request_meta.hpp"
#include "http/token_cache.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";
constexpr long long now = 1'800'000'000;

std::string signed_token(std::string_view header, std::string_view claims) {
  const std::string signing_input = tasks::base64url_encode(header) + "." + tasks::base64url_encode(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &mac_size);
  return signing_input + "." + tasks::base64url_encode({reinterpret_cast<const char*>(mac), mac_size});
}

void check(const std::string& token, const tasks::http::TokenRules& rules) {
  using namespace tasks::http;
  const auto direct = verify_token(token, rules, now);
  if (const auto* user = std::get_if<std::string>(&direct)) {
    FUZZ_CHECK(!user->empty() && user->size() <= 255);
    for (unsigned char c : *user) FUZZ_CHECK(c >= 0x20 && c != 0x7f);
  } else {
    FUZZ_CHECK(!std::get<TokenError>(direct).reason.empty());
  }
  TokenCache cache;
  for (int round = 0; round < 2; ++round) {  // a miss, then (for a valid token) a hit
    const auto cached = cache.verify(token, rules, now);
    FUZZ_CHECK(cached.index() == direct.index());
    if (direct.index() == 0) FUZZ_CHECK(std::get<0>(cached) == std::get<0>(direct));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto text = fuzz::as_text(data, size);
  std::string token;
  if (!text.empty() && text.front() == '{') {
    const auto [first, second] = fuzz::split(text, '\n');
    token = second.empty() ? signed_token(R"({"alg":"HS256","typ":"JWT"})", first) : signed_token(first, second);
  } else {
    const auto bearer = http::bearer_token(std::string(text));
    if (!bearer) return 0;
    token = *bearer;
  }
  check(token, {secret, std::chrono::seconds(30)});
  check(token, {secret, std::chrono::seconds(0), "https://issuer.example", "tasks-api"});
  return 0;
}
