// openapi.yaml (as embedded in the binary) documents exactly the routes the server dispatches
// on: every (method, path) of the public and admin routing tables is an operation there, and
// every operation there is a route. A route added without its documentation fails here.

#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>
#include <string>

#include "core/embedded.hpp"
#include "http/admin_routes.hpp"
#include "http/framing.hpp"
#include "http/routes.hpp"

using namespace tasks::http;

namespace {

// "GET /api/v1/tasks/{id}" for every operation under `paths:`. The document's layout is fixed
// by its linter-clean form: paths at two spaces, their operations at four.
std::set<std::string> documented_operations() {
  std::set<std::string> out;
  std::istringstream in{std::string(tasks::embedded::openapi_yaml())};
  std::string line, path;
  bool in_paths = false;
  for (const std::string methods = " get put post patch delete options head trace "; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line == "paths:";
    if (!in_paths) continue;
    if (line.rfind("  /", 0) == 0 && line.back() == ':') path = line.substr(2, line.size() - 3);
    if (line.rfind("    ", 0) == 0 && line[4] != ' ' && line.back() == ':') {
      const auto verb = line.substr(4, line.size() - 5);
      if (methods.find(" " + verb + " ") == std::string::npos) continue;
      std::string upper;
      for (char c : verb) upper += static_cast<char>(c - 'a' + 'A');
      out.insert(upper + " " + path);
    }
  }
  return out;
}

std::set<std::string> routed_operations() {
  std::set<std::string> out;
  for (const auto& r : public_routes()) out.insert(std::string(r.method) + " " + std::string(r.path));
  for (const auto& r : admin_routes()) out.insert(std::string(r.method) + " " + std::string(r.path));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(openapi_routes)

BOOST_AUTO_TEST_CASE(every_route_is_documented_and_every_documented_operation_is_a_route) {
  const auto documented = documented_operations();
  const auto routed = routed_operations();
  BOOST_TEST(routed.size() == public_routes().size() + admin_routes().size());
  BOOST_TEST(documented.size() > 20u);  // the scan found the document's operations at all
  for (const auto& op : routed) BOOST_TEST(documented.count(op) == 1u, op << " is routed but not in openapi.yaml");
  for (const auto& op : documented) BOOST_TEST(routed.count(op) == 1u, op << " is in openapi.yaml but not routed");
}

BOOST_AUTO_TEST_CASE(the_embedded_document_is_openapi_3_1) {
  BOOST_TEST(tasks::embedded::openapi_yaml().substr(0, 14) == "openapi: 3.1.0");
}

BOOST_AUTO_TEST_CASE(admin_routes_match_their_paths) {
  auto m = match_admin_route("GET", "/admin/actors/user/alice", false);
  BOOST_TEST((m.kind == AdminMatch::Kind::found && m.endpoint == AdminEndpoint::actor));
  BOOST_TEST(m.params.at(0) == "user/alice");  // an actor id's slash may come unencoded
  BOOST_TEST(match_admin_route("GET", "/admin/actors/user%2Fbob", false).params.at(0) == "user/bob");
  m = match_admin_route("POST", "/admin/dead-letters/e-1/discard", false);
  BOOST_TEST((m.endpoint == AdminEndpoint::discard && m.params.at(0) == "e-1"));
  BOOST_TEST((match_admin_route("POST", "/admin/dead-letters/redrive", false).endpoint == AdminEndpoint::redrive_all));
  m = match_admin_route("TRACE", "/admin/lanes", false);
  BOOST_TEST((m.kind == AdminMatch::Kind::method_not_allowed));
  BOOST_TEST(m.allow == "GET, HEAD");
  BOOST_TEST(match_admin_route("GET", "/admin/publishers/reminders/pause", false).allow == "POST");
  for (const char* p : {"/admin", "/admin/", "/admin/actors/", "/admin/lanes/x", "/admin/dead-letters//redrive", "/x"})
    BOOST_TEST((match_admin_route("GET", p, false).kind == AdminMatch::Kind::not_found), p);
}

// Found while moving percent-decoding to libcurl: path segments were decoded as query strings, so
// a '+' became a space and the admin API addressed user "alice test@example.com" for
// alice+test@example.com. A '+' in a path is itself; %2B is a '+' too.
BOOST_AUTO_TEST_CASE(a_plus_in_an_admin_path_is_a_plus) {
  BOOST_TEST(match_admin_route("GET", "/admin/actors/user/alice+test@example.com", false).params.at(0) ==
             "user/alice+test@example.com");
  BOOST_TEST(match_admin_route("GET", "/admin/actors/user/alice%2Btest", false).params.at(0) == "user/alice+test");
  BOOST_TEST(match_admin_route("GET", "/admin/actors/user/a%20b", false).params.at(0) == "user/a b");
  // A malformed escape is taken as it came (it names no actor; the handler answers 404).
  BOOST_TEST(match_admin_route("GET", "/admin/actors/user/a%zz", false).params.at(0) == "user/a%zz");
}

BOOST_AUTO_TEST_CASE(test_only_admin_routes_exist_only_with_fault_injection) {
  const std::string crash = "/admin/faults/crash/publisher/reminders";
  BOOST_TEST((match_admin_route("POST", crash, false).kind == AdminMatch::Kind::not_found));
  BOOST_TEST((match_admin_route("GET", crash, false).kind == AdminMatch::Kind::not_found));
  BOOST_TEST((match_admin_route("POST", crash, true).endpoint == AdminEndpoint::crash_publisher));
  auto m = match_admin_route("POST", "/admin/faults/mangle/reminders/alice", true);
  BOOST_TEST((m.endpoint == AdminEndpoint::mangle && m.params.size() == 2u && m.params[1] == "alice"));
}

// Schemathesis found TRACE answered 501 by the framing layer: a method a resource does not take
// is 405 with Allow, so TRACE reaches the routes (which have none) and is refused there.
BOOST_AUTO_TEST_CASE(trace_reaches_the_routes_and_is_405_there) {
  auto scan = scan_head("TRACE /api/v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n", FramingLimits{});
  BOOST_REQUIRE(scan.state == HeadScan::State::complete);
  BOOST_TEST(std::holds_alternative<HeadMeaning>(interpret_head(scan.head, FramingLimits{})));
  auto m = match_route("TRACE", "/api/v1/tasks");
  BOOST_TEST((m.kind == RouteMatch::Kind::method_not_allowed));
  BOOST_TEST(m.allowed == (std::vector<std::string>{"GET", "POST"}), boost::test_tools::per_element());
  BOOST_TEST((match_route("GET", "/openapi.yaml").endpoint == Endpoint::openapi));
  BOOST_TEST(is_public(Endpoint::openapi));
}

BOOST_AUTO_TEST_SUITE_END()
