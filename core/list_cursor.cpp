#include "core/list_cursor.hpp"

// The cursor is base64url without padding (RFC 4648 §5) of the payload "v1:<position>", the
// position in plain decimal. The version prefix lets a later format be told apart from this one;
// base64url keeps the cursor opaque and safe in a query string and a Link header without
// escaping. Decoding accepts exactly the strings encode_list_cursor makes: every payload has one
// encoding (no padding, zero trailing bits) and every position one decimal form (no sign, no
// leading zeros), so a cursor a client edited is refused instead of being read as some position.

#include <array>
#include <limits>

namespace tasks {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view version_prefix = "v1:";
// "v1:" and the 19 digits of INT64_MAX are 22 bytes: 30 characters. Anything longer is refused
// before it is decoded.
constexpr size_t max_cursor_chars = 64;

std::string base64url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(bytes[i]) << 16 | static_cast<unsigned char>(bytes[i + 1]) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
  }
  return out;
}

// The value of a base64url character, or -1.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict base64url without padding: nothing outside the alphabet, no length that no byte
// string encodes to, and the unused low bits of the last character zero.
std::optional<std::string> unbase64url(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// A non-negative decimal without sign or leading zeros that fits an int64.
std::optional<std::int64_t> canonical_decimal(std::string_view digits) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  std::int64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const int d = c - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - d) / 10) return std::nullopt;
    value = value * 10 + d;
  }
  return value;
}

}  // namespace

// Positions are the store's sequence numbers, never negative; a negative one (which no page
// returns) is written as 0, which means the same as any position before the first task.
std::string encode_list_cursor(std::int64_t position) {
  if (position < 0) position = 0;
  return base64url(std::string(version_prefix) + std::to_string(position));
}

std::optional<std::int64_t> decode_list_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > max_cursor_chars) return std::nullopt;
  const auto payload = unbase64url(cursor);
  if (!payload || payload->compare(0, version_prefix.size(), version_prefix) != 0) return std::nullopt;
  return canonical_decimal(std::string_view(*payload).substr(version_prefix.size()));
}

}  // namespace tasks
