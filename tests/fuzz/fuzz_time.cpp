// RFC 3339 times (core/time): what parse_rfc3339 accepts lies within the writable years and
// reads back the same from the text format_rfc3339 writes for it.

#include "core/time.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto parsed = parse_rfc3339(fuzz::as_text(data, size));
  if (!parsed) return 0;
  FUZZ_CHECK(*parsed >= min_rfc3339_millis && *parsed <= max_rfc3339_millis);
  const auto text = format_rfc3339(*parsed);
  FUZZ_CHECK(text.size() == 24 && text.back() == 'Z');
  FUZZ_CHECK(parse_rfc3339(text) == parsed);
  return 0;
}
