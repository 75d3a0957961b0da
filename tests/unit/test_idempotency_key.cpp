#include <boost/test/unit_test.hpp>
#include <set>
#include <string>
#include <vector>

#include "http/idempotency.hpp"

using namespace tasks::http;

namespace {

using Parsed = std::variant<std::optional<std::string>, KeyError>;

std::string key_of(const std::string& header) {
  const Parsed r = parse_idempotency_key(header);
  if (auto* e = std::get_if<KeyError>(&r)) return "refused: " + e->detail;
  const auto& key = std::get<std::optional<std::string>>(r);
  return key ? *key : "refused: no key";
}

std::string refusal(const std::string& header) {
  const Parsed r = parse_idempotency_key(header);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<KeyError>(r), "expected a refusal of [" + header + "]");
  return std::get<KeyError>(r).detail;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency_key)

BOOST_AUTO_TEST_CASE(no_header_is_no_key) {
  const Parsed r = parse_idempotency_key(std::nullopt);
  BOOST_REQUIRE(std::holds_alternative<std::optional<std::string>>(r));
  BOOST_TEST(!std::get<std::optional<std::string>>(r).has_value());
}

BOOST_AUTO_TEST_CASE(a_structured_fields_string_is_unquoted) {
  BOOST_TEST(key_of(R"("abc")") == "abc");
  BOOST_TEST(key_of(R"("8e03978e-40d5-43e8-bc93-6894a57f9324")") == "8e03978e-40d5-43e8-bc93-6894a57f9324");
  BOOST_TEST(key_of(R"("a \"quoted\" key")") == R"(a "quoted" key)");
  BOOST_TEST(key_of(R"("back\\slash")") == R"(back\slash)");
  BOOST_TEST(key_of(R"("\\")") == R"(\)");
  BOOST_TEST(key_of(R"("\"")") == R"(")");
  BOOST_TEST(key_of(R"("with space")") == "with space");
  BOOST_TEST(key_of(R"( "abc"	)") == "abc");  // white space around the field value is not part of it
}

BOOST_AUTO_TEST_CASE(a_bare_token_is_taken_as_it_is) {
  BOOST_TEST(key_of("abc") == "abc");
  BOOST_TEST(key_of("8e03978e-40d5-43e8-bc93-6894a57f9324") == "8e03978e-40d5-43e8-bc93-6894a57f9324");
  BOOST_TEST(key_of("!") == "!");
  BOOST_TEST(key_of("~") == "~");
  // Quotes and backslashes belong to the quoted form only: a bare key holding one is ambiguous.
  BOOST_TEST(key_of(R"(a"b)").rfind("refused", 0) == 0u);
  BOOST_TEST(key_of(R"(a\b)").rfind("refused", 0) == 0u);
  BOOST_TEST(key_of("  abc  ") == "abc");
  std::string all_visible;
  for (char c = 0x21; c <= 0x7E; ++c)
    if (c != '"' && c != '\\') all_visible += c;
  BOOST_TEST(key_of(all_visible) == all_visible);
}

BOOST_AUTO_TEST_CASE(keys_are_1_to_255_characters) {
  BOOST_TEST(key_of(std::string(255, 'k')) == std::string(255, 'k'));
  BOOST_TEST(key_of("\"" + std::string(255, 'k') + "\"") == std::string(255, 'k'));
  BOOST_TEST(key_of("\"" + std::string(254, 'k') + "\\\\\"") == std::string(254, 'k') + "\\");
  BOOST_TEST(refusal(std::string(256, 'k')).find("255") != std::string::npos);
  BOOST_TEST(refusal("\"" + std::string(256, 'k') + "\"").find("255") != std::string::npos);
  BOOST_TEST(refusal("\"" + std::string(255, 'k') + "\\\\\"").find("255") != std::string::npos);
  BOOST_TEST(refusal(std::string(1'000'000, 'k')).find("255") != std::string::npos);
  BOOST_TEST(refusal("").find("empty") != std::string::npos);
  BOOST_TEST(refusal("   ").find("empty") != std::string::npos);
  BOOST_TEST(refusal(R"("")").find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(control_and_non_ascii_bytes_are_refused) {
  for (const std::string& bad :
       std::vector<std::string>{std::string("ab\0c", 4), std::string("\0", 1), "a\tb", "a\nb", "a\rb",
                                "a\x1b"
                                "b",
                                "a\x7f", "\x01", std::string("\"ab\0c\"", 6), "\"a\tb\"", "\"a\x7f\""}) {
    const auto detail = refusal(bad);
    BOOST_TEST(detail.find("control") != std::string::npos, detail);
  }
  for (const std::string& bad : std::vector<std::string>{"caf\xc3\xa9", "\xff", "\"caf\xc3\xa9\"", "a\x80"}) {
    const auto detail = refusal(bad);
    BOOST_TEST(detail.find("ASCII") != std::string::npos, detail);
  }
  BOOST_TEST(refusal("a b").find("space") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_quoted_strings_are_refused) {
  BOOST_TEST(refusal(R"("abc)").find("closing") != std::string::npos);
  BOOST_TEST(refusal(R"(")").find("closing") != std::string::npos);
  BOOST_TEST(refusal(R"("abc\")").find("closing") != std::string::npos);  // the quote is escaped
  BOOST_TEST(refusal(R"("abc\)").find("escape") != std::string::npos);
  BOOST_TEST(refusal(R"("a\nb")").find("escape") != std::string::npos);
  BOOST_TEST(refusal(R"("a\'b")").find("escape") != std::string::npos);
  BOOST_TEST(refusal(R"("abc"def)").find("closing quote") != std::string::npos);
  BOOST_TEST(refusal(R"("abc";p=1)").find("closing quote") != std::string::npos);
  BOOST_TEST(refusal(R"("a", "b")").find("closing quote") != std::string::npos);
  BOOST_TEST(refusal(R"("abc" "def")").find("closing quote") != std::string::npos);
  BOOST_TEST(refusal(R"(""")").find("closing quote") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_detail_names_the_header) {
  for (const std::string& bad : std::vector<std::string>{"", "a b", "\"x", std::string(300, 'x'), "\xff"})
    BOOST_TEST(refusal(bad).rfind("Idempotency-Key ", 0) == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_fingerprint_hash)

BOOST_AUTO_TEST_CASE(is_sha256_over_length_prefixed_parts) {
  // Pinned: the fingerprints are stored with the keys and must stay the same across releases.
  // sha256(be64(len) || method || be64(len) || path || be64(len) || body).
  BOOST_TEST(request_fingerprint("POST", "/api/v1/tasks", R"({"title":"a"})") ==
             "0972cd90366913d0f1bb4f5d266f0356eb537ec8b5f490338b8a5c74959e07e5");
  BOOST_TEST(request_fingerprint("", "", "") == "9d908ecfb6b256def8b49a7c504e6c889c4b0e41fe6ce3e01863dd7b61a20aa0");
}

BOOST_AUTO_TEST_CASE(is_lower_case_hex_of_32_bytes) {
  const auto fp = request_fingerprint("PATCH", "/api/v1/tasks/x", std::string(100'000, 'b'));
  BOOST_TEST(fp.size() == 64u);
  BOOST_TEST(fp.find_first_not_of("0123456789abcdef") == std::string::npos);
  BOOST_TEST(request_fingerprint("PATCH", "/api/v1/tasks/x", std::string(100'000, 'b')) == fp);
}

BOOST_AUTO_TEST_CASE(different_requests_never_collide_by_concatenation) {
  // Each of these pairs has the same bytes when its parts are simply concatenated.
  const std::vector<std::vector<std::string>> requests = {
      {"POST", "/a", "bc"}, {"POST", "/ab", "c"},   {"POST", "/abc", ""},  {"POS", "T/abc", ""},
      {"", "POST/abc", ""}, {"POST/abc", "", ""},   {"PATCH", "/t", ""},   {"PATCH", "/t", std::string(1, '\0')},
      {"PATCH", "", "/t"},  {"DELETE", "/t/1", ""}, {"DELETE", "/t/", "1"}};
  std::set<std::string> seen;
  for (const auto& r : requests) seen.insert(request_fingerprint(r[0], r[1], r[2]));
  BOOST_TEST(seen.size() == requests.size());
  // A NUL in the body counts: it is not the end of the body.
  BOOST_TEST(request_fingerprint("POST", "/p", std::string("a\0b", 3)) !=
             request_fingerprint("POST", "/p", std::string("a\0c", 3)));
}

BOOST_AUTO_TEST_SUITE_END()
