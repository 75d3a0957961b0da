// GET /tasks query strings (http/percent query_parameters and percent_decode, core/validation
// parse_list_query, core/list_cursor): malformed encodings and bad values are refused as values,
// every refusal renders as problem details, and what is accepted holds no NUL and is UTF-8.

#include "core/list_cursor.hpp"
#include "core/validation.hpp"
#include "http/percent.hpp"
#include "http/problem.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const auto text = fuzz::as_text(data, size);
  for (auto plus : {http::PlusSign::space, http::PlusSign::literal}) {
    const auto decoded = http::percent_decode(text, plus);
    if (const auto* s = std::get_if<std::string>(&decoded)) {
      FUZZ_CHECK(s->find('\0') == std::string::npos);
      FUZZ_CHECK(s->size() <= text.size());
    } else {
      FUZZ_CHECK(std::get<InputError>(decoded).status == 400);
    }
  }
  const auto params = http::query_parameters(text);
  if (const auto* err = std::get_if<InputError>(&params)) {
    FUZZ_CHECK(err->status == 400);
    FUZZ_CHECK(fuzz::valid_utf8(http::problem_body({err->status, err->detail, err->field}, "c")));
    return 0;
  }
  for (const auto& [key, value] : std::get<0>(params)) FUZZ_CHECK(fuzz::valid_utf8(key) && fuzz::valid_utf8(value));
  const auto query = parse_list_query(std::get<0>(params));
  if (const auto* err = std::get_if<InputError>(&query)) {
    FUZZ_CHECK(err->status == 400);
    (void)http::problem_body({err->status, err->detail, err->field}, "c");
    return 0;
  }
  const auto& q = std::get<ListQuery>(query);
  FUZZ_CHECK(q.limit >= 1 && q.limit <= max_list_limit && q.offset >= 0);
  FUZZ_CHECK(!(q.after && std::get<0>(params).count("offset")));
  // The cursor a next page carries names the same position again.
  if (q.after) FUZZ_CHECK(decode_list_cursor(encode_list_cursor(*q.after)) == q.after);
  return 0;
}
