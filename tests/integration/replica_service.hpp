#pragma once

// The multi-replica tests' service and what they check after a run: three (or more) taskd
// processes on one fresh PostgreSQL database, publishing to one recording sidecar, with short
// leases so that a takeover fits a test; the cluster as every live replica's admin API shows
// it; the outbox drained; and the delivery and final-state checks over a load driver's log.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/cluster_view.hpp"
#include "tests/support/delivery_check.hpp"
#include "tests/support/load_driver.hpp"
#include "tests/support/recording_sidecar.hpp"
#include "tests/support/replica_set.hpp"
#include "tests/support/replica_settle.hpp"

namespace tasks::testing {

struct ReplicaService {
  RecordingSidecar sidecar;
  std::string db;
  ReplicaSet replicas;

  explicit ReplicaService(size_t count);
  LoadOptions load(size_t mutations) const;  // 30 users, this service's JWT secret
};

// Waits until the outbox is empty (every committed event delivered and settled); how long that
// took after the call, or nothing at the deadline.
std::optional<std::chrono::milliseconds> drain(ReplicaService& service,
                                               std::chrono::milliseconds deadline = std::chrono::seconds(60));

// Runs the delivery and final-state checks over what the sidecar got and the database holds,
// as Boost.Test assertions (0 duplicates is the caller's to ask), and says what was measured.
DeliveryReport check_run(ReplicaService& service, const LoadDriver& load,
                         const std::vector<RecordedPublish>& delivered);

}  // namespace tasks::testing
