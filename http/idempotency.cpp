#include "http/idempotency.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

namespace tasks::http {

namespace {

constexpr size_t max_key_chars = 255;

KeyError refused(std::string why) {
  return KeyError{"Idempotency-Key " + std::move(why)};
}

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// RFC 8941 §3.3.3 sf-string: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) ) DQUOTE, where
// unescaped is printable ASCII (0x20-0x7E) other than DQUOTE and "\". Parameters after the
// string (";a=b") are not part of the key's syntax in the draft, so they are refused.
std::variant<std::optional<std::string>, KeyError> parse_sf_string(std::string_view text) {
  std::string key;
  size_t i = 1;  // past the opening quote
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"') break;
    if (c < 0x20 || c == 0x7F) return refused("must not contain control characters");
    if (c > 0x7F) return refused("must be ASCII (no bytes above 0x7E)");
    if (c == '\\') {
      if (++i == text.size()) return refused("ends in the middle of an escape (\\)");
      if (text[i] != '"' && text[i] != '\\') return refused("may escape only \\\" and \\\\ inside its quotes");
    }
    key += text[i];
    if (key.size() > max_key_chars) return refused("must be at most 255 characters");
  }
  if (i == text.size()) return refused("has an opening quote but no closing one");
  if (i + 1 != text.size()) return refused("must end at its closing quote (no parameters or other text after it)");
  if (key.empty()) return refused("must not be empty");
  return std::optional<std::string>{std::move(key)};
}

// A bare key: 1..255 visible ASCII characters (0x21-0x7E) other than quotes and backslashes,
// taken as it is (a quote belongs only to the Structured Fields string form).
std::variant<std::optional<std::string>, KeyError> parse_bare(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7F) return refused("must not contain control characters");
    if (c > 0x7F) return refused("must be ASCII (no bytes above 0x7E)");
    if (c == ' ') return refused("must not contain spaces unless it is a quoted string (\"...\")");
    if (c == '"' || c == '\\') return refused("may hold quotes and backslashes only as a quoted string (\"...\")");
  }
  if (text.size() > max_key_chars) return refused("must be at most 255 characters");
  return std::optional<std::string>{std::string(text)};
}

void put_length_prefixed(EVP_MD_CTX* ctx, std::string_view part) {
  // 8 bytes of length, big-endian, then the bytes: a part can never run into the next one.
  unsigned char length[8];
  auto n = static_cast<std::uint64_t>(part.size());
  for (int i = 7; i >= 0; --i, n >>= 8) length[i] = static_cast<unsigned char>(n & 0xFF);
  if (EVP_DigestUpdate(ctx, length, sizeof length) != 1 || EVP_DigestUpdate(ctx, part.data(), part.size()) != 1)
    throw std::runtime_error("SHA-256 update failed");
}

}  // namespace

std::variant<std::optional<std::string>, KeyError> parse_idempotency_key(const std::optional<std::string>& header) {
  if (!header) return std::optional<std::string>{};
  // Optional white space around a field value is not part of it (RFC 9110 §5.5).
  std::string_view text(*header);
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  if (text.empty()) return refused("must not be empty");
  if (text.front() == '"') return parse_sf_string(text);
  return parse_bare(text);
}

std::string request_fingerprint(std::string_view method, std::string_view path, std::string_view body) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 is not available");
  put_length_prefixed(ctx.get(), method);
  put_length_prefixed(ctx.get(), path);
  put_length_prefixed(ctx.get(), body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) throw std::runtime_error("SHA-256 final failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace tasks::http
