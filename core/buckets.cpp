#include "core/buckets.hpp"

#include <cstring>

namespace tasks {

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::int32_t bucket_of(std::string_view user_id, std::int32_t count) {
  if (count <= 1) return 0;
  return static_cast<std::int32_t>(stable_hash(user_id) % static_cast<std::uint64_t>(count));
}

std::int64_t user_lock_key(std::string_view user_id) {
  const std::uint64_t h = stable_hash(user_id);
  std::int64_t key;
  std::memcpy(&key, &h, sizeof key);  // the same bits as a signed bigint
  return key;
}

}  // namespace tasks
