#include "core/lease_plan.hpp"

#include <algorithm>

namespace tasks {

bool replica_live(const ReplicaSeen& replica, millis now, const LeaseSettings& settings) {
  return replica.renewed_at + settings.lease > now;
}

bool claimable(const BucketLease& b, const std::string& me, millis now, const LeaseSettings& settings) {
  if (b.owner.empty()) return true;
  if (b.owner == me) return b.released;
  if (settings.exclusive) return true;
  return b.expires_at + settings.grace < now;
}

std::int32_t fair_share(std::int32_t buckets, std::int64_t rank, std::int64_t live) {
  if (live <= 0) return buckets;
  const auto base = static_cast<std::int32_t>(buckets / live);
  return base + (rank < buckets % live ? 1 : 0);
}

LeasePlan plan_leases(const std::string& me, millis now, const LeaseSettings& settings,
                      const std::vector<ReplicaSeen>& replicas, const std::vector<BucketLease>& buckets) {
  LeasePlan plan;
  std::vector<std::string> live{me};
  if (!settings.exclusive)
    for (const auto& r : replicas)
      if (r.owner != me && replica_live(r, now, settings)) live.push_back(r.owner);
  std::sort(live.begin(), live.end());
  const auto rank = std::find(live.begin(), live.end(), me) - live.begin();
  plan.live = static_cast<std::int64_t>(live.size());
  plan.share = fair_share(settings.buckets, rank, plan.live);

  std::vector<std::int32_t> held;
  for (const auto& b : buckets)
    if (b.owner == me && !b.released) held.push_back(b.bucket);
  const auto count = static_cast<std::int32_t>(held.size());
  if (count > plan.share) {
    // The surplus goes back from the top: the lower buckets stay where they are.
    std::sort(held.rbegin(), held.rend());
    plan.releases.assign(held.begin(), held.begin() + (count - plan.share));
    return plan;
  }
  // Claim what is free first (nobody waits for it), then what has lapsed, lowest bucket first.
  std::vector<const BucketLease*> candidates;
  for (const auto& b : buckets)
    if (claimable(b, me, now, settings)) candidates.push_back(&b);
  std::stable_sort(candidates.begin(), candidates.end(), [&](const BucketLease* a, const BucketLease* b) {
    const bool a_free = a->owner.empty() || a->owner == me, b_free = b->owner.empty() || b->owner == me;
    if (a_free != b_free) return a_free;
    return a->bucket < b->bucket;
  });
  for (const auto* b : candidates) {
    if (count + static_cast<std::int32_t>(plan.claims.size()) >= plan.share) break;
    plan.claims.push_back({b->bucket, b->epoch});
  }
  return plan;
}

millis next_renewal_in(const std::string& me, millis now, const LeaseSettings& settings, const LeasePlan& plan,
                       const std::vector<BucketLease>& buckets, millis interval) {
  std::int32_t held = 0;
  for (const auto& b : buckets) held += b.owner == me && !b.released ? 1 : 0;
  if (held >= plan.share) return interval;
  millis soonest = interval;
  for (const auto& b : buckets) {
    if (b.owner.empty() || b.owner == me) continue;
    const millis at = b.expires_at + settings.grace + 1;  // claimable strictly after the grace
    if (at > now) soonest = std::min(soonest, at - now);
  }
  return std::max<millis>(soonest, 10);
}

const char* lease_state(const BucketLease& b, millis now) {
  if (b.owner.empty()) return "free";
  if (b.released) return "released";
  return b.expires_at > now ? "held" : "expired";
}

}  // namespace tasks
