// Idempotency-Key (IETF httpapi draft) on every mutation: a retry with the same key and request
// gets the first answer again, byte for byte, with no second change and no second event, also
// concurrently and across a restart; the same key with another request is 422.

#include <boost/test/unit_test.hpp>
#include <set>

#include "tests/integration/fixture.hpp"

using namespace tasks::testing;
using nlohmann::json;

namespace {

std::vector<std::string> keyed(const std::string& key, std::vector<std::string> extra = {}) {
  extra.push_back("Idempotency-Key: " + key);
  return extra;
}

size_t events_of(const std::string& db_url, const std::string& user) {
  DbPeek peek(db_url);
  return peek.outbox(user).size();
}

void same_answer(const HttpResponse& first, const HttpResponse& again) {
  BOOST_TEST(again.status == first.status);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.header("location") == first.header("location"));
  BOOST_TEST(again.header("content-type") == first.header("content-type"));
  BOOST_TEST(again.header("idempotent-replayed") == "true");
  BOOST_TEST(first.header("idempotent-replayed").empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idempotency)

BOOST_AUTO_TEST_CASE(a_retried_create_returns_the_first_answer_and_writes_nothing_more) {
  auto& env = Environment::get();
  UserApi alice("idem");
  const auto key = "create-" + alice.user();
  auto first = alice.create({{"title", "once"}}, keyed(key));
  BOOST_REQUIRE(first.status == 201);
  auto again = alice.create({{"title", "once"}}, keyed(key));
  same_answer(first, again);
  BOOST_TEST(alice.list().json().size() == 1u);
  BOOST_TEST(events_of(env.db_url(), alice.user()) == 2u);  // task.created + task.sync, once

  // The quoted form (a Structured Fields string) is the same key.
  auto quoted = alice.create({{"title", "once"}}, keyed("\"" + key + "\""));
  same_answer(first, quoted);

  // Another user's identical key is another key.
  UserApi bob("idem");
  BOOST_TEST(bob.create({{"title", "once"}}, keyed(key)).status == 201);
  BOOST_TEST(alice.list().json().size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_same_key_with_another_request_is_refused) {
  UserApi alice("idem");
  const auto key = "reuse-" + alice.user();
  BOOST_REQUIRE(alice.create({{"title", "first"}}, keyed(key)).status == 201);
  auto other = alice.create({{"title", "second"}}, keyed(key));
  BOOST_TEST(other.status == 422);
  BOOST_TEST(other.header("content-type").rfind("application/problem+json", 0) == 0u);
  BOOST_TEST(other.json()["type"] == "urn:problem-type:tasks:idempotency-key-reused");
  BOOST_TEST(alice.list().json().size() == 1u);
  // A key is tied to its path too: the same key on a PATCH is another request.
  auto id = alice.create_id("t");
  BOOST_TEST(alice.patch(id, {{"title", "first"}}, keyed(key)).status == 422);
}

BOOST_AUTO_TEST_CASE(concurrent_twins_make_one_task) {
  auto& env = Environment::get();
  UserApi alice("idem");
  const auto key = "twins-" + alice.user();
  std::vector<HttpRequest> requests(12, HttpRequest{"POST", "/api/v1/tasks", json({{"title", "twin"}}).dump(),
                                                    alice.auth(keyed(key, {"Content-Type: application/json"}))});
  auto answers = parallel_requests(env.taskd().base_url(), requests);
  std::set<std::string> bodies;
  int created = 0, replayed = 0;
  for (const auto& a : answers) {
    BOOST_TEST(a.status == 201);
    bodies.insert(a.body);
    (a.header("idempotent-replayed") == "true" ? replayed : created) += 1;
  }
  BOOST_TEST(bodies.size() == 1u);
  BOOST_TEST(created == 1);
  BOOST_TEST(replayed == 11);
  BOOST_TEST(alice.list().json().size() == 1u);
  BOOST_TEST(events_of(env.db_url(), alice.user()) == 2u);
}

BOOST_AUTO_TEST_CASE(every_mutation_replays_its_first_answer) {
  auto& env = Environment::get();
  UserApi alice("idem");
  auto id = alice.create_id("t");
  const auto base = events_of(env.db_url(), alice.user());
  auto patched = alice.patch(id, {{"title", "u"}}, keyed("p-" + id));
  BOOST_REQUIRE(patched.status == 200);
  same_answer(patched, alice.patch(id, {{"title", "u"}}, keyed("p-" + id)));
  auto done = alice.complete(id, keyed("c-" + id));
  BOOST_REQUIRE(done.status == 200);
  same_answer(done, alice.complete(id, keyed("c-" + id)));
  auto undone = alice.uncomplete(id, keyed("u-" + id));
  BOOST_REQUIRE(undone.status == 200);
  same_answer(undone, alice.uncomplete(id, keyed("u-" + id)));
  BOOST_TEST(alice.get(id).json()["version"] == 4);  // three changes, not six
  auto gone = alice.remove(id, keyed("d-" + id));
  BOOST_REQUIRE(gone.status == 204);
  auto again = alice.remove(id, keyed("d-" + id));
  BOOST_TEST(again.status == 204);  // not 404: the first answer again
  BOOST_TEST(again.header("idempotent-replayed") == "true");
  BOOST_TEST(alice.remove(id).status == 404);  // without the key it is a new request
  BOOST_TEST(events_of(env.db_url(), alice.user()) == base + 8u);
}

BOOST_AUTO_TEST_CASE(bad_keys_are_refused) {
  UserApi alice("idem");
  for (std::string key : {std::string(256, 'k'), std::string("\"unterminated"), std::string("a\"b\"")}) {
    auto r = alice.create({{"title", "t"}}, keyed(key));
    BOOST_TEST(r.status == 400, key.substr(0, 20));
    BOOST_TEST(r.json()["field"] == "Idempotency-Key");
  }
  BOOST_TEST(alice.list().json().empty());
}

BOOST_AUTO_TEST_CASE(a_key_outlives_a_restart) {
  auto& env = Environment::get();
  const auto db = env.fresh_db_url("idem_restart");
  const std::string user = unique_user("idem");
  HttpResponse first;
  {
    auto taskd = env.start_taskd({{"TASKS_DB", db}});
    UserApi alice(*taskd, user);
    first = alice.create({{"title", "across"}}, keyed("restart"));
    BOOST_REQUIRE(first.status == 201);
    BOOST_TEST(taskd->terminate() == 0);
  }
  auto taskd = env.start_taskd({{"TASKS_DB", db}});
  UserApi alice(*taskd, user);
  same_answer(first, alice.create({{"title", "across"}}, keyed("restart")));
  BOOST_TEST(alice.list().json().size() == 1u);
  BOOST_TEST(events_of(db, user) == 2u);
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
