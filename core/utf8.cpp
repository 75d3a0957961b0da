#include "core/utf8.hpp"

namespace tasks {

namespace {

constexpr size_t cut_short = std::string_view::npos;

// The length of the well-formed sequence that `s` starts with; 0 when its first byte starts
// none, cut_short when `s` ends inside one that is well-formed so far.
size_t sequence_at(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) low = 0xA0;   // overlong
    if (c == 0xED) high = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) low = 0x90;   // overlong
    if (c == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if (k == s.size()) return cut_short;
    const auto d = static_cast<unsigned char>(s[k]);
    if (d < (k == 1 ? low : 0x80) || d > (k == 1 ? high : 0xBF)) return 0;
  }
  return n;
}

}  // namespace

std::string utf8_prefix(std::string_view text, size_t max_bytes) {
  text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const size_t n = sequence_at(text.substr(i));
    if (n == cut_short) break;
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace tasks
