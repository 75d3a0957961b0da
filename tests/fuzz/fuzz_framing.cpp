// HTTP/1.1 request framing (http/framing scan_head, interpret_head): any bytes are a head, a
// need for more, or a refusal with a 4xx/5xx status, never an exception. A complete head lies
// within the input, every prefix of it is still "need more" (the scan is incremental: nothing
// valid is refused early), and its meaning is computed without throwing.

#include "http/framing.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto bytes = fuzz::as_text(data, size);
  http::FramingLimits limits;
  limits.max_head_bytes = 2048;  // small limits, so that the fuzzer reaches them
  limits.max_fields = 8;
  limits.max_target_bytes = 512;
  const auto scan = http::scan_head(bytes, limits);
  using State = http::HeadScan::State;
  if (scan.state == State::bad) {
    FUZZ_CHECK(scan.error.status >= 400 && scan.error.status < 600 && !scan.error.detail.empty());
    return 0;
  }
  if (scan.state == State::need_more) return 0;
  const size_t end = scan.skipped + scan.length;
  FUZZ_CHECK(end <= bytes.size() && scan.length > 0);
  FUZZ_CHECK(scan.head.fields.size() <= limits.max_fields);
  for (const size_t cut : {end - 1, end / 2})
    FUZZ_CHECK(http::scan_head(bytes.substr(0, cut), limits).state == State::need_more);
  const auto meaning = http::interpret_head(scan.head, limits);
  if (const auto* err = std::get_if<http::FramingError>(&meaning))
    FUZZ_CHECK(err->status >= 400 && err->status < 600);
  else
    (void)http::serialize_answer({200, {{"Content-Type", "text/plain"}}, "ok", false}, scan.head.method == "HEAD",
                                 std::get<http::HeadMeaning>(meaning).keep_alive, "Thu, 01 Jan 2026 00:00:00 GMT");
  return 0;
}
