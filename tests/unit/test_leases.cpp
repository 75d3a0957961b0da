// The pure parts of sharing publishing between replicas: the bucket and lock hashes, the lease
// plan (who claims, who gives back, when a lapsed lease may be taken), the commit sequence
// attribute, and the cluster view's JSON.

#include <boost/test/unit_test.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/buckets.hpp"
#include "core/event_sequence.hpp"
#include "core/lease_plan.hpp"
#include "http/cluster_json.hpp"

using namespace tasks;

namespace {

LeaseSettings settings(std::int32_t buckets = 8) {
  LeaseSettings s;
  s.buckets = buckets;
  s.lease = 10'000;
  s.grace = 7'000;
  return s;
}

std::vector<BucketLease> table(std::int32_t n, const std::string& owner = "", std::int64_t epoch = 1,
                               millis expires = 0) {
  std::vector<BucketLease> out;
  for (std::int32_t b = 0; b < n; ++b) out.push_back({b, owner, owner, owner.empty() ? 0 : epoch, expires, false});
  return out;
}

// Runs renewals of every replica in turn until nothing changes, as the lease keepers would.
std::map<std::string, std::set<std::int32_t>> converge(std::vector<std::string> replicas,
                                                       std::vector<BucketLease>& buckets, millis& now,
                                                       const LeaseSettings& s) {
  for (int round = 0; round < 50; ++round) {
    bool changed = false;
    for (const auto& me : replicas) {
      std::vector<ReplicaSeen> seen;
      for (const auto& r : replicas) seen.push_back({r, now});
      for (auto& b : buckets)
        if (b.owner == me && !b.released) b.expires_at = now + s.lease;  // the renewal
      auto plan = plan_leases(me, now, s, seen, buckets);
      for (auto r : plan.releases) {
        buckets[static_cast<size_t>(r)].released = true;
        buckets[static_cast<size_t>(r)].expires_at = now;
        changed = true;
      }
      for (const auto& c : plan.claims) {
        auto& b = buckets[static_cast<size_t>(c.bucket)];
        BOOST_REQUIRE(claimable(b, me, now, s));
        b = {c.bucket, me, me, b.epoch + 1, now + s.lease, false};
        changed = true;
      }
    }
    now += 3'000;  // one renewal interval
    if (!changed && round > 5) break;
  }
  std::map<std::string, std::set<std::int32_t>> held;
  for (const auto& b : buckets)
    if (!b.released && !b.owner.empty()) held[b.owner].insert(b.bucket);
  return held;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(leases)

BOOST_AUTO_TEST_CASE(hashes_are_stable_and_spread) {
  // Fixed values: every replica and both databases must agree on them, build after build.
  BOOST_TEST(stable_hash("") == 14695981039346656037ull);
  BOOST_TEST(stable_hash("a") == 0xaf63dc4c8601ec8cull);
  BOOST_TEST(bucket_of("alice", 256) == bucket_of("alice", 256));
  BOOST_TEST(bucket_of("anyone", 1) == 0);
  std::map<std::int32_t, int> counts;
  for (int u = 0; u < 25'600; ++u) {
    auto b = bucket_of("user-" + std::to_string(u), 256);
    BOOST_REQUIRE(b >= 0);
    BOOST_REQUIRE(b < 256);
    ++counts[b];
  }
  BOOST_TEST(counts.size() == 256u);
  for (const auto& [b, n] : counts) BOOST_TEST((n > 50 && n < 160), "bucket " << b << " has " << n);
  BOOST_TEST(user_lock_key("alice") == user_lock_key("alice"));
  BOOST_TEST(user_lock_key("alice") != user_lock_key("bob"));
}

BOOST_AUTO_TEST_CASE(the_fair_share_splits_every_bucket_once) {
  for (std::int64_t live = 1; live <= 7; ++live) {
    std::int32_t sum = 0;
    for (std::int64_t rank = 0; rank < live; ++rank) sum += fair_share(256, rank, live);
    BOOST_TEST(sum == 256);
  }
  BOOST_TEST(fair_share(256, 0, 3) == 86);
  BOOST_TEST(fair_share(256, 2, 3) == 85);
}

BOOST_AUTO_TEST_CASE(a_lone_replica_claims_every_free_bucket) {
  auto s = settings();
  auto plan = plan_leases("r1", 1'000, s, {}, table(8));
  BOOST_TEST(plan.claims.size() == 8u);
  BOOST_TEST(plan.share == 8);
  BOOST_TEST(plan.releases.empty());
}

BOOST_AUTO_TEST_CASE(a_live_owners_lease_is_never_taken) {
  auto s = settings();
  const millis now = 100'000;
  auto buckets = table(8, "r1", 3, now + 5'000);
  auto plan = plan_leases("r2", now, s, {{"r1", now - 1'000}}, buckets);
  BOOST_TEST(plan.share == 4);
  BOOST_TEST(plan.claims.empty());  // r1 must give them back first
}

BOOST_AUTO_TEST_CASE(a_lapsed_lease_waits_for_the_grace_before_another_takes_it) {
  auto s = settings();
  const millis expired = 100'000;
  BucketLease b{0, "dead", "dead", 4, expired, false};
  BOOST_TEST(!claimable(b, "r2", expired + 1, s));
  BOOST_TEST(!claimable(b, "r2", expired + s.grace, s));
  BOOST_TEST(claimable(b, "r2", expired + s.grace + 1, s));
  // Given back while running: the same wait (its last calls and settle may be under way).
  BucketLease released{0, "r1", "r1", 4, expired, true};
  BOOST_TEST(!claimable(released, "r2", expired + 1, s));
  BOOST_TEST(claimable(released, "r1", expired + 1, s));  // its own: nobody else sent it since
  // Given up after draining at shutdown: at once.
  BucketLease free{0, "", "", 4, 0, false};
  BOOST_TEST(claimable(free, "r2", 1, s));
  // SQLite: the file lock proves the previous process is gone.
  auto exclusive = s;
  exclusive.exclusive = true;
  BOOST_TEST(claimable(b, "r2", expired - 5'000, exclusive));
}

BOOST_AUTO_TEST_CASE(an_owner_over_its_share_gives_back_the_surplus_from_the_top) {
  auto s = settings();
  const millis now = 100'000;
  auto buckets = table(8, "r1", 1, now + 9'000);
  auto plan = plan_leases("r1", now, s, {{"r1", now}, {"r2", now}}, buckets);
  BOOST_TEST(plan.share == 4);
  BOOST_TEST((plan.releases == std::vector<std::int32_t>{7, 6, 5, 4}));
  BOOST_TEST(plan.claims.empty());
}

BOOST_AUTO_TEST_CASE(replicas_converge_to_a_split_with_no_bucket_held_twice) {
  auto s = settings(256);
  millis now = 1'000'000;
  auto buckets = table(256);
  auto held = converge({"r1"}, buckets, now, s);
  BOOST_TEST(held["r1"].size() == 256u);
  held = converge({"r1", "r2", "r3"}, buckets, now, s);
  BOOST_TEST(held.size() == 3u);
  size_t total = 0;
  for (const auto& [owner, set] : held) {
    BOOST_TEST((set.size() == 85u || set.size() == 86u), owner << " holds " << set.size());
    total += set.size();
  }
  BOOST_TEST(total == 256u);
  // r2 dies: once its leases lapse (plus the grace) the other two take its buckets.
  held = converge({"r1", "r3"}, buckets, now, s);
  BOOST_TEST(held.size() == 2u);
  BOOST_TEST(held["r1"].size() + held["r3"].size() == 256u);
}

BOOST_AUTO_TEST_CASE(a_replica_short_of_its_share_renews_when_a_lapsed_bucket_becomes_claimable) {
  auto s = settings(4);
  const millis now = 100'000;
  // r1 holds two; a dead replica's two end at now + 1 s and are claimable after the grace.
  std::vector<BucketLease> buckets = {{0, "r1", "r1", 1, now + 9'000, false},
                                      {1, "r1", "r1", 1, now + 9'000, false},
                                      {2, "dead", "dead", 1, now + 1'000, false},
                                      {3, "dead", "dead", 1, now + 1'500, false}};
  auto plan = plan_leases("r1", now, s, {{"r1", now}}, buckets);
  BOOST_TEST(plan.share == 4);
  BOOST_TEST(next_renewal_in("r1", now, s, plan, buckets, 10'000) == 1'000 + s.grace + 1);
  BOOST_TEST(next_renewal_in("r1", now, s, plan, buckets, 3'000) == 3'000);  // never later than the interval
  // Holding its share: the interval.
  buckets[2].owner = buckets[3].owner = "r1";
  BOOST_TEST(next_renewal_in("r1", now, s, plan, buckets, 3'000) == 3'000);
}

BOOST_AUTO_TEST_CASE(the_sequence_is_a_first_attribute_that_sorts_as_text) {
  BOOST_TEST(format_sequence(42) == "00000000000000000042");
  BOOST_TEST(format_sequence(9) < format_sequence(10));
  auto stamped = with_sequence(R"({"specversion":"1.0","id":"x"})", 7);
  BOOST_TEST(stamped == R"({"sequence":"00000000000000000007","specversion":"1.0","id":"x"})");
  auto parsed = nlohmann::json::parse(stamped);
  BOOST_TEST(parsed["sequence"] == "00000000000000000007");
  BOOST_TEST(with_sequence("{}", 1) == R"({"sequence":"00000000000000000001"})");
  BOOST_TEST(with_sequence("not json", 1) == "not json");
}

BOOST_AUTO_TEST_CASE(the_cluster_view_counts_what_each_replica_holds) {
  ClusterView view;
  view.replica_id = "r1";
  view.owner = "r1/1";
  view.settings = settings(4);
  view.renew_interval = 3'000;
  view.table.now = 50'000;
  view.table.replicas = {{"r1/1", "r1", "pod-a", 10, 1'000, 49'000, 0, R"({"delivered":5})"},
                         {"r2/1", "r2", "pod-b", 11, 1'000, 20'000, 0, "not json"}};
  view.table.buckets = {{0, "r1/1", "r1", 2, 59'000, false},
                        {1, "r1/1", "r1", 2, 59'000, false},
                        {2, "r2/1", "r2", 1, 30'000, false},
                        {3, "", "", 1, 0, false}};
  auto j = http::cluster_json(view);
  BOOST_TEST(j["self"] == "r1");
  BOOST_TEST(j["bucket_count"] == 4);
  BOOST_TEST(j["replicas"][0]["buckets"] == 2);
  BOOST_TEST(j["replicas"][0]["live"] == true);
  BOOST_TEST(j["replicas"][0]["counters"]["delivered"] == 5);
  BOOST_TEST(j["replicas"][1]["live"] == false);  // last renewal 30 s ago, lease 10 s
  BOOST_TEST(j["replicas"][1]["counters"].is_object());
  BOOST_TEST(j["buckets"][2]["state"] == "expired");
  BOOST_TEST(j["buckets"][3]["state"] == "free");
}

BOOST_AUTO_TEST_SUITE_END()
