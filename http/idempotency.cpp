#include "http/idempotency.hpp"

// Placeholder until the strict version lands (issue 9, input edges).
#include <openssl/evp.h>

namespace tasks::http {

std::variant<std::optional<std::string>, KeyError> parse_idempotency_key(const std::optional<std::string>& header) {
  if (!header) return std::optional<std::string>{};
  std::string key = *header;
  if (key.size() >= 2 && key.front() == '"' && key.back() == '"') key = key.substr(1, key.size() - 2);
  if (key.empty() || key.size() > 255) return KeyError{"Idempotency-Key must be 1 to 255 visible characters"};
  for (unsigned char c : key)
    if (c < 0x21 || c > 0x7e) return KeyError{"Idempotency-Key must be 1 to 255 visible characters"};
  return std::optional<std::string>{key};
}

std::string request_fingerprint(std::string_view method, std::string_view path, std::string_view body) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  for (auto part : {method, path, body}) {
    const std::string length = std::to_string(part.size()) + ":";
    EVP_DigestUpdate(ctx, length.data(), length.size());
    EVP_DigestUpdate(ctx, part.data(), part.size());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace tasks::http
