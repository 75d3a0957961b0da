#pragma once

// `cluster`: GET /admin/cluster as the operator sees it. Which replicas share the database, when
// each last renewed its leases, what each has published, and which buckets of users each one
// publishes for: per owner its bucket ranges, epochs and earliest expiry, and a line for the
// buckets nobody holds. Pure functions; unexpected shapes give empty cells, never an exception.
//
// Ages are counted from `now_ms`, the shell's clock, unless the answer carries the service's
// own (`now`, RFC 3339): then a skewed operator's clock cannot make a live lease look expired.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shell/views.hpp"

namespace tasks::shell {

struct ClusterView {
  View replicas;  // the settings line, one row a replica (the answering one marked), notes
  View buckets;   // one row an owner, then the buckets no one holds
};

// `cluster`.
ClusterView cluster_view(const nlohmann::json& answer, long long now_ms);
// The replicas, a blank line, the buckets.
std::string render(const ClusterView& view);

// `cluster buckets`: the settings line and every bucket, by number.
View cluster_buckets_view(const nlohmann::json& answer, long long now_ms);

// Bucket numbers as ranges, in order, repeats ignored: {7,0,1,2,5,8} → "0-2,5,7-8".
std::string bucket_ranges(std::vector<long long> buckets);

// A moment relative to now: "in 8.0s", "2.5s ago".
std::string relative_time(long long at_ms, long long now_ms);

}  // namespace tasks::shell
