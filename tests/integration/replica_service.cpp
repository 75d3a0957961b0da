#include "tests/integration/replica_service.hpp"

#include <boost/test/unit_test.hpp>
#include <set>

#include "tests/integration/fixture.hpp"
#include "tests/support/db_peek.hpp"
#include "tests/support/final_state_check.hpp"
#include "tests/support/wait.hpp"

namespace tasks::testing {

using std::chrono::milliseconds;

ReplicaService::ReplicaService(size_t count)
    : db(Environment::get().fresh_db_url("replicas")),
      replicas(ReplicaSetOptions{db, sidecar.endpoint(), replica_env(), count}) {}

LoadOptions ReplicaService::load(size_t mutations) const {
  LoadOptions o;
  o.users = 30;
  o.mutations = mutations;
  o.max_duration = std::chrono::seconds(60);
  o.jwt_secret = replicas.jwt_secret();
  return o;
}

std::optional<milliseconds> drain(ReplicaService& service, milliseconds deadline) {
  DbPeek peek(service.db);
  const auto from = std::chrono::steady_clock::now();
  if (!wait_until([&] { return peek.count("SELECT COUNT(*) FROM outbox") == 0; }, deadline, milliseconds(50)))
    return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - from);
}

DeliveryReport check_run(ReplicaService& service, const LoadDriver& load,
                         const std::vector<RecordedPublish>& delivered) {
  const auto mutations = load.mutations();
  std::vector<DeliveredEvent> events;
  events.reserve(delivered.size());
  for (const auto& r : delivered) events.push_back({r.topic, r.event});
  DeliveryReport report = check_delivery(mutations, events);
  BOOST_TEST_MESSAGE(report.summary());
  BOOST_TEST(report.lost.empty(), "lost: " << report.lost);
  BOOST_TEST(report.unexpected.empty(), "unexpected: " << report.unexpected);
  BOOST_TEST(report.disorder.empty(), "disorder: " << report.disorder);
  BOOST_TEST(report.malformed.empty(), "malformed: " << report.malformed);
  BOOST_TEST(report.rejected == 0u, "no request of the driver can be refused: it knows its tasks");

  DbPeek peek(service.db);
  std::map<std::string, std::vector<PeekTask>> rows;
  for (const auto& user : load.users()) rows[user] = peek.tasks(user);
  const Problems state = check_final_state(mutations, rows);
  BOOST_TEST(state.empty(), "final state: " << state);
  // A settle that raced another replica's would dead-letter what was delivered.
  BOOST_TEST(peek.count("SELECT COUNT(*) FROM dead_letters") == 0);

  // Every kind of mutation was acknowledged, so every kind of event was checked.
  std::map<MutationKind, size_t> kinds;
  for (const auto& m : mutations)
    if (m.outcome == Outcome::acknowledged) ++kinds[m.kind];
  std::string mix;
  for (int k = 0; k < mutation_kinds; ++k) {
    const auto kind = static_cast<MutationKind>(k);
    BOOST_TEST(kinds[kind] > 0u, to_string(kind) << " never acknowledged");
    mix += std::string(mix.empty() ? "" : ", ") + to_string(kind) + " " + std::to_string(kinds[kind]);
  }
  BOOST_TEST_MESSAGE("mix: " << mix);
  return report;
}

}  // namespace tasks::testing
