// The Idempotency-Key header (http/idempotency): a key or a KeyError, never an exception; an
// accepted key is 1..255 visible ASCII characters, and a fingerprint is always 64 hex digits.

#include "http/idempotency.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const std::string header(fuzz::as_text(data, size));
  const auto parsed = http::parse_idempotency_key(header);
  if (const auto* key = std::get_if<std::optional<std::string>>(&parsed)) {
    FUZZ_CHECK(key->has_value());
    FUZZ_CHECK(!(*key)->empty() && (*key)->size() <= 255);
    for (unsigned char c : **key) FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
  } else {
    FUZZ_CHECK(!std::get<http::KeyError>(parsed).detail.empty());
  }
  const auto fingerprint = http::request_fingerprint("POST", "/api/v1/tasks", header);
  FUZZ_CHECK(fingerprint.size() == 64);
  return 0;
}
