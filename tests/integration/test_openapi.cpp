// GET /openapi.yaml on a real taskd: the document embedded at build time, without a token; and
// the method refusals Schemathesis holds the service to (a method a path does not take is 405
// with Allow and problem details, TRACE included).

#include <boost/test/unit_test.hpp>

#include "core/embedded.hpp"
#include "tests/integration/fixture.hpp"

using namespace tasks::testing;

namespace {

std::string raw_request(int port, const std::string& method, const std::string& path) {
  return raw_exchange(port, method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
}

bool has_line(const std::string& response, const std::string& line) {
  return response.find("\r\n" + line + "\r\n") != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openapi)

BOOST_AUTO_TEST_CASE(get_openapi_yaml_answers_the_embedded_document_without_a_token) {
  HttpClient client(Environment::get().taskd().base_url());
  auto r = client.request("GET", "/openapi.yaml");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.header("content-type") == "application/yaml");
  BOOST_TEST(r.body == std::string(tasks::embedded::openapi_yaml()));
  BOOST_TEST(r.body.rfind("openapi: 3.1.0", 0) == 0u);
  BOOST_TEST(!r.header("x-correlation-id").empty());
  BOOST_TEST(!r.header("traceparent").empty());
  // HEAD: the same status and length, no body.
  auto head = raw_request(Environment::get().taskd().port(), "HEAD", "/openapi.yaml");
  BOOST_TEST(raw_status(head) == 200);
  BOOST_TEST(has_line(head, "Content-Length: " + std::to_string(r.body.size())), head.substr(0, 300));
  BOOST_TEST(head.substr(head.find("\r\n\r\n") + 4).empty());
}

// Schemathesis' unsupported_method check found TRACE answered 501 (not implemented) on every
// path; a method the resource does not take is 405 with Allow.
BOOST_AUTO_TEST_CASE(trace_and_options_are_405_with_allow_and_problem_details) {
  auto& taskd = Environment::get().taskd();
  const std::string id = "7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70";
  struct Case {
    int port;
    std::string method, path, allow;
  };
  for (const auto& c : std::vector<Case>{{taskd.port(), "TRACE", "/api/v1/tasks", "GET, HEAD, POST"},
                                         {taskd.port(), "TRACE", "/api/v1/tasks/" + id, "GET, HEAD, PATCH, DELETE"},
                                         {taskd.port(), "OPTIONS", "/api/v1/tasks/" + id + "/complete", "POST"},
                                         {taskd.port(), "TRACE", "/openapi.yaml", "GET, HEAD"},
                                         {taskd.port(), "QUERY", "/api/v1/tasks", "GET, HEAD, POST"},
                                         {0, "TRACE", "/admin/lanes", "GET, HEAD"},
                                         {0, "TRACE", "/admin/dead-letters/redrive", "POST"}}) {
    const std::string base = c.port ? taskd.base_url() : taskd.admin_url();
    const int port = std::stoi(base.substr(base.rfind(':') + 1));
    auto r = raw_request(port, c.method, c.path);
    BOOST_TEST(raw_status(r) == 405, c.method << " " << c.path << ": " << r.substr(0, 200));
    BOOST_TEST(has_line(r, "Allow: " + c.allow), c.method << " " << c.path);
    BOOST_TEST(has_line(r, "Content-Type: application/problem+json"), c.method << " " << c.path);
    BOOST_TEST(r.find("urn:problem-type:tasks:method-not-allowed") != std::string::npos, c.path);
  }
}

// Schemathesis found the admin API taking any ?topic= (a mistyped topic listed nothing and
// redrove nothing, `?topic=` meant every topic) and clamping any ?limit=: both are 400 now.
BOOST_AUTO_TEST_CASE(admin_topic_and_limit_filters_are_checked) {
  HttpClient admin(Environment::get().taskd().admin_url());
  struct Case {
    std::string method, path, field;
  };
  for (const auto& c : std::vector<Case>{{"GET", "/admin/dead-letters?topic=orders", "topic"},
                                         {"GET", "/admin/discarded?topic=&limit=4", "topic"},
                                         {"POST", "/admin/dead-letters/redrive?topic=", "topic"},
                                         {"GET", "/admin/lanes?limit=0", "limit"},
                                         {"GET", "/admin/outbox/reminders?limit=abc", "limit"},
                                         {"GET", "/admin/lanes?limit=1001", "limit"}}) {
    auto r = admin.request(c.method, c.path);
    BOOST_TEST(r.status == 400, c.path);
    BOOST_TEST(r.header("content-type") == "application/problem+json", c.path);
    BOOST_TEST(r.json().value("field", "") == c.field, c.path);
  }
  BOOST_TEST(admin.request("GET", "/admin/discarded?topic=reminders&limit=5").status == 200);
  BOOST_TEST(admin.request("GET", "/admin/outbox/task-events?limit=1000").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
