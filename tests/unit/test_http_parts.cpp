#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "http/problem.hpp"
#include "http/request_meta.hpp"
#include "http/routes.hpp"

using namespace tasks::http;

namespace {
const std::string id = "7e1c9a52-3b6f-4f0e-9d1a-2b8c4d5e6f70";
}

BOOST_AUTO_TEST_SUITE(routes)

BOOST_AUTO_TEST_CASE(every_endpoint_is_found) {
  struct Case {
    const char* method;
    std::string path;
    Endpoint endpoint;
  };
  for (const auto& c : std::vector<Case>{{"GET", "/healthz", Endpoint::healthz},
                                         {"GET", "/readyz", Endpoint::readyz},
                                         {"GET", "/api/v1/tasks", Endpoint::list_tasks},
                                         {"POST", "/api/v1/tasks", Endpoint::create_task},
                                         {"GET", "/api/v1/tasks/" + id, Endpoint::get_task},
                                         {"PATCH", "/api/v1/tasks/" + id, Endpoint::patch_task},
                                         {"DELETE", "/api/v1/tasks/" + id, Endpoint::delete_task},
                                         {"POST", "/api/v1/tasks/" + id + "/complete", Endpoint::complete_task},
                                         {"POST", "/api/v1/tasks/" + id + "/uncomplete", Endpoint::uncomplete_task}}) {
    auto m = match_route(c.method, c.path);
    BOOST_TEST((m.kind == RouteMatch::Kind::found), c.path);
    BOOST_TEST((m.endpoint == c.endpoint), c.path);
  }
  BOOST_TEST(match_route("GET", "/api/v1/tasks/" + id).task_id == id);
}

BOOST_AUTO_TEST_CASE(wrong_methods_are_405_with_the_allowed_ones) {
  auto m = match_route("PUT", "/api/v1/tasks/" + id);
  BOOST_TEST((m.kind == RouteMatch::Kind::method_not_allowed));
  BOOST_TEST(m.allowed == (std::vector<std::string>{"GET", "PATCH", "DELETE"}), boost::test_tools::per_element());
  BOOST_TEST((match_route("GET", "/api/v1/tasks/" + id + "/complete").kind == RouteMatch::Kind::method_not_allowed));
  BOOST_TEST((match_route("POST", "/healthz").kind == RouteMatch::Kind::method_not_allowed));
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404) {
  for (std::string p : {"/", "/api", "/api/v1", "/api/v1/tasks/", "/api/v1/tasksx", "/api/v1/tasks//complete",
                        "/api/v1/tasks/x/y", "/api/v1/tasks/x/complete/more", "/healthz/"})
    BOOST_TEST((match_route("GET", p).kind == RouteMatch::Kind::not_found), p);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_meta)

BOOST_AUTO_TEST_CASE(correlation_ids_are_kept_when_sane) {
  BOOST_TEST(correlation_id_from(std::string("req-42")) == "req-42");
  auto fresh = correlation_id_from(std::nullopt);
  BOOST_TEST(fresh.size() == 36u);
  BOOST_TEST(correlation_id_from(std::string("has space")).size() == 36u);
  BOOST_TEST(correlation_id_from(std::string(129, 'a')).size() == 36u);
  BOOST_TEST(correlation_id_from(std::string("\x01\xff")).size() == 36u);
}

BOOST_AUTO_TEST_CASE(traceparents_must_be_well_formed) {
  const std::string good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  BOOST_TEST(traceparent_from(good) == good);
  BOOST_TEST(traceparent_from(std::nullopt).empty());
  BOOST_TEST(traceparent_from(std::string("00-00000000000000000000000000000000-b7ad6b7169203331-01")).empty());
  BOOST_TEST(traceparent_from(std::string("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")).empty());
  BOOST_TEST(traceparent_from(std::string("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).empty());
  BOOST_TEST(traceparent_from(std::string("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")).empty());
  BOOST_TEST(traceparent_from(std::string("garbage")).empty());
}

BOOST_AUTO_TEST_CASE(media_types_and_bearer_tokens) {
  BOOST_TEST(media_type("Application/JSON; charset=utf-8") == "application/json");
  BOOST_TEST(media_type(" text/plain ") == "text/plain");
  BOOST_TEST(*bearer_token(std::string("Bearer abc.def")) == "abc.def");
  BOOST_TEST(*bearer_token(std::string("bearer   abc")) == "abc");
  BOOST_TEST(!bearer_token(std::string("Basic dXNlcjpwYXNz")).has_value());
  BOOST_TEST(!bearer_token(std::nullopt).has_value());
}

BOOST_AUTO_TEST_CASE(url_decoding) {
  BOOST_TEST(*url_decode("tr%75e") == "true");
  BOOST_TEST(*url_decode("a+b") == "a b");
  BOOST_TEST(!url_decode("%").has_value());
  BOOST_TEST(!url_decode("%zz").has_value());
}

BOOST_AUTO_TEST_CASE(problem_details_have_the_rfc9457_members) {
  auto body = nlohmann::json::parse(problem_body({422, "title must not be empty", "title"}, "c-1"));
  BOOST_TEST(body["status"] == 422);
  BOOST_TEST(body["title"] == "Unprocessable Content");
  BOOST_TEST(body["detail"] == "title must not be empty");
  BOOST_TEST(body["type"].get<std::string>().find("validation") != std::string::npos);
  BOOST_TEST(body["field"] == "title");
  BOOST_TEST(body["correlation_id"] == "c-1");
}

BOOST_AUTO_TEST_CASE(log_lines_are_single_json_objects_with_fields) {
  auto line = tasks::log::render(tasks::log::Level::error, "publish failed",
                                 {{"correlation_id", "c-1"}, {"task_id", "t-1"}, {"error", "boom\nsecond line"}}, true);
  BOOST_TEST(line.find('\n') == std::string::npos);
  auto j = nlohmann::json::parse(line);
  BOOST_TEST(j["level"] == "error");
  BOOST_TEST(j["msg"] == "publish failed");
  BOOST_TEST(j["correlation_id"] == "c-1");
  BOOST_TEST(j["task_id"] == "t-1");
  BOOST_TEST(j.contains("ts"));
  auto text = tasks::log::render(tasks::log::Level::info, "hello", {{"k", "v"}}, false);
  BOOST_TEST(text.find("info hello k=v") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
