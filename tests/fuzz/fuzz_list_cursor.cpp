// The keyset cursor of ?after= (core/list_cursor): only cursors that encode_list_cursor wrote are
// accepted, so an accepted cursor is exactly the encoding of its position.

#include "core/list_cursor.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto text = fuzz::as_text(data, size);
  if (const auto position = decode_list_cursor(text)) {
    FUZZ_CHECK(*position >= 0);
    FUZZ_CHECK(encode_list_cursor(*position) == text);
  }
  return 0;
}
