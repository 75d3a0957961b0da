#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "core/log.hpp"
#include "http/problem.hpp"
#include "http/request.hpp"
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

BOOST_AUTO_TEST_CASE(tracestates_follow_the_w3c_list_rules) {
  auto ts = [](const std::string& v) { return tracestate_from(v); };
  BOOST_TEST(ts("rojo=00f067aa0ba902b7") == "rojo=00f067aa0ba902b7");
  BOOST_TEST(ts("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE") == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  // White space around members and the list, empty members: allowed, kept as sent inside.
  BOOST_TEST(ts("  rojo=1 , ,\tcongo=2\t") == "rojo=1 , ,\tcongo=2");
  BOOST_TEST(ts("tenant@vendor=x,0digit-first_*/=v") == "tenant@vendor=x,0digit-first_*/=v");
  BOOST_TEST(ts("k= leading spaces are part of the value") == "k= leading spaces are part of the value");
  // Nothing, or nothing but empty members: no tracestate.
  BOOST_TEST(tracestate_from(std::nullopt).empty());
  BOOST_TEST(ts("").empty());
  BOOST_TEST(ts(" , ,").empty());
  // Keys: lower-case letter or digit first, then a-z 0-9 _ - * / @; at most 256.
  BOOST_TEST(ts("Rojo=1").empty());
  BOOST_TEST(ts("_rojo=1").empty());
  BOOST_TEST(ts("ro jo=1").empty());
  BOOST_TEST(ts("rojo =1").empty());
  BOOST_TEST(ts("=1").empty());
  BOOST_TEST(ts(std::string(256, 'k') + "=1") == std::string(256, 'k') + "=1");
  BOOST_TEST(ts(std::string(257, 'k') + "=1").empty());
  // Values: 1..256 printable ASCII without ',' and '=', not ending in a space.
  BOOST_TEST(ts("rojo").empty());
  BOOST_TEST(ts("rojo=").empty());
  BOOST_TEST(ts("rojo=a=b").empty());
  BOOST_TEST(ts("rojo=caf\xc3\xa9").empty());
  BOOST_TEST(ts("rojo=a\x01b").empty());
  BOOST_TEST(ts("rojo=a\tb").empty());
  BOOST_TEST(ts("k=" + std::string(256, 'v')) == "k=" + std::string(256, 'v'));
  BOOST_TEST(ts("k=" + std::string(257, 'v')).empty());
  // One entry per key; at most 32 members; at most 512 characters.
  BOOST_TEST(ts("rojo=1,congo=2,rojo=3").empty());
  std::string members;
  for (int i = 0; i < 32; ++i) members += (i ? "," : "") + ("k" + std::to_string(i)) + "=v";
  BOOST_TEST(ts(members) == members);
  BOOST_TEST(ts(members + ",k32=v").empty());
  const std::string long_list = "a=" + std::string(254, 'v') + ",b=" + std::string(253, 'v');  // 512 characters
  BOOST_REQUIRE(long_list.size() == 512u);
  BOOST_TEST(ts(long_list) == long_list);
  BOOST_TEST(ts(long_list + "v").empty());
}

BOOST_AUTO_TEST_CASE(several_tracestate_fields_are_one_list) {
  const Headers fields = {{"tracestate", "rojo=1"}, {"Other", "x"}, {"TraceState", "congo=2"}};
  BOOST_TEST(*combined_header(fields, "tracestate") == "rojo=1,congo=2");
  BOOST_TEST(tracestate_from(combined_header(fields, "tracestate")) == "rojo=1,congo=2");
  BOOST_TEST(!combined_header(fields, "traceparent").has_value());
}

BOOST_AUTO_TEST_CASE(traceparents_are_formatted_in_lower_case_hex) {
  std::array<unsigned char, 16> trace{};
  std::array<unsigned char, 8> parent{};
  for (size_t i = 0; i < trace.size(); ++i) trace[i] = static_cast<unsigned char>(0xa0 + i);
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<unsigned char>(0x0f + i);
  BOOST_TEST(format_traceparent(trace, parent, 0x01) == "00-a0a1a2a3a4a5a6a7a8a9aaabacadaeaf-0f10111213141516-01");
}

BOOST_AUTO_TEST_CASE(fresh_traceparents_are_valid_sampled_and_never_repeat) {
  std::set<std::string> seen, trace_ids, parent_ids;
  for (int i = 0; i < 1000; ++i) {
    const auto t = new_traceparent();
    BOOST_TEST(traceparent_from(t) == t);  // valid: version 00, lower-case hex, ids not all zero
    BOOST_TEST(t.substr(0, 3) == "00-");
    BOOST_TEST(t.substr(52) == "-01");
    BOOST_TEST(t.substr(3, 32) != std::string(32, '0'));
    BOOST_TEST(t.substr(36, 16) != std::string(16, '0'));
    seen.insert(t);
    trace_ids.insert(t.substr(3, 32));
    parent_ids.insert(t.substr(36, 16));
  }
  BOOST_TEST(seen.size() == 1000u);
  BOOST_TEST(trace_ids.size() == 1000u);
  BOOST_TEST(parent_ids.size() == 1000u);
}

BOOST_AUTO_TEST_CASE(a_request_keeps_its_valid_trace_context_or_gets_a_fresh_root) {
  const std::string good = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  auto own = trace_context_from(good, std::string("rojo=1"));
  BOOST_TEST(own.traceparent == good);
  BOOST_TEST(own.tracestate == "rojo=1");
  BOOST_TEST(!own.fresh);
  BOOST_TEST(trace_context_from(good, std::string("Bad=1")).tracestate.empty());  // dropped, traceparent kept
  BOOST_TEST(trace_context_from(good, std::string("Bad=1")).traceparent == good);
  for (const auto& header : std::vector<std::optional<std::string>>{
           std::nullopt, std::string("garbage"), std::string("00-" + std::string(32, '0') + "-b7ad6b7169203331-01")}) {
    // A tracestate without a valid traceparent is not read (W3C), and a fresh trace has none.
    auto fresh = trace_context_from(header, std::string("rojo=1"));
    BOOST_TEST(fresh.fresh);
    BOOST_TEST(traceparent_from(fresh.traceparent) == fresh.traceparent);
    BOOST_TEST(fresh.traceparent != good);
    BOOST_TEST(fresh.tracestate.empty());
  }
  BOOST_TEST(trace_context_from(std::nullopt, std::nullopt).traceparent !=
             trace_context_from(std::nullopt, std::nullopt).traceparent);
}

BOOST_AUTO_TEST_CASE(media_types_and_bearer_tokens) {
  BOOST_TEST(media_type("Application/JSON; charset=utf-8") == "application/json");
  BOOST_TEST(media_type(" text/plain ") == "text/plain");
  BOOST_TEST(*bearer_token(std::string("Bearer abc.def")) == "abc.def");
  BOOST_TEST(*bearer_token(std::string("bearer   abc")) == "abc");
  BOOST_TEST(!bearer_token(std::string("Basic dXNlcjpwYXNz")).has_value());
  BOOST_TEST(!bearer_token(std::nullopt).has_value());
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
