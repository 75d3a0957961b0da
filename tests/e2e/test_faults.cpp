// Faults with the real parts: daprd gone, Kafka gone, taskd killed. Every API call succeeds
// meanwhile, and afterwards every committed mutation's events are on Kafka. Duplicates (sent,
// but not marked delivered before a kill) are counted and printed, never silently ignored.

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <thread>

#include "tests/e2e/e2e.hpp"
#include "tests/support/db_peek.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;

namespace {

// Each of `users` users makes `per_user` mutations one after another; returns the users.
std::vector<std::string> load(TaskdProcess& taskd, int users, int per_user, int& failures) {
  std::vector<std::string> names(users);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u) {
    threads.emplace_back([&, u] {
      UserApi api(taskd, unique_user("fault"));
      names[u] = api.user();
      std::string id;
      for (int m = 0; m < per_user; ++m) {
        auto r = m == 0 ? api.create({{"title", "t"}}) : api.patch(id, {{"title", std::to_string(m)}});
        if (m == 0 && r.status == 201) id = r.json()["id"];
        if (r.status != 200 && r.status != 201) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  failures = failed;
  return names;
}

size_t duplicates_of(const std::vector<KafkaRecord>& records) {
  std::map<std::string, int> seen;
  for (const auto& r : records) ++seen[r.event["id"].get<std::string>()];
  size_t dup = 0;
  for (const auto& [_, n] : seen) dup += n - 1;
  return dup;
}

void expect_all_on_kafka(const std::vector<std::string>& users, size_t per_user, const std::string& what) {
  for (const auto& user : users) {
    for (const char* topic : {"task-events", "task-updates"}) {
      auto records = EndToEnd::get().records_of(topic, user, per_user, std::chrono::seconds(120));
      BOOST_TEST(records.size() >= per_user, what << ": " << topic << " " << user);
      const auto dup = duplicates_of(records);
      BOOST_TEST_MESSAGE(what << ": " << topic << " " << user << ": " << records.size() << " records, " << dup
                              << " duplicates");
      BOOST_TEST(records.size() - dup == per_user);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(faults)

BOOST_AUTO_TEST_CASE(daprd_down_during_a_load_then_every_event_reaches_kafka) {
  auto& env = EndToEnd::get();
  env.stack().stop_daprd();
  int failures = 0;
  auto users = load(env.taskd(), 4, 50, failures);
  BOOST_TEST(failures == 0);
  env.stack().start_daprd();
  expect_all_on_kafka(users, 50, "daprd restarted");
}

BOOST_AUTO_TEST_CASE(kafka_down_during_a_load_then_every_event_reaches_kafka) {
  auto& env = EndToEnd::get();
  env.stack().stop_kafka();
  int failures = 0;
  auto users = load(env.taskd(), 4, 50, failures);
  BOOST_TEST(failures == 0);
  env.stack().start_kafka();
  expect_all_on_kafka(users, 50, "Kafka restarted");
}

BOOST_AUTO_TEST_CASE(taskd_sigkilled_mid_burst_then_no_committed_mutation_lacks_its_events) {
  auto& env = EndToEnd::get();
  const auto db = env.fresh_db();
  auto taskd = env.start_taskd(db);
  std::atomic<bool> killed{false};
  std::vector<std::string> users(4);
  std::vector<std::thread> threads;
  for (int u = 0; u < 4; ++u) {
    threads.emplace_back([&, u] {
      UserApi api(*taskd, unique_user("kill"));
      users[u] = api.user();
      std::string id;
      for (int m = 0; m < 5000 && !killed; ++m) {
        auto r = m == 0 ? api.create({{"title", "t"}}) : api.patch(id, {{"title", std::to_string(m)}});
        if (r.status != 200 && r.status != 201) break;
        if (m == 0) id = r.json()["id"];
      }
    });
  }
  // Kill while the burst is running: once some of its events are on Kafka, long before its end.
  BOOST_REQUIRE(wait_until(
      [&] {
        size_t mine = 0;
        for (const auto& r : env.stack().records("task-updates")) mine += r.key.rfind("kill-", 0) == 0;
        return mine >= 200u;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100)));
  taskd->kill_hard();
  killed = true;
  for (auto& t : threads) t.join();

  auto again = env.start_taskd(db);
  DbPeek peek(db);
  BOOST_REQUIRE(wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }, std::chrono::seconds(120)));
  for (const auto& user : users) {
    // The database is the truth: one task per user, at its last committed version.
    const long long version = peek.count("SELECT COALESCE(MAX(version), 0) FROM tasks WHERE user_id = '" + user + "'");
    auto records = env.records_of("task-updates", user, static_cast<size_t>(version));
    std::set<long long> versions;
    for (const auto& r : records) versions.insert(r.event["data"]["version"].get<long long>());
    for (long long v = 1; v <= version; ++v) BOOST_TEST(versions.count(v) == 1u, user << " v" << v);
    BOOST_TEST_MESSAGE("SIGKILL: " << user << ": " << version << " committed mutations, " << records.size()
                                   << " task.sync records, " << duplicates_of(records) << " duplicates");
  }
  BOOST_TEST(again->terminate() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
