// The suite's own decisions, without a server: the response parser (it must catch a HEAD body
// or a stray answer byte for byte) and the judgement of an answer in the hostile run.

#include <boost/test/unit_test.hpp>

#include "tests/hostile/answer_check.hpp"
#include "tests/hostile/latencies.hpp"
#include "tests/hostile/response_parser.hpp"

using namespace tasks::hostile;

namespace {

Response parse_one(const std::string& bytes, bool head = false) {
  ResponseParser p;
  p.feed(bytes);
  Response r;
  BOOST_REQUIRE(p.next(r, head) == ResponseParser::Result::complete);
  return r;
}

Response answer(int status, const std::string& correlation, const std::string& body,
                const std::string& type = "application/json") {
  Response r;
  r.version = "HTTP/1.1";
  r.status = status;
  r.headers = {{"content-type", type}, {"x-correlation-id", correlation}};
  r.body = body;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pure_parts)

BOOST_AUTO_TEST_CASE(parser_reads_content_length_chunked_and_pipelined_answers_byte_by_byte) {
  const std::string stream =
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Correlation-ID: a\r\n\r\nhello"
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n"
      "HTTP/1.1 204 No Content\r\n\r\n";
  ResponseParser p;
  std::vector<Response> got;
  for (char c : stream) {
    p.feed(std::string(1, c));
    Response r;
    while (p.next(r) == ResponseParser::Result::complete) got.push_back(r);
  }
  BOOST_REQUIRE_EQUAL(got.size(), 3u);
  BOOST_TEST(got[0].status == 200);
  BOOST_TEST(got[0].body == "hello");
  BOOST_TEST(got[0].header("x-correlation-id") == "a");
  BOOST_TEST(got[1].status == 201);
  BOOST_TEST(got[1].body == "abcde");
  BOOST_TEST(got[2].status == 204);
  BOOST_TEST(!p.has_buffered_bytes());
}

BOOST_AUTO_TEST_CASE(parser_takes_no_body_for_head_and_catches_a_head_body) {
  const std::string head_answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
  ResponseParser p;
  p.feed(head_answer + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  Response r;
  BOOST_REQUIRE(p.next(r, true) == ResponseParser::Result::complete);
  BOOST_TEST(r.body.empty());
  BOOST_REQUIRE(p.next(r) == ResponseParser::Result::complete);
  BOOST_TEST(r.body == "ok");

  // A HEAD answer that carries its body anyway: the next "response" starts with the body.
  ResponseParser q;
  q.feed(head_answer + "[]HTTP/1.1 200 OK\r\n");
  BOOST_REQUIRE(q.next(r, true) == ResponseParser::Result::complete);
  BOOST_TEST((q.next(r) == ResponseParser::Result::malformed));
}

BOOST_AUTO_TEST_CASE(parser_reads_until_close_and_refuses_garbage_and_truncation) {
  ResponseParser p;
  p.feed("HTTP/1.0 200 OK\r\n\r\nuntil close");
  Response r;
  BOOST_TEST((p.next(r) == ResponseParser::Result::need_more));
  p.finish();
  BOOST_REQUIRE(p.next(r) == ResponseParser::Result::complete);
  BOOST_TEST(r.body == "until close");

  for (const std::string bad : {"XTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nbad header\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    ResponseParser q;
    q.feed(bad);
    BOOST_TEST((q.next(r) == ResponseParser::Result::malformed), bad);
  }
  ResponseParser truncated;
  truncated.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  truncated.finish();
  BOOST_TEST((truncated.next(r) == ResponseParser::Result::malformed));
}

BOOST_AUTO_TEST_CASE(parser_reports_interim_answers_and_header_helpers) {
  const Response r = parse_one("HTTP/1.1 100 Continue\r\n\r\n");
  BOOST_TEST(r.interim());
  const Response c = parse_one(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: Application/Problem+JSON; charset=utf-8\r\n"
      "Connection: keep-alive, Close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n");
  BOOST_TEST(c.announces_close());
  BOOST_TEST(c.is_problem_json());
  BOOST_TEST(c.header("retry-after") == "1");
  BOOST_TEST(c.header_count("retry-after") == 1u);
}

BOOST_AUTO_TEST_CASE(judge_accepts_the_right_answer_and_names_what_is_wrong) {
  SentRequest get{RequestKind::get, "hAc7r2", "alice", "7E1C9A52-3B6F-4F0E-9D1A-2B8C4D5E6F70", ""};
  const std::string alice_task = R"({"id":"7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70","user_id":"alice"})";
  BOOST_TEST((judge_answer(answer(200, "hAc7r2", alice_task), get, "hAc7r").verdict == Verdict::ok));
  // Another connection's answer, even one with the same user's data.
  BOOST_TEST((judge_answer(answer(200, "hAc71r0", alice_task), get, "hAc7r").verdict == Verdict::misrouted));
  // This connection's answer to another of its requests.
  BOOST_TEST((judge_answer(answer(200, "hAc7r3", alice_task), get, "hAc7r").verdict == Verdict::out_of_order));
  // The right id with another user's task.
  const std::string bob_task = R"({"id":"7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70","user_id":"bob"})";
  BOOST_TEST((judge_answer(answer(200, "hAc7r2", bob_task), get, "hAc7r").verdict == Verdict::foreign_data));
  // Statuses the contract does not allow, and error answers that are not problem details.
  BOOST_TEST(
      (judge_answer(answer(500, "hAc7r2", "boom", "text/plain"), get, "hAc7r").verdict == Verdict::unexpected_status));
  BOOST_TEST((judge_answer(answer(408, "", ""), get, "hAc7r").verdict == Verdict::unexpected_status));
  BOOST_TEST((judge_answer(answer(200, "", alice_task), get, "hAc7r").verdict == Verdict::no_correlation_id));
  Response unavailable = answer(503, "hAc7r2", "{}", "application/problem+json");
  BOOST_TEST((judge_answer(unavailable, get, "hAc7r").verdict == Verdict::bad_error_body));  // no Retry-After
  unavailable.headers.emplace_back("retry-after", "1");
  BOOST_TEST((judge_answer(unavailable, get, "hAc7r").verdict == Verdict::ok));
  BOOST_TEST(
      (judge_answer(answer(404, "hAc7r2", "{}", "text/plain"), get, "hAc7r").verdict == Verdict::bad_error_body));
}

BOOST_AUTO_TEST_CASE(judge_checks_lists_creates_and_patches_by_their_markers) {
  SentRequest list{RequestKind::list, "x1", "alice", "", ""};
  BOOST_TEST((judge_answer(answer(200, "x1", R"([{"user_id":"alice"},{"user_id":"alice"}])"), list, "x").verdict ==
              Verdict::ok));
  BOOST_TEST((judge_answer(answer(200, "x1", R"([{"user_id":"alice"},{"user_id":"eve"}])"), list, "x").verdict ==
              Verdict::foreign_data));
  BOOST_TEST((judge_answer(answer(200, "x1", R"({"user_id":"alice"})"), list, "x").verdict == Verdict::bad_body));

  SentRequest create{RequestKind::create, "x2", "alice", "", "t x2"};
  const auto made = judge_answer(answer(201, "x2", R"({"id":"n1","user_id":"alice","title":"t x2"})"), create, "x");
  BOOST_TEST((made.verdict == Verdict::ok));
  BOOST_TEST(made.created_task_id == "n1");
  BOOST_TEST((judge_answer(answer(201, "x2", R"({"id":"n1","user_id":"alice","title":"t x9"})"), create, "x").verdict ==
              Verdict::foreign_data));
  BOOST_TEST((judge_answer(answer(200, "x2", R"({"id":"n1","user_id":"alice","title":"t x2"})"), create, "x").verdict ==
              Verdict::unexpected_status));

  SentRequest patch{RequestKind::patch, "x3", "alice", "n1", "x3"};
  BOOST_TEST(
      (judge_answer(answer(200, "x3", R"({"id":"n1","user_id":"alice","description":"x3"})"), patch, "x").verdict ==
       Verdict::ok));
  BOOST_TEST(
      (judge_answer(answer(200, "x3", R"({"id":"n1","user_id":"alice","description":"x4"})"), patch, "x").verdict ==
       Verdict::foreign_data));
  SentRequest complete{RequestKind::complete, "x4", "alice", "n1", ""};
  BOOST_TEST(
      (judge_answer(answer(200, "x4", R"({"id":"n1","user_id":"alice","completed":false})"), complete, "x").verdict ==
       Verdict::bad_body));
}

BOOST_AUTO_TEST_CASE(other_users_data_is_found_in_tasks_and_lists) {
  BOOST_TEST(other_user_in(answer(200, "x", R"({"user_id":"bob"})"), "alice") == "bob");
  BOOST_TEST(other_user_in(answer(200, "x", R"([{"user_id":"alice"},{"user_id":"eve"}])"), "alice") == "eve");
  BOOST_TEST(other_user_in(answer(200, "x", R"([{"user_id":"alice"}])"), "alice") == "");
  BOOST_TEST(other_user_in(answer(200, "x", R"({"status":"ok"})"), "alice") == "");
  BOOST_TEST(other_user_in(answer(200, "x", "not json"), "alice") == "");
}

BOOST_AUTO_TEST_CASE(latency_percentiles_by_nearest_rank) {
  Latencies l;
  BOOST_TEST(l.percentile(99) == 0);
  for (int i = 1; i <= 100; ++i) l.add(i);
  BOOST_TEST(l.percentile(50) == 50);
  BOOST_TEST(l.percentile(99) == 99);
  BOOST_TEST(l.max() == 100);
  BOOST_TEST(l.percentile(0) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
