#include "core/ids.hpp"

#include <uuid/uuid.h>

#include <array>
#include <cstdint>
#include <iterator>
#include <random>

namespace tasks {

// libuuid's uuid_generate_random reads the kernel's random source and reseeds a generator on
// every call (3 % of a create's instructions for four ids). A version 4 id needs 122 random bits,
// not a cryptographic secret: a 64-bit generator per thread, seeded once from the kernel, gives
// them. (Ids are unique, not unguessable: no decision depends on guessing one.)
std::string new_uuid() {
  thread_local std::mt19937_64 generator = [] {
    uuid_t seed_bytes;
    uuid_generate_random(seed_bytes);
    std::seed_seq seed(std::begin(seed_bytes), std::end(seed_bytes));
    return std::mt19937_64(seed);
  }();
  std::array<std::uint8_t, 16> raw;
  const std::uint64_t high = generator(), low = generator();
  for (size_t i = 0; i < 8; ++i) {
    raw[i] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    raw[8 + i] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
  }
  raw[6] = static_cast<std::uint8_t>((raw[6] & 0x0f) | 0x40);  // version 4
  raw[8] = static_cast<std::uint8_t>((raw[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string text(36, '-');
  size_t at = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the dashes stay
    text[at++] = hex[raw[i] >> 4];
    text[at++] = hex[raw[i] & 0x0f];
  }
  return text;
}

std::optional<std::string> canonical_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return std::nullopt;
    } else if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace tasks
