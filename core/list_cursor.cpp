#include "core/list_cursor.hpp"

// The cursor is base64url without padding (RFC 4648 §5) of the payload "v1:<position>", the
// position in plain decimal. The version prefix lets a later format be told apart from this one;
// base64url keeps the cursor opaque and safe in a query string and a Link header without
// escaping. Decoding accepts exactly the strings encode_list_cursor makes: every payload has one
// encoding (no padding, zero trailing bits) and every position one decimal form (no sign, no
// leading zeros), so a cursor a client edited is refused instead of being read as some position.

#include <limits>

#include "core/base64url.hpp"

namespace tasks {

namespace {

constexpr std::string_view version_prefix = "v1:";
// "v1:" and the 19 digits of INT64_MAX are 22 bytes: 30 characters. Anything longer is refused
// before it is decoded.
constexpr size_t max_cursor_chars = 64;

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
  return base64url_encode(std::string(version_prefix) + std::to_string(position));
}

std::optional<std::int64_t> decode_list_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > max_cursor_chars) return std::nullopt;
  const auto payload = base64url_decode(cursor);
  if (!payload || payload->compare(0, version_prefix.size(), version_prefix) != 0) return std::nullopt;
  return canonical_decimal(std::string_view(*payload).substr(version_prefix.size()));
}

}  // namespace tasks
