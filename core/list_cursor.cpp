#include "core/list_cursor.hpp"

// Placeholder until the cursor format lands (issue 9): the position in decimal.
#include <charconv>

namespace tasks {

std::string encode_list_cursor(std::int64_t position) {
  return std::to_string(position);
}

std::optional<std::int64_t> decode_list_cursor(std::string_view cursor) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), value);
  if (cursor.empty() || ec != std::errc{} || ptr != cursor.data() + cursor.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace tasks
