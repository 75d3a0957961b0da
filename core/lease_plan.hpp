#pragma once

// Lease arithmetic for sharing the publishers' work between replicas: which buckets of users
// this replica should claim or give back at a renewal, from what the lease table says. Pure:
// the lease keeper (persistence/lease_keeper) only carries it out.
//
// The rules (docs/replicas.md):
// - a replica is live while its last renewal is younger than one lease;
// - the live replicas, ordered by owner token, split the buckets evenly: each holds its fair
//   share, the first `buckets % live` one more;
// - a replica holding more gives the surplus back (released: it stops fetching them at once);
// - a bucket may be claimed when nobody owns it (given back at shutdown, after draining), when
//   it is this replica's own released bucket, or when its lease ended more than `grace` ago (a
//   replica that died or gave it back while running: `grace` covers the publish calls and the
//   settle it may still have had under way), so no two replicas ever send one bucket at once;
// - in exclusive mode (SQLite, whose file lock proves no other process is alive) every bucket
//   may be claimed at once.

#include <cstdint>
#include <string>
#include <vector>

#include "core/task.hpp"

namespace tasks {

struct LeaseSettings {
  std::int32_t buckets = 256;
  millis lease = 10'000;  // how long a renewal holds
  millis grace = 7'000;   // after a lease ended, before another replica starts its bucket
  bool exclusive = false;
};

struct BucketLease {
  std::int32_t bucket = 0;
  std::string owner;  // the holder's owner token ("" when nobody holds it)
  std::string replica_id;
  std::int64_t epoch = 0;  // raised by every claim: the fencing token
  millis expires_at = 0;
  bool released = false;  // given back by its owner, which no longer sends it
};

struct ReplicaSeen {
  std::string owner;  // unique per process start
  millis renewed_at = 0;
};

struct LeasePlan {
  struct Claim {
    std::int32_t bucket = 0;
    std::int64_t seen_epoch = 0;  // claimed only if nobody claimed it since (compare and set)
  };
  std::vector<Claim> claims;
  std::vector<std::int32_t> releases;
  std::int32_t share = 0;  // the buckets this replica should hold
  std::int64_t live = 0;   // live replicas, this one included
};

bool replica_live(const ReplicaSeen& replica, millis now, const LeaseSettings& settings);

// May `me` claim `bucket` at `now`?
bool claimable(const BucketLease& bucket, const std::string& me, millis now, const LeaseSettings& settings);

// The buckets replica `rank` of `live` should hold.
std::int32_t fair_share(std::int32_t buckets, std::int64_t rank, std::int64_t live);

LeasePlan plan_leases(const std::string& me, millis now, const LeaseSettings& settings,
                      const std::vector<ReplicaSeen>& replicas, const std::vector<BucketLease>& buckets);

// What a replica says of itself at each renewal (the `replicas` table), and what operators see.
struct ReplicaRecord {
  std::string owner, replica_id, host;
  std::int64_t pid = 0;
  millis started_at = 0, renewed_at = 0, stopped_at = 0;  // the database's clock
  std::string counters = "{}";                            // JSON: its publishing counters
};

// The lease table as read at one moment of the database's clock.
struct LeaseTable {
  millis now = 0;
  std::vector<ReplicaRecord> replicas;
  std::vector<BucketLease> buckets;
};

// What the admin API shows of the cluster, as one replica sees it.
struct ClusterView {
  std::string replica_id, owner;  // this replica
  LeaseSettings settings;
  millis renew_interval = 0;
  LeaseTable table;
  std::string error;  // the last renewal's failure ("" when it went through)
};

// How long after `now` the next renewal should come: the renewal interval, or sooner when this
// replica is short of its share and a bucket becomes claimable before that (a dead replica's
// buckets are then taken the moment its lease and the grace have passed, not up to an interval
// later). `buckets` as they are after the plan was carried out.
millis next_renewal_in(const std::string& me, millis now, const LeaseSettings& settings, const LeasePlan& plan,
                       const std::vector<BucketLease>& buckets, millis interval);

// For operators: held | released | expired | free.
const char* lease_state(const BucketLease& bucket, millis now);

}  // namespace tasks
