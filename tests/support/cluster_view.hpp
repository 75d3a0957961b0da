#pragma once

// The cluster as one replica's admin API shows it (GET /admin/cluster): the replicas with their
// lease renewals and publishing counters, and every bucket with its owner, epoch and state. And
// what "settled" means for a set of live replicas: every bucket held by one of them, every one
// of them live and holding its share.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tasks::testing {

struct ClusterReplica {
  std::string id;
  bool live = false;
  long long buckets = 0;
  long long delivered = 0, failed = 0, dead_lettered = 0;  // its publishing counters
};

struct ClusterBucket {
  long long bucket = 0;
  std::string owner;  // replica_id
  long long epoch = 0;
  std::string state;  // held | released | expired
};

struct ClusterView {
  std::string self;
  long long bucket_count = 0;
  long long lease_ms = 0, renew_ms = 0, grace_ms = 0;
  std::vector<ClusterReplica> replicas;
  std::vector<ClusterBucket> buckets;

  // The replicas marked live; buckets held, per owner.
  std::set<std::string> live_replicas() const;
  long long held_by(const std::string& replica_id) const;
};

// The view parsed from the JSON body; nothing when it is not the documented shape (`why` says).
std::optional<ClusterView> parse_cluster(const nlohmann::json& body, std::string* why = nullptr);

// GET {admin_url}/admin/cluster; nothing when there is no 200 with the documented shape.
std::optional<ClusterView> fetch_cluster(const std::string& admin_url, std::string* why = nullptr);

// What keeps `view` from being the settled cluster of exactly `live` (empty: settled): a
// replica missing, not live, or live when it should not be; a bucket not held, or held by a
// replica outside `live`; a replica's bucket count that disagrees with the bucket list. With
// `balanced`, every live replica must also hold at least half of an even share.
std::vector<std::string> unsettled(const ClusterView& view, const std::set<std::string>& live, bool balanced);

// Bucket owners per replica, as "r1=85 r2=86 r3=85", for messages.
std::string split_text(const ClusterView& view);

}  // namespace tasks::testing
