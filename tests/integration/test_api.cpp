// Every endpoint and every error status of contract §3, over real HTTP.

#include <boost/test/unit_test.hpp>

#include <ctime>

#include "core/ids.hpp"
#include "http/jwt.hpp"
#include "tests/integration/fixture.hpp"

using namespace tasks::testing;
using nlohmann::json;

namespace {

void expect_problem(const HttpResponse& r, long status, const std::string& detail_part = "") {
  BOOST_TEST(r.status == status, "body: " << r.body);
  BOOST_TEST(r.header("content-type").rfind("application/problem+json", 0) == 0u);
  auto body = json::parse(r.body, nullptr, false);
  BOOST_REQUIRE(body.is_object());
  for (const char* member : {"type", "title", "status", "detail"}) BOOST_TEST(body.contains(member), member);
  BOOST_TEST(body["status"] == status);
  if (!detail_part.empty())
    BOOST_TEST(body["detail"].get<std::string>().find(detail_part) != std::string::npos, body["detail"]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)

BOOST_AUTO_TEST_CASE(create_returns_201_location_and_the_task) {
  UserApi alice("alice");
  auto r = alice.create({{"title", "  Buy milk  "}, {"description", "2 l"}, {"due_date", "2026-12-01T11:00:00+02:00"}},
                        {"X-Correlation-ID: create-1"});
  BOOST_TEST(r.status == 201);
  BOOST_TEST(r.header("content-type").rfind("application/json", 0) == 0u);
  BOOST_TEST(r.header("x-correlation-id") == "create-1");
  auto t = r.json();
  BOOST_TEST(r.header("location") == "/api/v1/tasks/" + t["id"].get<std::string>());
  BOOST_TEST(tasks::canonical_uuid(t["id"].get<std::string>()).value_or("") == t["id"]);
  BOOST_TEST(t["user_id"] == alice.user());
  BOOST_TEST(t["title"] == "Buy milk");
  BOOST_TEST(t["description"] == "2 l");
  BOOST_TEST(t["completed"] == false);
  BOOST_TEST(t["due_date"] == "2026-12-01T09:00:00.000Z");
  BOOST_TEST(t["version"] == 1);
  BOOST_TEST(t["created_at"] == t["updated_at"]);
  BOOST_TEST(alice.get(t["id"]).json() == t);
}

BOOST_AUTO_TEST_CASE(create_defaults_description_and_due_date_to_null) {
  UserApi alice("alice");
  auto t = alice.create({{"title", "t"}}).json();
  BOOST_TEST(t["description"].is_null());
  BOOST_TEST(t["due_date"].is_null());
}

BOOST_AUTO_TEST_CASE(list_is_oldest_first_with_filter_limit_and_offset) {
  UserApi alice("alice");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(alice.create_id("task " + std::to_string(i)));
  BOOST_TEST(alice.complete(ids[1]).status == 200);
  BOOST_TEST(alice.complete(ids[3]).status == 200);
  auto all = alice.list().json();
  BOOST_REQUIRE(all.size() == 5u);
  for (size_t i = 0; i < 5; ++i) BOOST_TEST(all[i]["id"] == ids[i]);
  auto done = alice.list("?completed=true").json();
  BOOST_REQUIRE(done.size() == 2u);
  BOOST_TEST(done[0]["id"] == ids[1]);
  BOOST_TEST(done[1]["id"] == ids[3]);
  BOOST_TEST(alice.list("?completed=false").json().size() == 3u);
  auto page = alice.list("?limit=2&offset=1").json();
  BOOST_REQUIRE(page.size() == 2u);
  BOOST_TEST(page[0]["id"] == ids[1]);
  BOOST_TEST(page[1]["id"] == ids[2]);
  BOOST_TEST(alice.list("?offset=10").json().empty());
  BOOST_TEST(UserApi("nobody").list().json().empty());
}

BOOST_AUTO_TEST_CASE(patch_changes_fields_and_null_clears) {
  UserApi alice("alice");
  auto id = alice.create_id("old", "2026-12-01T09:00:00Z");
  auto r = alice.patch(id, {{"title", "new"}, {"description", "d"}});
  BOOST_TEST(r.status == 200);
  auto t = r.json();
  BOOST_TEST(t["title"] == "new");
  BOOST_TEST(t["description"] == "d");
  BOOST_TEST(t["due_date"] == "2026-12-01T09:00:00.000Z");
  BOOST_TEST(t["version"] == 2);
  t = alice.patch(id, {{"description", nullptr}, {"due_date", nullptr}}).json();
  BOOST_TEST(t["description"].is_null());
  BOOST_TEST(t["due_date"].is_null());
  BOOST_TEST(t["title"] == "new");
  BOOST_TEST(t["version"] == 3);
  // An empty patch is still a mutation.
  BOOST_TEST(alice.patch(id, json::object()).json()["version"] == 4);
  BOOST_TEST(alice.get(id).json()["version"] == 4);
  BOOST_TEST(alice.http()
                 .request("PATCH", "/api/v1/tasks/" + id, R"({"title":"merge"})",
                          alice.auth({"Content-Type: application/merge-patch+json"}))
                 .status == 200);
}

BOOST_AUTO_TEST_CASE(complete_and_uncomplete) {
  UserApi alice("alice");
  auto id = alice.create_id("t");
  auto c = alice.complete(id);
  BOOST_TEST(c.status == 200);
  BOOST_TEST(c.json()["completed"] == true);
  BOOST_TEST(c.json()["version"] == 2);
  auto u = alice.uncomplete(id);
  BOOST_TEST(u.status == 200);
  BOOST_TEST(u.json()["completed"] == false);
  BOOST_TEST(u.json()["version"] == 3);
  BOOST_TEST(alice.get(id).json()["completed"] == false);
}

BOOST_AUTO_TEST_CASE(delete_returns_204_and_the_task_is_gone) {
  UserApi alice("alice");
  auto id = alice.create_id("t");
  auto r = alice.remove(id);
  BOOST_TEST(r.status == 204);
  BOOST_TEST(r.body.empty());
  expect_problem(alice.get(id), 404);
  expect_problem(alice.remove(id), 404);
  expect_problem(alice.patch(id, {{"title", "x"}}), 404);
  expect_problem(alice.complete(id), 404);
  BOOST_TEST(alice.list().json().empty());
}

BOOST_AUTO_TEST_CASE(another_users_task_is_404_never_403) {
  UserApi alice("alice"), bob("bob");
  auto id = alice.create_id("private");
  expect_problem(bob.get(id), 404);
  expect_problem(bob.patch(id, {{"title", "mine now"}}), 404);
  expect_problem(bob.complete(id), 404);
  expect_problem(bob.uncomplete(id), 404);
  expect_problem(bob.remove(id), 404);
  BOOST_TEST(bob.list().json().empty());
  auto t = alice.get(id).json();
  BOOST_TEST(t["title"] == "private");
  BOOST_TEST(t["version"] == 1);
}

BOOST_AUTO_TEST_CASE(correlation_ids_are_echoed_or_made) {
  UserApi alice("alice");
  BOOST_TEST(alice.http()
                 .request("GET", "/api/v1/tasks", "", alice.auth({"X-Correlation-ID: abc-123"}))
                 .header("x-correlation-id") == "abc-123");
  auto made = alice.list().header("x-correlation-id");
  BOOST_TEST(tasks::canonical_uuid(made).has_value());
  BOOST_TEST(alice.http().request("GET", "/nope").header("x-correlation-id").size() == 36u);
}

BOOST_AUTO_TEST_CASE(health_and_readiness_need_no_token) {
  HttpClient http(Environment::get().taskd().base_url());
  auto h = http.request("GET", "/healthz");
  BOOST_TEST(h.status == 200);
  BOOST_TEST(h.json()["status"] == "ok");
  BOOST_TEST(http.request("GET", "/readyz").status == 200);
}

BOOST_AUTO_TEST_CASE(error_400_malformed_json_or_query) {
  UserApi alice("alice");
  expect_problem(
      alice.http().request("POST", "/api/v1/tasks", "{\"title\":", alice.auth({"Content-Type: application/json"})),
      400);
  auto id = alice.create_id("t");
  expect_problem(
      alice.http().request("PATCH", "/api/v1/tasks/" + id, "not json", alice.auth({"Content-Type: application/json"})),
      400);
  expect_problem(alice.list("?limit=0"), 400, "limit");
  expect_problem(alice.list("?limit=abc"), 400, "limit");
  expect_problem(alice.list("?completed=maybe"), 400, "completed");
  expect_problem(alice.list("?offset=-3"), 400, "offset");
  expect_problem(alice.list("?color=blue"), 400, "color");
  BOOST_TEST(alice.list("?completed=tr%75e").status == 200);
  // What libcurl's decoder would let through is refused, each with a detail that says what.
  expect_problem(alice.list("?limit=%zz"), 400, "\"%zz\" is no escape");
  expect_problem(alice.list("?limit=5&%"), 400, "\"%\" is no escape");
  expect_problem(alice.list("?completed=true%00"), 400, "%00 (a NUL byte) is not allowed");
  expect_problem(alice.list("?%ff=1"), 400, "a parameter name does not decode to UTF-8");
  expect_problem(alice.list("?after=%c3"), 400, "the value of 'after' does not decode to UTF-8");
  expect_problem(alice.list("?completed=+true"), 400, "completed");  // '+' is a space
  BOOST_TEST(alice.list("?completed=%74rue&limit=1%30").status == 200);
}

BOOST_AUTO_TEST_CASE(error_401_missing_invalid_expired_or_wrong_algorithm) {
  auto& taskd = Environment::get().taskd();
  HttpClient http(taskd.base_url());
  auto missing = http.request("GET", "/api/v1/tasks");
  expect_problem(missing, 401);
  BOOST_TEST(missing.header("www-authenticate").rfind("Bearer", 0) == 0u);
  expect_problem(http.request("GET", "/api/v1/tasks", "", {"Authorization: Bearer not.a.token"}), 401);
  expect_problem(http.request("GET", "/api/v1/tasks", "", {"Authorization: Basic YWxpY2U6cGFzcw=="}), 401);
  expect_problem(http.request("GET", "/api/v1/tasks", "", {"Authorization: Bearer " + taskd.token_for("alice", -60)}),
                 401, "expired");  // beyond the 30 s leeway
  // A token signed with another secret.
  auto foreign = tasks::http::mint_token("alice", "some-other-secret-0123456789abcdef0123", std::chrono::seconds(60),
                                         std::time(nullptr));
  expect_problem(http.request("GET", "/api/v1/tasks", "", {"Authorization: Bearer " + foreign}), 401);
  // alg none: header {"alg":"none"}, claims {"sub":"alice","exp":9999999999}, no signature.
  expect_problem(
      http.request("GET", "/api/v1/tasks", "",
                   {"Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6OTk5OTk5OTk5OX0."}),
      401);
  // Mutations are refused the same way, and nothing is written.
  expect_problem(http.request("POST", "/api/v1/tasks", R"({"title":"x"})", {"Content-Type: application/json"}), 401);
}

BOOST_AUTO_TEST_CASE(error_404_unknown_task_or_route_or_invalid_id) {
  UserApi alice("alice");
  expect_problem(alice.get(tasks::new_uuid()), 404);
  expect_problem(alice.get("not-a-uuid"), 404);
  expect_problem(alice.get("7E1C9A52-3B6F-4F0E-9D1A-2B8C4D5E6F7Z"), 404);
  expect_problem(alice.http().request("GET", "/api/v2/tasks", "", alice.auth()), 404);
  expect_problem(alice.http().request("GET", "/", "", alice.auth()), 404);
  expect_problem(alice.http().request("POST", "/api/v1/tasks/" + tasks::new_uuid() + "/archive", "", alice.auth()),
                 404);
  // Ids are case-insensitive on the way in.
  auto id = alice.create_id("t");
  std::string upper = id;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  BOOST_TEST(alice.get(upper).status == 200);
}

BOOST_AUTO_TEST_CASE(error_405_wrong_method_with_allow) {
  UserApi alice("alice");
  auto r = alice.http().request("PUT", "/api/v1/tasks", "", alice.auth());
  expect_problem(r, 405);
  BOOST_TEST(r.header("allow") == "GET, HEAD, POST");
  auto id = alice.create_id("t");
  auto r2 = alice.http().request("POST", "/api/v1/tasks/" + id, "", alice.auth());
  expect_problem(r2, 405);
  BOOST_TEST(r2.header("allow") == "GET, HEAD, PATCH, DELETE");
  expect_problem(alice.http().request("GET", "/api/v1/tasks/" + id + "/complete", "", alice.auth()), 405);
  expect_problem(alice.http().request("DELETE", "/healthz"), 405);
}

BOOST_AUTO_TEST_CASE(error_413_body_over_64_kib) {
  UserApi alice("alice");
  std::string big = R"({"title":"t","description":")" + std::string(70 * 1024, 'x') + R"("})";
  expect_problem(alice.http().request("POST", "/api/v1/tasks", big, alice.auth({"Content-Type: application/json"})),
                 413);
  BOOST_TEST(alice.list().json().empty());
  // Just under the limit is fine as far as size goes (the description rule answers instead).
  std::string under = R"({"title":"t","description":")" + std::string(60 * 1024, 'x') + R"("})";
  expect_problem(alice.http().request("POST", "/api/v1/tasks", under, alice.auth({"Content-Type: application/json"})),
                 422, "description");
}

BOOST_AUTO_TEST_CASE(error_415_body_that_is_not_json) {
  UserApi alice("alice");
  expect_problem(
      alice.http().request("POST", "/api/v1/tasks", R"({"title":"t"})", alice.auth({"Content-Type: text/plain"})), 415);
  expect_problem(alice.http().request("POST", "/api/v1/tasks", R"({"title":"t"})", alice.auth()), 415);
  auto id = alice.create_id("t");
  expect_problem(alice.http().request("PATCH", "/api/v1/tasks/" + id, R"({"title":"t"})",
                                      alice.auth({"Content-Type: application/x-www-form-urlencoded"})),
                 415);
  BOOST_TEST(alice.http()
                 .request("POST", "/api/v1/tasks", R"({"title":"t"})",
                          alice.auth({"Content-Type: application/json; charset=utf-8"}))
                 .status == 201);
}

BOOST_AUTO_TEST_CASE(error_422_names_the_field) {
  UserApi alice("alice");
  auto check = [&](const HttpResponse& r, const std::string& field) {
    expect_problem(r, 422);
    BOOST_TEST(json::parse(r.body)["field"] == field);
  };
  check(alice.create(json::object()), "title");
  check(alice.create({{"title", ""}}), "title");
  check(alice.create({{"title", std::string(256, 'a')}}), "title");
  check(alice.create({{"title", 5}}), "title");
  check(alice.create({{"title", "t"}, {"description", std::string(4001, 'a')}}), "description");
  check(alice.create({{"title", "t"}, {"due_date", "next week"}}), "due_date");
  check(alice.create({{"title", "t"}, {"owner", "bob"}}), "owner");
  auto id = alice.create_id("t");
  check(alice.patch(id, {{"title", nullptr}}), "title");
  check(alice.patch(id, {{"completed", true}}), "completed");
  BOOST_TEST(alice.get(id).json()["version"] == 1);
}

BOOST_AUTO_TEST_SUITE_END()
