// A single publish answer (events/failure_model decide and error_code_of, events/retry_policy
// describe): every answer has one scope, a delivered one only for 2xx; daprd's errorCode becomes
// a bounded metric label; its description for the outbox's last_error is valid UTF-8.

#include "events/failure_model.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/sidecar_answer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  // The client keeps 2 KiB of a single publish answer (events/dapr_client.cpp).
  const auto answer = fuzz::sidecar_answer(fuzz::as_text(data, size), 2048);
  const auto code = error_code_of(answer.body);
  FUZZ_CHECK(code.size() <= 64);
  for (char c : code) FUZZ_CHECK((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  for (const bool flowing : {false, true}) {
    const auto decision = decide(answer, flowing);
    FUZZ_CHECK((decision.scope == Scope::delivered) == is_delivered(answer));
    FUZZ_CHECK(decision.scope != Scope::poison || flowing);
    FUZZ_CHECK(fuzz::valid_utf8(decision.reason) && decision.reason.size() <= 64);
  }
  const auto text = describe(answer);
  FUZZ_CHECK(fuzz::valid_utf8(text));
  FUZZ_CHECK(text.size() <= 16 + 3 * 300);  // U+FFFD for each invalid byte of 300 at most
  return 0;
}
