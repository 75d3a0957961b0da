// What travels with a request besides its body (http/request_meta): X-Correlation-ID,
// traceparent and tracestate (the input's first line and the rest), Content-Type, Authorization.
// Each is taken as sent when valid or replaced, never half-read; taking a value again keeps it.

#include "http/request_meta.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const std::string text(fuzz::as_text(data, size));

  const auto correlation = http::correlation_id_from(text);
  FUZZ_CHECK(!correlation.empty() && correlation.size() <= 128);
  FUZZ_CHECK(http::correlation_id_from(correlation) == correlation);

  const auto [first_line, rest] = fuzz::split(text, '\n');
  const std::string traceparent(first_line), tracestate(rest);
  const auto own = http::traceparent_from(traceparent);
  if (!own.empty()) {
    FUZZ_CHECK(own.size() == 55 && traceparent.find(own) != std::string::npos);
    FUZZ_CHECK(http::traceparent_from(own) == own);
  }
  const auto state = http::tracestate_from(tracestate);
  if (!state.empty()) FUZZ_CHECK(state.size() <= 512 && http::tracestate_from(state) == state);
  const auto context = http::trace_context_from(traceparent, tracestate);
  FUZZ_CHECK(http::traceparent_from(context.traceparent) == context.traceparent);
  FUZZ_CHECK(context.fresh == own.empty());
  FUZZ_CHECK(context.tracestate == (context.fresh ? "" : state));

  const auto media = http::media_type(text);
  FUZZ_CHECK(http::media_type(media) == media);

  if (const auto token = http::bearer_token(text); token && !token->empty())
    FUZZ_CHECK(http::bearer_token("Bearer " + *token) == token);
  return 0;
}
