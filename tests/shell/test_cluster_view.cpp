// `cluster`: GET /admin/cluster (fixtures of its JSON shape) as the operator reads it, at a fixed
// clock so that every age is exact.

#include <boost/test/unit_test.hpp>

#include "shell/cluster_view.hpp"

using namespace tasks::shell;
using nlohmann::json;
using Row = std::vector<std::string>;

namespace {

// 2026-12-01T12:00:00.000Z and instants around it.
constexpr long long noon = 1'796'126'400'000LL;
std::string at(long long offset_ms) {
  const long long ms = noon + offset_ms;
  const long long s = ms / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "2026-12-01T%02lld:%02lld:%02lld.%03lldZ", (s / 3600) % 24, (s / 60) % 60, s % 60,
                ms % 1000);
  return buf;
}

json replica(const std::string& id, const std::string& host, int pid, bool live, int buckets, long long renewed,
             int delivered) {
  return {{"replica_id", id},
          {"host", host},
          {"pid", pid},
          {"started_at", at(-3'600'000)},
          {"renewed_at", at(renewed)},
          {"live", live},
          {"buckets", buckets},
          {"counters", {{"delivered", delivered}, {"failed", 4}, {"dead_lettered", 0}}}};
}

json bucket(int n, const std::string& owner, int epoch, long long expires, const std::string& state = "held") {
  return {{"bucket", n}, {"replica_id", owner}, {"epoch", epoch}, {"expires_at", at(expires)}, {"state", state}};
}

// Three replicas on 256 buckets: r1 (answering) holds 0-85 at epochs 2 and 3, r2 holds 86-170
// and 200, 171-199 were released, and r3 stopped renewing: its 201-255 expired.
json three_replicas() {
  json buckets = json::array();
  for (int b = 0; b < 256; ++b) {
    if (b <= 85)
      buckets.push_back(bucket(b, "r1", b < 10 ? 2 : 3, b == 40 ? 8'000 : 9'500));
    else if (b <= 170 || b == 200)
      buckets.push_back(bucket(b, "r2", 1, b == 200 ? 5'000 : 7'000));
    else if (b < 200)
      buckets.push_back(bucket(b, "", 4, -60'000, "released"));
    else
      buckets.push_back(bucket(b, "r3", 1, -2'000, "expired"));
  }
  return {{"self", "r1"},
          {"bucket_count", 256},
          {"lease_duration_ms", 10'000},
          {"renew_interval_ms", 3'000},
          {"takeover_grace_ms", 7'000},
          // Listed out of order: the view sorts them.
          {"replicas",
           {replica("r2", "pod-b", 7, true, 86, -800, 99), replica("r1", "pod-a", 42, true, 86, -1'200, 123),
            replica("r3", "pod-c", 9, false, 0, -12'000, 5)}},
          {"buckets", buckets}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cluster_views)

BOOST_AUTO_TEST_CASE(the_settings_line_and_the_replicas_with_their_counters) {
  const ClusterView v = cluster_view(three_replicas(), noon);
  BOOST_TEST(
      v.replicas.lead == (Row{"seen from r1 (*): 256 buckets; lease 10.0s, renewed every 3.0s, takeover grace 7.0s"}),
      boost::test_tools::per_element());
  BOOST_REQUIRE(v.replicas.table.rows.size() == 3u);
  BOOST_TEST(v.replicas.table.columns[1].header == "REPLICA");
  BOOST_TEST(v.replicas.table.rows[0] ==
                 (Row{"*", "r1", "pod-a", "42", "yes", "86", "123", "4", "0", "2026-12-01T11:00:00.000Z", "1.2s ago"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.replicas.table.rows[1][1] == "r2");
  BOOST_TEST(v.replicas.table.rows[1][0] == "");  // only the answering replica is marked
  BOOST_TEST(v.replicas.table.rows[2][4] == "NO");
}

BOOST_AUTO_TEST_CASE(a_replica_that_stopped_renewing_is_called_out) {
  const ClusterView v = cluster_view(three_replicas(), noon);
  BOOST_TEST(v.replicas.notes ==
                 (Row{"r3 is NOT LIVE (last renewal 12.0s ago): the others take its buckets once their leases expire "
                      "and the takeover grace passes"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(each_owner_is_its_bucket_ranges_epochs_and_earliest_expiry) {
  const ClusterView v = cluster_view(three_replicas(), noon);
  const auto& t = v.buckets.table;
  BOOST_TEST(t.columns[2].header == "RANGES");
  BOOST_REQUIRE(t.rows.size() == 2u);
  BOOST_TEST(t.rows[0] == (Row{"r1", "86", "0-85", "2-3", "in 8.0s"}), boost::test_tools::per_element());
  BOOST_TEST(t.rows[1] == (Row{"r2", "86", "86-170,200", "1", "in 5.0s"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(buckets_nobody_holds_get_a_line_each_kind) {
  const ClusterView v = cluster_view(three_replicas(), noon);
  BOOST_TEST(v.buckets.notes ==
                 (Row{"expired: 201-255 (55 buckets, last held by r3): no replica publishes for their users now",
                      "released: 171-199 (29 buckets): no replica publishes for their users now"}),
             boost::test_tools::per_element());
  // Every bucket held: no such line.
  json all_held = three_replicas();
  json held = json::array();
  for (const auto& b : all_held["buckets"])
    if (b["state"] == "held") held.push_back(b);
  all_held["buckets"] = held;
  BOOST_TEST(cluster_view(all_held, noon).buckets.notes.empty());
}

BOOST_AUTO_TEST_CASE(the_whole_view_as_printed) {
  json answer = {{"self", "r1"},
                 {"bucket_count", 4},
                 {"lease_duration_ms", 10'000},
                 {"renew_interval_ms", 3'000},
                 {"takeover_grace_ms", 7'000},
                 {"replicas", {replica("r1", "pod-a", 42, true, 3, -1'200, 123)}},
                 {"buckets",
                  {bucket(0, "r1", 3, 8'000), bucket(1, "r1", 3, 9'000), bucket(3, "r1", 2, 9'900),
                   bucket(2, "", 1, -4'000, "released")}}};
  BOOST_TEST(render(cluster_view(answer, noon)) ==
             "seen from r1 (*): 4 buckets; lease 10.0s, renewed every 3.0s, takeover grace 7.0s\n"
             "   REPLICA  HOST   PID  LIVE  BUCKETS  DELIVERED  FAILED  DEAD-LETTERED  STARTED                    "
             "RENEWED\n"
             "*  r1       pod-a   42  yes         3        123       4              0  2026-12-01T11:00:00.000Z  "
             "1.2s ago\n"
             "\n"
             "OWNER  BUCKETS  RANGES  EPOCH  EARLIEST EXPIRY\n"
             "r1           3  0-1,3     2-3          in 8.0s\n"
             "released: 2 (1 bucket): no replica publishes for their users now\n");
}

BOOST_AUTO_TEST_CASE(cluster_buckets_lists_every_lease_by_number) {
  const View v = cluster_buckets_view(three_replicas(), noon);
  BOOST_TEST(v.lead.size() == 1u);
  BOOST_REQUIRE(v.table.rows.size() == 256u);
  BOOST_TEST(v.table.columns[0].header == "BUCKET");
  BOOST_TEST(v.table.rows[0] == (Row{"0", "r1", "2", "held", "2026-12-01T12:00:09.500Z", "in 9.5s"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[171] == (Row{"171", "", "4", "released", "2026-12-01T11:59:00.000Z", "1m00s ago"}),
             boost::test_tools::per_element());
  BOOST_TEST(v.table.rows[255][3] == "expired");
}

BOOST_AUTO_TEST_CASE(the_services_clock_counts_when_the_answer_gives_it) {
  json answer = three_replicas();
  answer["now"] = at(2'000);  // the operator's clock is 2 s behind the service's
  BOOST_TEST(cluster_view(answer, noon).buckets.table.rows[0][4] == "in 6.0s");
  BOOST_TEST(cluster_buckets_view(answer, noon).table.rows[0][5] == "in 7.5s");
}

BOOST_AUTO_TEST_CASE(ranges_and_moments) {
  BOOST_TEST(bucket_ranges({}) == "");
  BOOST_TEST(bucket_ranges({5}) == "5");
  BOOST_TEST(bucket_ranges({7, 0, 1, 2, 5, 8, 2}) == "0-2,5,7-8");
  BOOST_TEST(relative_time(noon + 8'000, noon) == "in 8.0s");
  BOOST_TEST(relative_time(noon - 2'500, noon) == "2.5s ago");
  BOOST_TEST(relative_time(noon, noon) == "now");
}

BOOST_AUTO_TEST_CASE(unexpected_shapes_give_empty_cells_not_exceptions) {
  const ClusterView empty = cluster_view(json::parse("[1,2]"), noon);
  BOOST_TEST(empty.replicas.lead[0] == "seen from ? (*): ? buckets; lease ?, renewed every ?, takeover grace ?");
  BOOST_TEST(empty.replicas.notes == (Row{"no replicas"}), boost::test_tools::per_element());
  BOOST_TEST(empty.buckets.notes == (Row{"no bucket leases"}), boost::test_tools::per_element());
  json odd = {{"replicas", {{{"replica_id", 5}, {"renewed_at", "yesterday"}, {"counters", "none"}}, "not a replica"}},
              {"buckets", {{{"bucket", "seven"}}, {{"bucket", 3}, {"replica_id", "r1"}, {"state", "held"}}}}};
  const ClusterView v = cluster_view(odd, noon);
  BOOST_REQUIRE(v.replicas.table.rows.size() == 1u);
  BOOST_TEST(v.replicas.table.rows[0][1] == "5");
  BOOST_TEST(v.replicas.table.rows[0][10] == "yesterday");  // not a time: shown as it came
  BOOST_TEST(v.replicas.table.rows[0][6] == "");
  BOOST_REQUIRE(v.buckets.table.rows.size() == 1u);  // the bucket without a number is left out
  BOOST_TEST(v.buckets.table.rows[0] == (Row{"r1", "1", "3", "0", ""}), boost::test_tools::per_element());
  BOOST_TEST(cluster_buckets_view(json(nullptr), noon).notes == (Row{"no bucket leases"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
