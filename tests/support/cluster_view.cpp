#include "tests/support/cluster_view.hpp"

#include <map>

#include "tests/support/http_client.hpp"

namespace tasks::testing {

using nlohmann::json;

std::set<std::string> ClusterView::live_replicas() const {
  std::set<std::string> out;
  for (const auto& r : replicas)
    if (r.live) out.insert(r.id);
  return out;
}

long long ClusterView::held_by(const std::string& replica_id) const {
  long long n = 0;
  for (const auto& b : buckets) n += b.owner == replica_id && b.state == "held";
  return n;
}

std::optional<ClusterView> parse_cluster(const json& body, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<ClusterView> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (!body.is_object()) return fail("not a JSON object");
  try {
    ClusterView v;
    v.self = body.at("self").get<std::string>();
    v.bucket_count = body.at("bucket_count").get<long long>();
    v.lease_ms = body.at("lease_duration_ms").get<long long>();
    v.renew_ms = body.at("renew_interval_ms").get<long long>();
    v.grace_ms = body.at("takeover_grace_ms").get<long long>();
    for (const auto& r : body.at("replicas")) {
      ClusterReplica c;
      c.id = r.at("replica_id").get<std::string>();
      c.live = r.at("live").get<bool>();
      c.buckets = r.at("buckets").get<long long>();
      const auto& counters = r.at("counters");
      c.delivered = counters.at("delivered").get<long long>();
      c.failed = counters.at("failed").get<long long>();
      c.dead_lettered = counters.at("dead_lettered").get<long long>();
      v.replicas.push_back(c);
    }
    for (const auto& b : body.at("buckets")) {
      ClusterBucket c;
      c.bucket = b.at("bucket").get<long long>();
      // A bucket nobody ever held may have no owner: null is no owner, not a bad shape.
      c.owner = b.at("replica_id").is_string() ? b.at("replica_id").get<std::string>() : "";
      c.epoch = b.at("epoch").get<long long>();
      c.state = b.at("state").get<std::string>();
      v.buckets.push_back(c);
    }
    return v;
  } catch (const json::exception& e) {
    return fail(std::string("not the documented shape: ") + e.what());
  }
}

std::optional<ClusterView> fetch_cluster(const std::string& admin_url, std::string* why) {
  HttpClient client(admin_url, 5'000);
  auto r = client.request("GET", "/admin/cluster");
  if (r.status != 200) {
    if (why) *why = "GET /admin/cluster: " + std::to_string(r.status) + " " + r.body.substr(0, 200) + r.error;
    return std::nullopt;
  }
  return parse_cluster(json::parse(r.body, nullptr, false), why);
}

std::vector<std::string> unsettled(const ClusterView& view, const std::set<std::string>& live, bool balanced) {
  std::vector<std::string> out;
  if (!live.count(view.self)) out.push_back("asked replica " + view.self + " is not one of the live ones");
  const auto marked = view.live_replicas();
  for (const auto& id : live)
    if (!marked.count(id)) out.push_back(id + " is not shown live");
  for (const auto& id : marked)
    if (!live.count(id)) out.push_back(id + " is shown live but is not");
  if (static_cast<long long>(view.buckets.size()) != view.bucket_count)
    out.push_back(std::to_string(view.buckets.size()) + " buckets listed of " + std::to_string(view.bucket_count));
  size_t stray = 0;
  for (const auto& b : view.buckets)
    if (b.state != "held" || !live.count(b.owner)) ++stray;
  if (stray) out.push_back(std::to_string(stray) + " buckets not held by a live replica");
  const long long floor = balanced && !live.empty() ? view.bucket_count / static_cast<long long>(live.size()) / 2 : 1;
  for (const auto& r : view.replicas) {
    if (!live.count(r.id)) continue;
    const long long held = view.held_by(r.id);
    if (r.buckets != held)
      out.push_back(r.id + " says " + std::to_string(r.buckets) + " buckets, the list " + std::to_string(held));
    if (held < floor) out.push_back(r.id + " holds " + std::to_string(held) + " (< " + std::to_string(floor) + ")");
  }
  return out;
}

std::string split_text(const ClusterView& view) {
  std::map<std::string, long long> held;
  for (const auto& b : view.buckets)
    if (b.state == "held") ++held[b.owner];
  std::string out;
  for (const auto& [id, n] : held) out += (out.empty() ? "" : " ") + id + "=" + std::to_string(n);
  return out;
}

}  // namespace tasks::testing
