#pragma once

// GET /admin/cluster as JSON (docs/replicas.md): the replicas sharing the database, the bucket
// leases, and the lease settings, as one replica's lease keeper reads them. Pure.

#include <nlohmann/json.hpp>

#include "core/lease_plan.hpp"

namespace tasks::http {

nlohmann::json cluster_json(const ClusterView& view);

}  // namespace tasks::http
