// Framing on raw sockets: what taskd does with bytes an ordinary client would never send, one
// case each, against the behaviour the HTTP front promises (docs/api.md, issue 9): HEAD without
// a body, pipelined requests answered in order, Connection: close honoured, malformed framing
// answered AT ONCE with 400/413/431/501/505 problem details and the connection closed, never a
// 500, never a late 408, never a hang.

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "tests/hostile/raw_client.hpp"
#include "tests/hostile/suite_support.hpp"
#include "tests/support/http_client.hpp"

using namespace tasks::hostile;
using tasks::testing::HttpClient;
using tasks::testing::TaskdProcess;

namespace {

constexpr Millis kAtOnce{1000};     // "at once": well before any timeout of the server
constexpr Millis kLateLook{11000};  // after a miss: how long to look for what the server does instead

// One taskd for the framing cases, started again if a case brought it down (and that is said).
struct FramingTaskd {
  FramingTaskd() { instance = start_taskd(); }
  ~FramingTaskd() { instance.reset(); }
  static inline std::unique_ptr<TaskdProcess> instance;
};

TaskdProcess& taskd() {
  if (!FramingTaskd::instance || !FramingTaskd::instance->running()) {
    BOOST_TEST_MESSAGE("starting taskd for the framing cases");
    FramingTaskd::instance = start_taskd();
  }
  return *FramingTaskd::instance;
}

std::string bearer(const std::string& user) {
  return "Authorization: Bearer " + taskd().token_for(user);
}

std::string describe(const Response& r) {
  std::string s = std::to_string(r.status) + " " + r.reason + " [";
  for (const auto& [n, v] : r.headers) s += n + ": " + v.substr(0, 60) + "; ";
  return s + "] '" + r.body.substr(0, 200) + "'";
}

// The next answer within `within`. On a miss, looks on for a while so that the failure says
// what the server did instead (a late answer, a close, nothing).
std::optional<Response> next_answer(RawClient& c, Millis within, const std::string& what, bool head = false) {
  auto r = c.next_response(within, head);
  if (r) return r;
  std::string instead = std::string(to_string(c.end())) + ": " + c.error();
  if (c.end() == RawClient::End::timeout) {
    const auto late = c.next_response(kLateLook, head);
    instead +=
        late ? "; then after " + std::to_string(int(c.waited_ms() + double(within.count()))) + " ms: " + describe(*late)
             : "; nothing in " + std::to_string(kLateLook.count()) + " ms more either (" + to_string(c.end()) + ")";
  }
  BOOST_ERROR(what << ": no answer within " << within.count() << " ms (" << instead << ")");
  return std::nullopt;
}

// An error answer as promised: the status, problem+json, an X-Correlation-ID, in time.
void check_problem(const Response& r, int status, const std::string& what) {
  BOOST_TEST(r.status == status, what << ": " << describe(r));
  BOOST_TEST(r.status != 500, what);
  BOOST_TEST(r.is_problem_json(), what << ": Content-Type '" << r.header("content-type") << "'");
  BOOST_TEST(!r.header("x-correlation-id").empty(), what << ": no X-Correlation-ID");
  if (r.is_problem_json()) {
    const auto body = nlohmann::json::parse(r.body, nullptr, false);
    BOOST_TEST((body.is_object() && body.value("status", 0) == r.status), what << ": problem body '" << r.body << "'");
  }
}

// Sends `bytes` on a fresh connection and expects `status` problem details at once, then the
// connection closed.
void expect_refused_at_once(const std::string& bytes, int status, const std::string& what, bool then_closed = true) {
  RawClient c(taskd().port());
  BOOST_REQUIRE_MESSAGE(c.connected(), what << ": " << c.error());
  c.send(bytes);
  const auto r = next_answer(c, kAtOnce, what);
  if (!r) return;
  BOOST_TEST_MESSAGE(what << ": " << describe(*r) << " after " << c.waited_ms() << " ms");
  check_problem(*r, status, what);
  BOOST_TEST(c.waited_ms() < double(kAtOnce.count()), what << ": took " << c.waited_ms() << " ms");
  if (then_closed) BOOST_TEST(c.closes_within(kAtOnce), what << ": not closed after the answer (" << c.error() << ")");
}

// The server still answers a fresh client, and is still the same process.
void still_serving() {
  BOOST_REQUIRE_MESSAGE(FramingTaskd::instance->running(), "taskd died; " << log_tail(*FramingTaskd::instance));
  RawClient c(taskd().port());
  c.send(http_request("GET", "/healthz"));
  const auto r = c.next_response(Millis(2000));
  BOOST_TEST((r && r->status == 200), "healthz afterwards: " << (r ? describe(*r) : c.error()));
}

std::string create_task(const std::string& user) {
  HttpClient http(taskd().base_url());
  const auto r =
      http.request("POST", "/api/v1/tasks", R"({"title":"framing"})", {bearer(user), "Content-Type: application/json"});
  BOOST_REQUIRE_MESSAGE(r.status == 201, "create: " << r.status << " " << r.body);
  return r.json()["id"].get<std::string>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(framing, *boost::unit_test::fixture<FramingTaskd>())

BOOST_AUTO_TEST_CASE(head_answer_has_the_get_headers_and_no_body) {
  const std::string id = create_task("head-user");
  RawClient c(taskd().port());
  c.send(http_request("GET", "/api/v1/tasks/" + id, {bearer("head-user")}));
  const auto get = next_answer(c, Millis(2000), "GET");
  BOOST_REQUIRE(get);
  BOOST_REQUIRE_EQUAL(get->status, 200);

  for (const std::string& target :
       std::vector<std::string>{"/api/v1/tasks/" + id, "/api/v1/tasks?limit=5", "/healthz"}) {
    BOOST_TEST_CONTEXT("HEAD " << target) {
      c.send(http_request("HEAD", target, {bearer("head-user"), "X-Correlation-ID: head-" + target}));
      const auto head = next_answer(c, Millis(2000), "HEAD " + target, true);
      BOOST_REQUIRE(head);
      BOOST_TEST(head->status == 200, describe(*head));
      BOOST_TEST(head->has_header("content-length"), "HEAD answer without Content-Length");
      if (target.find(id) != std::string::npos)
        BOOST_TEST(head->header("content-length") == std::to_string(get->body.size()), "HEAD and GET disagree");
      BOOST_TEST(head->header("x-correlation-id") == "head-" + target);
      // The next answer on the connection must start right where the HEAD answer's head ended.
      c.send(http_request("GET", "/healthz", {"X-Correlation-ID: after-head"}));
      const auto after = next_answer(c, Millis(2000), "GET after HEAD " + target);
      BOOST_REQUIRE_MESSAGE(after, "the HEAD answer carried a body (or the stream broke): " << c.error());
      BOOST_TEST(after->status == 200);
      BOOST_TEST(after->header("x-correlation-id") == "after-head");
    }
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(head_then_get_in_one_packet) {
  RawClient c(taskd().port());
  c.send(http_request("HEAD", "/api/v1/tasks?limit=3", {bearer("head-user"), "X-Correlation-ID: hp-1"}) +
         http_request("GET", "/healthz", {"X-Correlation-ID: hp-2"}));
  const auto head = next_answer(c, Millis(2000), "HEAD", true);
  BOOST_REQUIRE(head);
  BOOST_TEST(head->status == 200);
  BOOST_TEST(head->has_header("content-length"));
  BOOST_TEST(head->header("x-correlation-id") == "hp-1");
  const auto get = next_answer(c, Millis(2000), "the GET pipelined after the HEAD");
  BOOST_REQUIRE(get);
  BOOST_TEST(get->status == 200);
  BOOST_TEST(get->header("x-correlation-id") == "hp-2");
  still_serving();
}

BOOST_AUTO_TEST_CASE(requests_in_one_packet_are_answered_in_order) {
  RawClient c(taskd().port());
  c.send(http_request("POST", "/api/v1/tasks",
                      {bearer("pipe-user"), "Content-Type: application/json", "X-Correlation-ID: pipe-1"},
                      R"({"title":"pipelined"})") +
         http_request("GET", "/healthz", {"X-Correlation-ID: pipe-2"}) +
         http_request("GET", "/api/v1/tasks?limit=2", {bearer("pipe-user"), "X-Correlation-ID: pipe-3"}));
  const std::vector<std::pair<std::string, int>> expected = {{"pipe-1", 201}, {"pipe-2", 200}, {"pipe-3", 200}};
  for (const auto& [id, status] : expected) {
    const auto r = next_answer(c, Millis(3000), "pipelined answer for " + id);
    if (!r) break;
    BOOST_TEST(r->header("x-correlation-id") == id, "answer " << describe(*r) << " where " << id << " was due");
    BOOST_TEST(r->status == status);
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(request_sent_while_the_first_is_with_the_actors_is_answered_after_it) {
  // Two writes: the create goes to the actors, the healthz (answered inline) arrives meanwhile.
  RawClient c(taskd().port());
  for (int round = 0; round < 20; ++round) {
    const std::string a = "stag-" + std::to_string(round) + "a", b = "stag-" + std::to_string(round) + "b";
    c.send(http_request("POST", "/api/v1/tasks",
                        {bearer("stagger-user"), "Content-Type: application/json", "X-Correlation-ID: " + a},
                        R"({"title":"first"})"));
    c.send(http_request("GET", "/healthz", {"X-Correlation-ID: " + b}));
    const auto first = next_answer(c, Millis(3000), "first answer of round " + std::to_string(round));
    if (!first) break;
    const auto second = next_answer(c, Millis(3000), "second answer of round " + std::to_string(round));
    if (!second) break;
    BOOST_TEST(first->header("x-correlation-id") == a, "round " << round << ": first answer " << describe(*first));
    BOOST_TEST(second->header("x-correlation-id") == b, "round " << round << ": second answer " << describe(*second));
    if (first->header("x-correlation-id") != a) break;
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(connection_close_is_honoured) {
  for (const auto& [target, auth] :
       std::vector<std::pair<std::string, bool>>{{"/healthz", false}, {"/api/v1/tasks?limit=1", true}}) {
    BOOST_TEST_CONTEXT(target) {
      RawClient c(taskd().port());
      std::vector<std::string> headers = {"Connection: close"};
      if (auth) headers.push_back(bearer("close-user"));
      c.send(http_request("GET", target, headers));
      const auto r = next_answer(c, Millis(2000), "GET " + target);
      BOOST_REQUIRE(r);
      BOOST_TEST(r->status == 200);
      BOOST_TEST(r->announces_close(), "no Connection: close in " << describe(*r));
      BOOST_TEST(c.closes_within(kAtOnce), "still open: " << c.error());
    }
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(http_1_0_closes_unless_kept_alive) {
  {
    RawClient c(taskd().port());
    c.send("GET /healthz HTTP/1.0\r\n\r\n");
    const auto r = next_answer(c, Millis(2000), "HTTP/1.0");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 200);
    BOOST_TEST(c.closes_within(kAtOnce), "HTTP/1.0 without keep-alive still open: " << c.error());
  }
  {
    RawClient c(taskd().port());
    c.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\nX-Correlation-ID: ka-1\r\n\r\n");
    const auto r = next_answer(c, Millis(2000), "HTTP/1.0 keep-alive");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->status == 200);
    BOOST_TEST(r->has_header("content-length"));
    c.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\nX-Correlation-ID: ka-2\r\n\r\n");
    const auto again = next_answer(c, Millis(2000), "second HTTP/1.0 keep-alive request");
    BOOST_REQUIRE(again);
    BOOST_TEST(again->header("x-correlation-id") == "ka-2");
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(content_length_too_large_to_represent_is_400_at_once) {
  expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("cl-user") +
                             "\r\nContent-Type: application/json\r\nContent-Length: 100000000000000000000\r\n\r\n",
                         400, "Content-Length 10^20");
  still_serving();
}

BOOST_AUTO_TEST_CASE(content_length_above_the_body_limit_is_413_before_the_body) {
  expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("cl-user") +
                             "\r\nContent-Type: application/json\r\nContent-Length: 1099511627776\r\n\r\n",
                         413, "Content-Length 2^40");
  still_serving();
}

BOOST_AUTO_TEST_CASE(malformed_content_length_is_400_at_once) {
  for (const std::string value : {"-5", "1,2", " 12abc", "0x10", "+5", "1 2"}) {
    BOOST_TEST_CONTEXT("Content-Length: '" << value << "'") {
      expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("cl-user") +
                                 "\r\nContent-Type: application/json\r\nContent-Length:" + value + "\r\n\r\n{}",
                             400, "Content-Length '" + value + "'");
    }
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(content_length_with_transfer_encoding_is_400) {
  expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("te-user") +
                             "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                         400, "Content-Length and Transfer-Encoding");
  still_serving();
}

// RFC 9112 §6.1: an unknown coding is 501 (SHOULD); §6.3: chunked not last is 400 (MUST).
BOOST_AUTO_TEST_CASE(transfer_encoding_other_than_chunked_is_501) {
  expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("te-user") +
                             "\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                         501, "Transfer-Encoding gzip, chunked");
  expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("te-user") +
                             "\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n",
                         400, "Transfer-Encoding gzip (chunked not last)");
  still_serving();
}

BOOST_AUTO_TEST_CASE(bad_chunk_size_is_400_at_once) {
  for (const std::string size : {"zz", "1x", "-1"}) {
    BOOST_TEST_CONTEXT("chunk size '" << size << "'") {
      expect_refused_at_once("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("te-user") +
                                 "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + size +
                                 "\r\n{}\r\n0\r\n\r\n",
                             400, "chunk size '" + size + "'");
    }
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(header_line_without_colon_is_400_at_once) {
  expect_refused_at_once("GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, "header without colon");
  still_serving();
}

BOOST_AUTO_TEST_CASE(white_space_before_the_colon_is_400) {
  expect_refused_at_once("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Thing : y\r\n\r\n", 400, "space before colon");
  still_serving();
}

BOOST_AUTO_TEST_CASE(obsolete_line_folding_is_400) {
  expect_refused_at_once("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Thing: a\r\n  folded\r\n\r\n", 400, "obs-fold");
  still_serving();
}

BOOST_AUTO_TEST_CASE(nul_and_control_bytes_in_a_field_are_400) {
  using namespace std::string_literals;
  expect_refused_at_once("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Thing: a\0b\r\n\r\n"s, 400, "NUL in a field value");
  expect_refused_at_once(
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Thing: a\x01"
      "b\r\n\r\n",
      400, "control byte in a field value");
  still_serving();
}

// Far above the head limit: 431 problem details, or the connection closed; never a 500, never
// a hang.
void expect_431_or_closed(const std::string& bytes, const std::string& what) {
  RawClient c(taskd().port());
  BOOST_REQUIRE(c.connected());
  c.send(bytes, Millis(5000));  // the server may stop reading (and close) long before the end
  const auto r = c.next_response(Millis(5000));
  if (r) {
    check_problem(*r, 431, what);
  } else {
    BOOST_TEST((c.end() == RawClient::End::closed || c.end() == RawClient::End::reset),
               what << ": neither 431 nor closed within 5 s (" << to_string(c.end()) << ": " << c.error() << ")");
  }
  BOOST_TEST_MESSAGE(what << ": " << (r ? describe(*r) : std::string("closed: ") + c.error()));
}

BOOST_AUTO_TEST_CASE(two_megabyte_header_is_431_or_closed) {
  expect_431_or_closed("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(2 * 1024 * 1024, 'a') + "\r\n\r\n",
                       "2 MB header");
  still_serving();
}

BOOST_AUTO_TEST_CASE(ten_thousand_headers_are_431) {
  std::string bytes = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 10'000; ++i) bytes += "X-H" + std::to_string(i) + ": v\r\n";
  expect_431_or_closed(bytes + "\r\n", "10 000 headers");
  still_serving();
}

BOOST_AUTO_TEST_CASE(more_than_a_hundred_small_header_fields_are_431) {
  std::string bytes = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) bytes += "A" + std::to_string(i) + ": v\r\n";
  expect_refused_at_once(bytes + "\r\n", 431, "150 header fields in 1.3 KB");
  still_serving();
}

BOOST_AUTO_TEST_CASE(missing_duplicate_or_invalid_host_is_400) {
  expect_refused_at_once("GET /healthz HTTP/1.1\r\nX-Correlation-ID: nohost\r\n\r\n", 400, "no Host");
  expect_refused_at_once("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "two Hosts");
  for (const std::string host : {"bad host", "x/y", "x:port", "a@b"})
    expect_refused_at_once("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n", 400, "Host '" + host + "'");
  still_serving();
}

BOOST_AUTO_TEST_CASE(garbage_request_lines_are_400_at_once) {
  expect_refused_at_once("HELLO\r\n\r\n", 400, "HELLO");
  expect_refused_at_once("GET /healthz\r\n\r\n", 400, "a request line without version");
  expect_refused_at_once("GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "two spaces");
  // The start of a TLS 1.2 ClientHello: record header, handshake header, version, random.
  std::string hello = {'\x16', '\x03', '\x01', '\x00', '\xa5', '\x01', '\x00', '\x00', '\xa1', '\x03', '\x03'};
  for (int i = 0; i < 32; ++i) hello += static_cast<char>(i * 7 + 1);
  hello += std::string("\x00\x00\x20\xc0\x2b\xc0\x2f\x00\x9e\xcc\xa9\xcc\xa8\x00\x33\x00\x39", 17);
  expect_refused_at_once(hello, 400, "TLS ClientHello");
  still_serving();
}

BOOST_AUTO_TEST_CASE(unknown_http_version_is_505) {
  expect_refused_at_once("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 505, "HTTP/9.9");
  still_serving();
}

BOOST_AUTO_TEST_CASE(unknown_method_is_501) {
  expect_refused_at_once("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 501, "BREW", false);
  still_serving();
}

BOOST_AUTO_TEST_CASE(expect_100_continue_with_a_token_gets_100_then_201) {
  const std::string body = R"({"title":"after 100 Continue"})";
  RawClient c(taskd().port());
  c.send("POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\n" + bearer("expect-user") +
         "\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n");
  const auto interim = c.next_response(kAtOnce);
  BOOST_TEST((interim && interim->status == 100),
             "no 100 Continue within " << kAtOnce.count() << " ms: "
                                       << (interim ? describe(*interim) : to_string(c.end()) + (": " + c.error())));
  // Like curl, the body goes anyway once the wait is over.
  c.send(body);
  auto final_answer = interim && interim->status != 100 ? interim : next_answer(c, Millis(3000), "after the body");
  BOOST_REQUIRE(final_answer);
  BOOST_TEST(final_answer->status == 201, describe(*final_answer));
  still_serving();
}

BOOST_AUTO_TEST_CASE(expect_100_continue_without_a_token_gets_401_at_once) {
  RawClient c(taskd().port());
  c.send(
      "POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
      "Content-Length: 20\r\n\r\n");
  const auto r = next_answer(c, kAtOnce, "Expect without token");
  if (r) {
    BOOST_TEST(r->status != 100, "100 Continue sent although the head alone decides a 401");
    check_problem(*r, 401, "Expect without token");
    BOOST_TEST(c.closes_within(kAtOnce), "not closed after the 401: " << c.error());
  }
  still_serving();
}

BOOST_AUTO_TEST_SUITE_END()
