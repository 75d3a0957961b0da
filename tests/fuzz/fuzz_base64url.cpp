// base64url without padding (core/base64url, used by JWTs and cursors): decoding is strict, so a
// decoded value re-encodes to the text it came from, and every byte string survives a round trip.

#include "core/base64url.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto text = fuzz::as_text(data, size);
  if (const auto decoded = base64url_decode(text)) FUZZ_CHECK(base64url_encode(*decoded) == text);
  const auto encoded = base64url_encode(text);
  for (char c : encoded) FUZZ_CHECK(is_base64url_char(c));
  FUZZ_CHECK(base64url_decode(encoded) == std::string(text));
  return 0;
}
