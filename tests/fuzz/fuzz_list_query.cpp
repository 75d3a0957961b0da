// GET /tasks query strings (http/request_meta query_parameters and url_decode, core/validation
// parse_list_query, core/list_cursor): malformed encodings and bad values are refused as values,
// and every refusal renders as problem details (a percent-decoded key may be any bytes).

#include "core/list_cursor.hpp"
#include "core/validation.hpp"
#include "http/problem.hpp"
#include "http/request_meta.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto text = fuzz::as_text(data, size);
  (void)http::url_decode(text);
  const auto params = http::query_parameters(text);
  if (!params) return 0;
  const auto query = parse_list_query(*params);
  if (const auto* err = std::get_if<InputError>(&query)) {
    FUZZ_CHECK(err->status == 400);
    (void)http::problem_body({err->status, err->detail, err->field}, "c");
    return 0;
  }
  const auto& q = std::get<ListQuery>(query);
  FUZZ_CHECK(q.limit >= 1 && q.limit <= max_list_limit && q.offset >= 0);
  FUZZ_CHECK(!(q.after && params->count("offset")));
  // The cursor a next page carries names the same position again.
  if (q.after) FUZZ_CHECK(decode_list_cursor(encode_list_cursor(*q.after)) == q.after);
  return 0;
}
