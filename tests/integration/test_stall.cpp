// A stalled database under load: for every request, 2xx exactly when its change and its events
// were written, 503 (with Retry-After) exactly when nothing was; never a 408, and every answer
// by the request's deadline (plus the commit that was already running). SQLite: a second
// connection holds BEGIN IMMEDIATE for 13 s; PostgreSQL: LOCK TABLE tasks for 13 s.

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/fixture.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/wait.hpp"
#include "tests/support/write_lock.hpp"

using namespace tasks::testing;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

struct Sent {
  std::string user, op, correlation_id, title;
  long status = 0;
  std::string retry_after, content_type;
  double seconds = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(stall)

BOOST_AUTO_TEST_CASE(a_stalled_database_answers_the_truth_about_what_was_written) {
  constexpr int users = 40, per_user = 3;
  constexpr auto stall_for = std::chrono::seconds(13);
  constexpr auto spread = std::chrono::milliseconds(100);  // one request every 100 ms: 12 s in all
  auto& env = Environment::get();
  RecordingSidecar sidecar;
  const auto db = env.fresh_db_url("stall");
  auto taskd = env.start_taskd({{"TASKS_DB", db},
                                {"DAPR_HTTP_ENDPOINT", sidecar.endpoint()},
                                {"TASKS_PUBLISH_POLL_INTERVAL", "100ms"},
                                {"TASKS_REQUEST_TIMEOUT", "10s"},
                                {"TASKS_MAX_IN_FLIGHT", "1000"}});

  std::vector<std::unique_ptr<UserApi>> apis;
  std::vector<std::string> task_of;  // each user's task, made before the stall
  for (int u = 0; u < users; ++u) {
    apis.push_back(std::make_unique<UserApi>(*taskd, unique_user("stall")));
    task_of.push_back(apis.back()->create_id("before the stall"));
  }
  BOOST_REQUIRE(wait_until([&] { return sidecar.delivered_count() == static_cast<size_t>(users) * 2; },
                           std::chrono::seconds(20)));
  sidecar.clear();

  std::vector<Sent> sent(users * per_user);
  std::vector<std::thread> clients;
  const auto start = clock_type::now();
  WriteLock stall(db);
  for (int k = 0; k < users * per_user; ++k) {
    clients.emplace_back([&, k] {
      const int u = k % users, step = k / users;
      auto& s = sent[k];
      s.user = apis[u]->user();
      s.correlation_id = "stall-" + std::to_string(k) + "-" + s.user;
      std::this_thread::sleep_until(start + spread * k);  // pacing the load, not synchronising
      UserApi api(*taskd, s.user);
      const std::vector<std::string> corr = {"X-Correlation-ID: " + s.correlation_id};
      const auto began = clock_type::now();
      HttpResponse r;
      if (step == 0) {
        s.op = "create";
        s.title = "made during the stall " + s.correlation_id;
        r = api.create({{"title", s.title}}, corr);
      } else if (step == 1) {
        s.op = "patch";
        r = api.patch(task_of[u], {{"title", "patched " + s.correlation_id}}, corr);
      } else {
        s.op = "complete";
        r = api.complete(task_of[u], corr);
      }
      s.seconds = std::chrono::duration<double>(clock_type::now() - began).count();
      s.status = r.status;
      s.retry_after = r.header("retry-after");
      s.content_type = r.header("content-type");
    });
  }
  std::this_thread::sleep_until(start + stall_for);  // the stall's length is the test's subject
  stall.release();
  for (auto& t : clients) t.join();

  int ok = 0, unavailable = 0;
  for (const auto& s : sent) {
    BOOST_TEST((s.status == 200 || s.status == 201 || s.status == 503), s.correlation_id << " got " << s.status);
    if (s.status == 503) {
      ++unavailable;
      BOOST_TEST(s.retry_after == "1", s.correlation_id);
      BOOST_TEST(s.content_type.rfind("application/problem+json", 0) == 0u, s.correlation_id);
    } else {
      ++ok;
    }
    // Answered by its deadline, or just after it when its commit was already running.
    BOOST_TEST(s.seconds < 12.0, s.correlation_id << " took " << s.seconds << " s");
  }
  BOOST_TEST_MESSAGE("stall: " << ok << " written, " << unavailable << " refused with nothing written");
  BOOST_TEST(ok > 0);
  BOOST_TEST(unavailable > 0);

  // 2xx <=> its events are delivered (two each: the task-events one and task.sync); 503 <=> none
  // exist, neither delivered nor waiting in the outbox.
  auto events_of = [&](const std::string& corr) {
    std::set<std::string> ids;
    for (const auto& r : sidecar.delivered())
      if (r.event.is_object() && r.event.value("correlationid", "") == corr) ids.insert(r.event.value("id", ""));
    return ids.size();
  };
  BOOST_TEST(wait_until(
      [&] {
        for (const auto& s : sent)
          if (s.status != 503 && events_of(s.correlation_id) < 2) return false;
        return true;
      },
      std::chrono::seconds(30)));
  DbPeek peek(db);
  BOOST_TEST(wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }, std::chrono::seconds(30)));
  for (const auto& s : sent) {
    const size_t events = events_of(s.correlation_id);
    if (s.status == 503)
      BOOST_TEST(events == 0u, s.correlation_id << " was refused, yet " << events << " events went out");
    else
      BOOST_TEST(events == 2u, s.correlation_id << " was answered " << s.status << " with " << events << " events");
    if (s.op == "create") {
      const auto made = peek.count("SELECT COUNT(*) FROM tasks WHERE title = '" + s.title + "'");
      BOOST_TEST(made == (s.status == 201 ? 1 : 0), s.correlation_id << " answered " << s.status);
    }
  }
  BOOST_TEST(peek.count("SELECT COUNT(*) FROM dead_letters") == 0);
  BOOST_TEST(taskd->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
