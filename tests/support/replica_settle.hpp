#pragma once

// What the multi-replica tests (integration on the recording sidecar, e2e on daprd + Kafka)
// share: the settings the replicas run with, and waiting until every live replica's view of the
// cluster has settled on the live set.

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "tests/support/cluster_view.hpp"
#include "tests/support/replica_set.hpp"

namespace tasks::testing {

// The settings the cases run with. A crash takeover is lease + publish timeout + 2 s + one renew
// interval, about 6 s with these; the defaults (10 s, 5 s, 3 s) would make each kill cost 20 s.
inline constexpr int publish_concurrency = 8;  // the in-flight limit is this × 3 topics
std::map<std::string, std::string> replica_env();

// Every live replica's view of the cluster settled on the live set (see cluster_view.hpp).
struct Settled {
  bool ok = false;
  std::string problems;             // of the last look, a line each, when not ok
  std::optional<ClusterView> view;  // the last view read (of the first live replica)
  std::chrono::milliseconds took{0};
};
Settled settle(const ReplicaSet& replicas, bool balanced, std::chrono::milliseconds deadline);

}  // namespace tasks::testing
