// Hostile input: the contract's 4xx every time, never a crash, a hang or a 500, and the
// service keeps serving afterwards.

#include <boost/test/unit_test.hpp>

#include "tests/integration/fixture.hpp"

using namespace tasks::testing;

namespace {

void still_serving() {
  auto& taskd = Environment::get().taskd();
  BOOST_REQUIRE(taskd.running());
  HttpClient http(taskd.base_url());
  BOOST_TEST(http.request("GET", "/healthz").status == 200);
}

std::string raw(const std::string& bytes) {
  return raw_exchange(Environment::get().taskd().port(), bytes);
}

bool is_4xx(int status) {
  return status >= 400 && status < 500;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bad_input)

BOOST_AUTO_TEST_CASE(malformed_and_mistyped_bodies) {
  UserApi alice("bad");
  const std::vector<std::pair<std::string, long>> bodies = {
      {"{", 400},
      {"", 400},
      {"null", 422},
      {"[]", 422},
      {"{\"title\":\"a\",}", 400},
      {"{\"title\":[\"a\"]}", 422},
      {"{\"title\":{\"nested\":true}}", 422},
      {"{\"title\":true}", 422},
      {"{\"title\":1e999}", 400},
      {"{\"title\":\"t\",\"due_date\":12}", 422},
      {"{\"title\":\"t\",\"description\":[]}", 422},
      {"{\"title\":\"t\",\"extra\":null}", 422},
      {"{\"title\":\"t\"}{\"title\":\"u\"}", 400},
      {std::string(30000, '[') + std::string(30000, ']'), 422},
      {std::string(40000, '['), 400},
      {"{\"title\":\"\xff\xfe\xfd\"}", 400},
      {"{\"title\":\"\xc3\x28\"}", 400},
      {"{\"title\":\"\\ud800\\u0041\"}", 400},
      {"{\"title\":\"a\\u0000b\"}", 422},
      {"{\"title\":\"t\",\"due_date\":\"2026-12-01T09:00:00\"}", 422},
  };
  for (const auto& [body, status] : bodies) {
    auto r = alice.http().request("POST", "/api/v1/tasks", body, alice.auth({"Content-Type: application/json"}));
    BOOST_TEST(r.status == status, "body " << body.substr(0, 40) << " -> " << r.status << " " << r.body.substr(0, 200));
    BOOST_TEST(r.header("content-type").rfind("application/problem+json", 0) == 0u);
  }
  BOOST_TEST(alice.list().json().empty());
  still_serving();
}

BOOST_AUTO_TEST_CASE(invalid_ids_in_paths) {
  UserApi alice("bad");
  for (std::string id : std::vector<std::string>{"1", "x", "..", "%00", "7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f7",
                                                 "7e1c9a52_3b6f_4f0e_9d1a_2b8c4d5e6f70", "'%20OR%201=1--",
                                                 std::string(5000, 'a'), "%ff%fe"}) {
    BOOST_TEST(alice.get(id).status == 404, id.substr(0, 40));
    BOOST_TEST(alice.remove(id).status == 404, id.substr(0, 40));
    BOOST_TEST(alice.complete(id).status == 404, id.substr(0, 40));
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(huge_and_binary_headers) {
  UserApi alice("bad");
  // A header far above the request limit: a 4xx (or the connection closed), not a crash.
  std::string huge =
      "GET /api/v1/tasks HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(2 * 1024 * 1024, 'a') + "\r\n\r\n";
  auto r1 = raw(huge);
  BOOST_TEST((r1.empty() || is_4xx(raw_status(r1))), r1.substr(0, 100));
  // Binary bytes (NUL included) in header names and values.
  using namespace std::string_literals;
  const std::string binary = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-\x01\x02\xff: \x00\x7f\xfe\xff\r\n\r\n"s;
  auto r2 = raw(binary);
  BOOST_TEST((r2.empty() || raw_status(r2) == 200 || is_4xx(raw_status(r2))), r2.substr(0, 100));
  // Control bytes in a field value are a framing error (RFC 9110 §5.5): 400 with a fresh id.
  auto r3 = alice.http().request("GET", "/api/v1/tasks", "",
                                 {"Authorization: Bearer \x01\x02\x7f\xff", "X-Correlation-ID: \xff\xfe"});
  BOOST_TEST(r3.status == 400);
  BOOST_TEST(r3.header("x-correlation-id").size() == 36u);
  // Non-ASCII bytes (obs-text) are allowed in values, and a token made of them is refused.
  auto r5 = alice.http().request("GET", "/api/v1/tasks", "", {"Authorization: Bearer \xc3\xa9t\xc3\xa9"});
  BOOST_TEST(r5.status == 401);
  // Many headers.
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  many += "\r\n";
  auto r4 = raw(many);
  BOOST_TEST((r4.empty() || raw_status(r4) == 200 || is_4xx(raw_status(r4))));
  still_serving();
}

BOOST_AUTO_TEST_CASE(oversized_bodies) {
  UserApi alice("bad");
  auto r = alice.http().request("POST", "/api/v1/tasks", std::string(65 * 1024, ' ') + "{}",
                                alice.auth({"Content-Type: application/json"}));
  BOOST_TEST(r.status == 413);
  // Larger than the whole request limit: refused by the HTTP layer itself.
  auto big = alice.http().request("POST", "/api/v1/tasks", std::string(3 * 1024 * 1024, 'x'),
                                  alice.auth({"Content-Type: application/json"}));
  BOOST_TEST((big.status == 0 || big.status == 413 || big.status == 400), big.status);
  // A Content-Length that lies (claims more than is sent) must not hang the server for others.
  std::string liar =
      "POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}";
  (void)raw_exchange(Environment::get().taskd().port(), liar, 500);
  still_serving();
}

BOOST_AUTO_TEST_CASE(garbage_request_lines) {
  for (std::string bytes :
       std::vector<std::string>{std::string("HELLO\r\n\r\n"), std::string("GET\r\n\r\n"),
                                std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                                std::string("BREW /coffee HTTP/1.1\r\n\r\n"), std::string("GET / HTTP/9.9\r\n\r\n"),
                                std::string(100000, '\xff')}) {
    auto r = raw(bytes);
    BOOST_TEST((is_4xx(raw_status(r)) || raw_status(r) == 501 || raw_status(r) == 505), r.substr(0, 60));
  }
  still_serving();
}

BOOST_AUTO_TEST_CASE(non_utf8_titles_are_refused_and_stored_titles_stay_valid) {
  UserApi alice("bad");
  for (std::string title : std::vector<std::string>{std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                                    std::string("ok\xf8\x88\x80\x80\x80")}) {
    auto r = alice.http().request("POST", "/api/v1/tasks", "{\"title\":\"" + title + "\"}",
                                  alice.auth({"Content-Type: application/json"}));
    BOOST_TEST(r.status == 400);
  }
  auto ok = alice.create({{"title", "Grüße aus Köln ✓ 🎉"}});
  BOOST_TEST(ok.status == 201);
  BOOST_TEST(alice.get(ok.json()["id"]).json()["title"] == "Grüße aus Köln ✓ 🎉");
}

BOOST_AUTO_TEST_SUITE_END()
