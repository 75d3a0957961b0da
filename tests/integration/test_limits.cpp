// The limits a client meets at the API: admission control (per process and per user: a fast
// 503 with nothing written instead of a queue that only grows), the per-user task quota, keyset
// pagination, and the input edges refused with 422.

#include <boost/test/unit_test.hpp>
#include <set>
#include <thread>

#include "tests/integration/fixture.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/write_lock.hpp"

using namespace tasks::testing;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

double metric(const TaskdProcess& taskd, const std::string& series) {
  HttpClient admin(taskd.admin_url());
  auto text = admin.request("GET", "/metrics").body;
  auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

// Also the regression test of a 503-then-written: on PostgreSQL the writer's first transaction
// used to prepare its statements while the table was locked, past every deadline, and commit
// after its client had been told 503.
BOOST_AUTO_TEST_CASE(one_users_queue_is_bounded_and_the_rest_is_refused_at_once) {
  auto& env = Environment::get();
  const auto db = env.fresh_db_url("user_queue");
  auto taskd = env.start_taskd({{"TASKS_DB", db}, {"TASKS_USER_QUEUE_LIMIT", "4"}, {"TASKS_REQUEST_TIMEOUT", "3s"}});
  UserApi alice(*taskd, unique_user("queue"));
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 12; ++i)
    requests.push_back({"POST", "/api/v1/tasks", json({{"title", "q" + std::to_string(i)}}).dump(),
                        alice.auth({"Content-Type: application/json", "X-Correlation-ID: q" + std::to_string(i)})});
  std::vector<HttpResponse> answers;
  double refused_within = 0;
  {
    WriteLock lock(db);
    const auto began = clock_type::now();
    std::thread sender([&] { answers = parallel_requests(taskd->base_url(), requests, 20'000); });
    // The 8 past the bound are refused while the lock still holds the first 4.
    BOOST_TEST(wait_until([&] { return metric(*taskd, "tasks_http_shed_total{reason=\"user_queue\"}") >= 8; },
                          std::chrono::seconds(2)));
    refused_within = std::chrono::duration<double>(clock_type::now() - began).count();
    sender.join();
  }
  int ok = 0, shed = 0;
  for (const auto& a : answers) {
    BOOST_TEST((a.status == 201 || a.status == 503), a.status);
    if (a.status == 503 && a.body.find("too many requests of this user") != std::string::npos) ++shed;
    ok += a.status == 201;
  }
  BOOST_TEST(shed == 8);
  BOOST_TEST(refused_within < 2.0);
  DbPeek peek(db);
  BOOST_TEST(peek.count("SELECT COUNT(*) FROM tasks") == ok);
  // Another user was never affected by alice's queue.
  UserApi bob(*taskd, unique_user("queue"));
  BOOST_TEST(bob.create({{"title", "fine"}}).status == 201);
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_CASE(requests_past_the_in_flight_bound_are_refused_at_once) {
  auto& env = Environment::get();
  const auto db = env.fresh_db_url("in_flight");
  auto taskd = env.start_taskd({{"TASKS_DB", db}, {"TASKS_MAX_IN_FLIGHT", "5"}, {"TASKS_REQUEST_TIMEOUT", "3s"}});
  std::vector<std::unique_ptr<UserApi>> users;
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 15; ++i) {
    users.push_back(std::make_unique<UserApi>(*taskd, unique_user("flight")));
    requests.push_back({"POST", "/api/v1/tasks", json({{"title", "f"}}).dump(),
                        users.back()->auth({"Content-Type: application/json"})});
  }
  std::vector<HttpResponse> answers;
  {
    WriteLock lock(db);
    std::thread sender([&] { answers = parallel_requests(taskd->base_url(), requests, 20'000); });
    BOOST_TEST(wait_until([&] { return metric(*taskd, "tasks_http_shed_total{reason=\"in_flight\"}") >= 10; },
                          std::chrono::seconds(2)));
    // Health checks are never shed.
    HttpClient probe(taskd->base_url());
    BOOST_TEST(probe.request("GET", "/healthz").status == 200);
    sender.join();
  }
  int at_capacity = 0;
  for (const auto& a : answers) {
    BOOST_TEST((a.status == 201 || a.status == 503), a.status);
    at_capacity += a.status == 503 && a.body.find("at capacity") != std::string::npos;
    if (a.status == 503) BOOST_TEST(a.header("retry-after") == "1");
  }
  BOOST_TEST(at_capacity == 10);
  BOOST_TEST(taskd->terminate() == 0);
}

namespace {

// 150 creates at once against a database where every insert costs 20 ms (3 s of work, three
// times the 1 s deadline). `warm_up` creates go first while the database is fast, so that the
// writer's cost estimate says "cheap" when it turns slow.
void slow_database_run(int warm_up) {
  if (!Environment::get().postgres()) {
    BOOST_TEST_MESSAGE("skipped: SQLite has no way to make each insert slow");
    return;
  }
  auto& env = Environment::get();
  const auto db = env.fresh_db_url("slow_db");
  auto taskd = env.start_taskd({{"TASKS_DB", db}, {"TASKS_REQUEST_TIMEOUT", "1s"}, {"TASKS_MAX_IN_FLIGHT", "1000"}});
  {
    UserApi warm(*taskd, unique_user("warm"));
    for (int i = 0; i < warm_up; ++i) BOOST_REQUIRE(warm.create({{"title", "fast"}}).status == 201);
  }
  // Every task insert now costs 20 ms: 150 creates at once need 3 s, three times the deadline.
  DbPeek peek(db);
  peek.exec(
      "CREATE FUNCTION slow_insert() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NEW; END $$ "
      "LANGUAGE plpgsql");
  peek.exec("CREATE TRIGGER slow_insert BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION slow_insert()");
  std::vector<std::unique_ptr<UserApi>> users;
  std::vector<HttpRequest> requests;
  for (int i = 0; i < 150; ++i) {
    users.push_back(std::make_unique<UserApi>(*taskd, unique_user("slow")));
    requests.push_back(
        {"POST", "/api/v1/tasks", json({{"title", "slow " + std::to_string(i)}}).dump(),
         users.back()->auth({"Content-Type: application/json", "X-Correlation-ID: slow-" + std::to_string(i)})});
  }
  const auto began = clock_type::now();
  auto answers = parallel_requests(taskd->base_url(), requests, 20'000);
  const double took = std::chrono::duration<double>(clock_type::now() - began).count();
  int created = 0, refused = 0;
  for (size_t i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    BOOST_TEST((a.status == 201 || a.status == 503), a.status);
    created += a.status == 201;
    refused += a.status == 503;
    // Written exactly when answered 201: the task and both its events, or neither.
    const auto corr = "slow-" + std::to_string(i);
    const auto events = peek.count("SELECT COUNT(*) FROM outbox WHERE correlation_id = '" + corr + "'");
    BOOST_TEST(events == (a.status == 201 ? 2 : 0), corr << " answered " << a.status);
  }
  BOOST_TEST_MESSAGE("slow database: " << created << " created, " << refused << " refused in " << took << " s");
  // The database can write ~50 in the deadline. A writer that spent the whole deadline on one
  // transaction too big to finish wrote none (seen: 0 of 150); one that stops starting commits
  // after part of the time and commits what it applied writes most of the capacity.
  BOOST_TEST(created >= 30);
  BOOST_TEST(refused > 0);
  BOOST_TEST(took < 4.0);  // every answer by its deadline, plus the transaction that was running
  BOOST_TEST(peek.count("SELECT COUNT(*) FROM tasks") == created + warm_up);
  BOOST_TEST(taskd->terminate() == 0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_slow_database_sheds_load_and_keeps_some_goodput) {
  slow_database_run(0);
}

BOOST_AUTO_TEST_CASE(a_database_that_turns_slow_keeps_goodput_too) {
  slow_database_run(200);
}

BOOST_AUTO_TEST_CASE(a_user_past_the_task_quota_gets_409_until_a_task_goes) {
  auto& env = Environment::get();
  auto taskd = env.start_taskd({{"TASKS_MAX_TASKS_PER_USER", "3"}});
  UserApi alice(*taskd, unique_user("quota"));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(alice.create_id("t" + std::to_string(i)));
  auto refused = alice.create({{"title", "one too many"}});
  BOOST_TEST(refused.status == 409);
  BOOST_TEST(refused.json()["type"] == "urn:problem-type:tasks:task-quota-exceeded");
  BOOST_TEST(alice.list().json().size() == 3u);
  UserApi bob(*taskd, unique_user("quota"));  // the quota is per user
  BOOST_TEST(bob.create({{"title", "mine"}}).status == 201);
  BOOST_TEST(alice.remove(ids[0]).status == 204);
  BOOST_TEST(alice.create({{"title", "room again"}}).status == 201);
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_CASE(keyset_pages_give_every_task_once_in_order) {
  UserApi alice("pages");
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(alice.create_id("p" + std::to_string(i)));
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  while (true) {
    auto page = alice.list("?limit=10" + (cursor.empty() ? "" : "&after=" + cursor));
    BOOST_REQUIRE(page.status == 200);
    for (const auto& t : page.json()) seen.push_back(t["id"]);
    ++pages;
    // A task created between pages lands on a later page, never twice nor skipped.
    if (pages == 1) ids.push_back(alice.create_id("late"));
    cursor = page.header("x-next-cursor");
    if (cursor.empty()) break;
    BOOST_TEST(page.header("link") == "</api/v1/tasks?limit=10&after=" + cursor + ">; rel=\"next\"");
    BOOST_REQUIRE(pages < 10);
  }
  BOOST_TEST(seen == ids);
  BOOST_TEST(pages == 3);
  BOOST_TEST(alice.list("?after=not-a-cursor").status == 400);
  BOOST_TEST(alice.list("?after=djE6MQ&offset=3").status == 400);
  BOOST_TEST(alice.list("?offset=20&limit=10").json().size() == 6u);  // the offset form still works
}

BOOST_AUTO_TEST_CASE(input_edges_are_refused_with_422) {
  UserApi alice("edges");
  const std::vector<std::pair<json, std::string>> bodies = {
      {{{"title", "t"}, {"due_date", "0000-01-01T00:30:00+01:00"}}, "due_date"},
      {{{"title", "t"}, {"due_date", "9999-12-31T23:30:00-01:00"}}, "due_date"},
      {{{"title", "a\u0085b"}}, "title"},            // C1 control (NEL)
      {{{"title", "\u00a0\u2003\u3000"}}, "title"},  // Unicode spaces only
      {{{"title", "\u200b"}}, "title"},              // zero-width space only
      {{{"title", "t"}, {"description", "x\u009by"}}, "description"},
  };
  for (const auto& [body, field] : bodies) {
    auto r = alice.create(body);
    BOOST_TEST(r.status == 422, body.dump());
    if (r.status == 422) BOOST_TEST(r.json()["field"] == field, body.dump());
  }
  BOOST_TEST(alice.create({{"title", "t"}, {"due_date", "9999-12-31T23:59:59.999Z"}}).status == 201);
  BOOST_TEST(alice.create({{"title", "t"}, {"due_date", "0000-01-01T00:00:00Z"}}).status == 201);
}

BOOST_AUTO_TEST_SUITE_END()
