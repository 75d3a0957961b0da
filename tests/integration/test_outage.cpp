// The database going away while taskd runs: 503 and not ready while it is gone (never a 500, a
// hang or a crash), and service resumes by itself when it is back. PostgreSQL only: it is the
// database that lives in another process.

#include <boost/test/unit_test.hpp>

#include "tests/integration/fixture.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;

BOOST_AUTO_TEST_SUITE(outage)

BOOST_AUTO_TEST_CASE(a_database_outage_is_503_and_recovers) {
  if (!Environment::get().postgres()) {
    BOOST_TEST_MESSAGE("skipped: the embedded SQLite database cannot go away");
    return;
  }
  PostgresServer pg;
  auto taskd = Environment::get().start_taskd({{"TASKS_DB", pg.uri()}, {"TASKS_REQUEST_TIMEOUT", "3s"}});
  UserApi alice(*taskd, "alice");
  auto id = alice.create_id("before the outage");
  HttpClient probe(taskd->base_url());

  pg.stop();
  auto created = alice.create({{"title", "during the outage"}});
  BOOST_TEST(created.status == 503);
  BOOST_TEST(created.header("content-type").rfind("application/problem+json", 0) == 0u);
  BOOST_TEST(alice.get(id).status == 503);
  BOOST_TEST(alice.list().status == 503);
  // Readiness is a probe at most a second old (so that /readyz can never load the database).
  BOOST_TEST(wait_until([&] { return probe.request("GET", "/readyz").status == 503; }, std::chrono::seconds(5)));
  BOOST_TEST(probe.request("GET", "/healthz").status == 200);

  pg.start();
  BOOST_TEST(wait_until([&] { return probe.request("GET", "/readyz").status == 200; }, std::chrono::seconds(20)));
  auto after = alice.create({{"title", "after the outage"}});
  BOOST_TEST(after.status == 201);
  auto list = alice.list().json();
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[0]["id"] == id);
  BOOST_TEST(list[1]["title"] == "after the outage");
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
