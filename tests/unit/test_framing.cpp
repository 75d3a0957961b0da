// HTTP/1.1 framing as pure functions: what a head is, what it means, and the bytes of an answer.
// Every refusal here is one the server answers at once, before any timeout.

#include <boost/test/unit_test.hpp>

#include "http/framing.hpp"

using namespace tasks::http;

namespace {

const FramingLimits limits;

HeadScan scan(std::string_view bytes) {
  return scan_head(bytes, limits);
}

// The status a complete head is refused with (0 when it is accepted).
int refusal(std::string_view bytes) {
  auto s = scan(bytes);
  if (s.state == HeadScan::State::bad) return s.error.status;
  BOOST_REQUIRE(s.state == HeadScan::State::complete);
  auto meaning = interpret_head(s.head, limits);
  if (auto* e = std::get_if<FramingError>(&meaning)) return e->status;
  return 0;
}

HeadMeaning meaning_of(std::string_view bytes) {
  auto s = scan(bytes);
  BOOST_REQUIRE(s.state == HeadScan::State::complete);
  auto m = interpret_head(s.head, limits);
  BOOST_REQUIRE(std::holds_alternative<HeadMeaning>(m));
  return std::get<HeadMeaning>(m);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(framing)

BOOST_AUTO_TEST_CASE(a_complete_head_is_read_with_its_fields_and_length) {
  const std::string head = "GET /api/v1/tasks?limit=5 HTTP/1.1\r\nHost: example.com:8080\r\nX-A:  v w  \r\n\r\n";
  auto s = scan(head + "BODY");
  BOOST_REQUIRE(s.state == HeadScan::State::complete);
  BOOST_TEST(s.length == head.size());
  BOOST_TEST(s.skipped == 0u);
  BOOST_TEST(s.head.method == "GET");
  BOOST_TEST(s.head.target == "/api/v1/tasks?limit=5");
  BOOST_TEST(s.head.version == 11u);
  BOOST_REQUIRE(s.head.fields.size() == 2u);
  BOOST_TEST(s.head.fields[1].first == "X-A");
  BOOST_TEST(s.head.fields[1].second == "v w");  // optional white space trimmed, inner kept
  auto m = meaning_of(head);
  BOOST_TEST(m.path == "/api/v1/tasks");
  BOOST_TEST(m.query == "limit=5");
  BOOST_TEST(m.keep_alive);
  BOOST_TEST((m.body.kind == BodyFraming::Kind::none));
}

BOOST_AUTO_TEST_CASE(every_prefix_of_a_valid_head_needs_more_and_never_fails) {
  const std::string head =
      "POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n";
  for (size_t n = 0; n < head.size(); ++n)
    BOOST_TEST((scan(head.substr(0, n)).state == HeadScan::State::need_more), "prefix of " << n << " bytes");
  BOOST_TEST((scan(head).state == HeadScan::State::complete));
}

BOOST_AUTO_TEST_CASE(leading_empty_lines_are_skipped) {
  auto s = scan("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_REQUIRE(s.state == HeadScan::State::complete);
  BOOST_TEST(s.skipped == 4u);
  BOOST_TEST(s.head.target == "/");
}

BOOST_AUTO_TEST_CASE(garbage_is_refused_on_its_first_bad_byte) {
  // No end of head in sight, yet each is refused at once: a client sending these never waits.
  for (std::string_view bytes :
       {std::string_view("\x16\x03\x01\x02\x00", 5), std::string_view("HELLO\r"), std::string_view(" GET / HTTP/1.1"),
        std::string_view("GET  / HTTP/1.1"), std::string_view("GET / HTTX"), std::string_view("GET / HTTP/1.1\n"),
        std::string_view("GET / HTTP/1.1\r\nHost x\r"), std::string_view("G\x01T / HTTP/1.1"),
        std::string_view("GET /a\x7f HTTP/1.1")}) {
    auto s = scan(bytes);
    BOOST_TEST((s.state == HeadScan::State::bad), std::string(bytes));
    BOOST_TEST(s.error.status == 400);
  }
}

BOOST_AUTO_TEST_CASE(field_lines_are_read_strictly) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost x\r\n\r\n") == 400);               // no colon
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost : x\r\n\r\n") == 400);             // space before colon
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n") == 400);   // obs-fold
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n") == 400);  // control byte
  BOOST_TEST(refusal(std::string_view("GET / HTTP/1.1\r\nHost: x\r\nA: b\0c\r\n\r\n", 33)) == 400);  // NUL
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: x\r\nA: b\rc\r\n\r\n") == 400);                        // bare CR
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: x\r\nA: b\nB: c\r\n\r\n") == 400);                     // bare LF
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n") == 400);                            // empty name
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: x\r\nA: caf\xc3\xa9\r\n\r\n") == 0);                   // obs-text is fine
}

BOOST_AUTO_TEST_CASE(heads_over_the_limits_are_refused) {
  std::string big = "GET / HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(20'000, 'a');
  BOOST_TEST(scan(big).error.status == 431);  // refused before its end arrives
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  BOOST_TEST(refusal(many + "\r\n") == 431);
  BOOST_TEST(scan("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n").error.status == 414);
}

BOOST_AUTO_TEST_CASE(version_method_and_target) {
  BOOST_TEST(refusal("GET / HTTP/9.9\r\nHost: x\r\n\r\n") == 505);
  BOOST_TEST(refusal("GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505);
  BOOST_TEST(refusal("BREW / HTTP/1.1\r\nHost: x\r\n\r\n") == 501);
  BOOST_TEST(refusal("get / HTTP/1.1\r\nHost: x\r\n\r\n") == 501);  // methods are case-sensitive
  BOOST_TEST(refusal("GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  BOOST_TEST(refusal("GET x HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  BOOST_TEST(refusal("GET * HTTP/1.1\r\nHost: x\r\n\r\n") == 400);
  BOOST_TEST(refusal("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
  auto absolute = meaning_of("GET http://example.com:8080/healthz?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
  BOOST_TEST(absolute.path == "/healthz");
  BOOST_TEST(absolute.query == "x=1");
  BOOST_TEST(meaning_of("GET https://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n").path == "/");
}

BOOST_AUTO_TEST_CASE(host_is_required_once_and_valid) {
  BOOST_TEST(refusal("GET / HTTP/1.1\r\n\r\n") == 400);
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
  BOOST_TEST(refusal("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") == 400);
  BOOST_TEST(refusal("GET / HTTP/1.0\r\n\r\n") == 0);  // optional in 1.0
  for (std::string_view good : {"", "localhost", "127.0.0.1:8080", "[::1]:80", "[2001:db8::1]", "a-b.example", "x%41"})
    BOOST_TEST(valid_host(good), std::string(good));
  for (std::string_view bad : {"a/b", "a@b", "a b", "[::1", "[::1]x", "h:port", "h:123456", "%4", "a\"b"})
    BOOST_TEST(!valid_host(bad), std::string(bad));
}

BOOST_AUTO_TEST_CASE(body_framing_refuses_everything_ambiguous) {
  auto post = [](std::string fields) { return "POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n"; };
  BOOST_TEST(meaning_of(post("Content-Length: 12\r\n")).body.length == 12u);
  BOOST_TEST((meaning_of(post("Content-Length: 0\r\n")).body.kind == BodyFraming::Kind::none));
  BOOST_TEST(meaning_of(post("Content-Length: 7, 7\r\n")).body.length == 7u);  // repeated, same value
  BOOST_TEST(meaning_of(post("Content-Length: 1099511627776\r\n")).body.length == 1099511627776u);  // 413 later
  BOOST_TEST(refusal(post("Content-Length: 100000000000000000000\r\n")) == 400);                    // does not fit
  BOOST_TEST(refusal(post("Content-Length: -5\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length: +5\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length: 1,2\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length: 5\r\nContent-Length: 6\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length: 12abc\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length: 0x10\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length:\r\n")) == 400);
  BOOST_TEST(refusal(post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")) == 400);
  BOOST_TEST((meaning_of(post("Transfer-Encoding: chunked\r\n")).body.kind == BodyFraming::Kind::chunked));
  BOOST_TEST((meaning_of(post("Transfer-Encoding: CHUNKED\r\n")).body.kind == BodyFraming::Kind::chunked));
  BOOST_TEST(refusal(post("Transfer-Encoding: gzip, chunked\r\n")) == 501);
  BOOST_TEST(refusal(post("Transfer-Encoding: chunked, gzip\r\n")) == 400);
  BOOST_TEST(refusal(post("Transfer-Encoding: gzip\r\n")) == 400);
  BOOST_TEST(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
}

BOOST_AUTO_TEST_CASE(connection_and_expect) {
  BOOST_TEST(!meaning_of("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").keep_alive);
  BOOST_TEST(!meaning_of("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Close\r\n\r\n").keep_alive);
  BOOST_TEST(!meaning_of("GET / HTTP/1.0\r\n\r\n").keep_alive);
  BOOST_TEST(meaning_of("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  BOOST_TEST(
      meaning_of("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n").expect_continue);
  BOOST_TEST(refusal("POST / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n") == 417);
}

BOOST_AUTO_TEST_CASE(answers_carry_their_length_and_a_head_answer_no_body) {
  Answer a;
  a.status = 201;
  a.headers = {{"X-Correlation-ID", "c1"}, {"Content-Length", "999"}, {"Location", "/x\r\nEvil: 1"}};
  a.body = "hello";
  const auto bytes = serialize_answer(a, false, true, "Tue, 01 Dec 2026 10:00:00 GMT");
  BOOST_TEST(bytes ==
             "HTTP/1.1 201 Created\r\nX-Correlation-ID: c1\r\nLocation: /x  Evil: 1\r\nContent-Length: 5\r\n"
             "Date: Tue, 01 Dec 2026 10:00:00 GMT\r\nConnection: keep-alive\r\n\r\nhello");
  const auto head = serialize_answer(a, true, false, "D");
  BOOST_TEST(head.find("Content-Length: 5\r\n") != std::string::npos);
  BOOST_TEST(head.find("Connection: close\r\n\r\n") == head.size() - 21);  // ends with the head: no body
  Answer none;
  none.status = 204;
  BOOST_TEST(serialize_answer(none, false, true, "D").find("Content-Length") == std::string::npos);
  BOOST_TEST(http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

BOOST_AUTO_TEST_SUITE_END()
