// Three taskd replicas on one PostgreSQL (started for this case) publishing through the real
// daprd to the real Kafka, each user's requests round-robin over them: read from the Kafka
// topics, every acknowledged mutation's events are there exactly once (no duplicates in normal
// operation), each user's in commit order (`sequence`, and `version` per task), and the
// database holds the last answered state of every task.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/e2e.hpp"
#include "tests/support/db_peek.hpp"
#include "tests/support/delivery_check.hpp"
#include "tests/support/final_state_check.hpp"
#include "tests/support/load_driver.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/replica_settle.hpp"
#include "tests/support/wait.hpp"

using namespace tasks::testing;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(replicas)

BOOST_AUTO_TEST_CASE(three_replicas_on_one_postgresql_deliver_each_event_once_in_commit_order) {
  auto& stack = EndToEnd::get().stack();
  PostgresServer pg;
  ReplicaSet replicas(ReplicaSetOptions{pg.uri(), stack.dapr_endpoint(), replica_env(), 3});
  auto settled = settle(replicas, true, std::chrono::seconds(30));
  BOOST_REQUIRE_MESSAGE(settled.ok, settled.problems);

  LoadOptions options;
  options.users = 30;
  options.mutations = 3'000;
  options.max_duration = std::chrono::seconds(60);
  options.user_prefix = "e2e-replicas";
  options.jwt_secret = replicas.jwt_secret();
  LoadDriver load(options, [&] { return replicas.endpoints(); });
  load.start();
  load.wait();
  const auto mutations = load.mutations();
  BOOST_REQUIRE(load.acknowledged() >= 2'900u);

  DbPeek peek(pg.uri());
  BOOST_REQUIRE(wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }, std::chrono::seconds(60)));
  // Every event the database wrote is on Kafka (daprd answered 204 for each): read until the
  // check finds nothing missing, or the deadline.
  DeliveryReport report;
  wait_until(
      [&] {
        std::vector<DeliveredEvent> events;
        for (const char* topic : {"task-events", "task-updates", "reminders"})
          for (auto& r : stack.records(topic)) events.push_back({topic, std::move(r.event)});
        report = check_delivery(mutations, events);
        return report.lost.empty();
      },
      std::chrono::seconds(60), milliseconds(500));
  BOOST_TEST_MESSAGE("three replicas through daprd and Kafka: " << report.summary());
  BOOST_TEST(report.ok(), report.details());
  BOOST_TEST(report.duplicates == 0u, report.details());
  std::map<std::string, std::vector<PeekTask>> rows;
  for (const auto& user : load.users()) rows[user] = peek.tasks(user);
  const auto state = check_final_state(mutations, rows);
  BOOST_TEST(state.empty(), state);
}

BOOST_AUTO_TEST_SUITE_END()
