#include "http/cluster_json.hpp"

#include <map>

#include "core/time.hpp"

namespace tasks::http {

using nlohmann::json;

namespace {

std::string time_text(millis at) {
  return at > 0 ? format_rfc3339(at) : "";
}

}  // namespace

json cluster_json(const ClusterView& view) {
  const auto& table = view.table;
  std::map<std::string, std::int64_t> held;  // owner token -> buckets held now
  json buckets = json::array();
  for (const auto& b : table.buckets) {
    const std::string state = lease_state(b, table.now);
    if (state == "held") ++held[b.owner];
    buckets.push_back({{"bucket", b.bucket},
                       {"replica_id", b.replica_id},
                       {"epoch", b.epoch},
                       {"expires_at", time_text(b.expires_at)},
                       {"state", state}});
  }
  json replicas = json::array();
  for (const auto& r : table.replicas) {
    const bool live = r.stopped_at == 0 && replica_live({r.owner, r.renewed_at}, table.now, view.settings);
    auto counters = json::parse(r.counters, nullptr, false);
    replicas.push_back({{"replica_id", r.replica_id},
                        {"host", r.host},
                        {"pid", r.pid},
                        {"self", r.owner == view.owner},
                        {"started_at", time_text(r.started_at)},
                        {"renewed_at", time_text(r.renewed_at)},
                        {"stopped_at", time_text(r.stopped_at)},
                        {"live", live},
                        {"buckets", held[r.owner]},
                        {"counters", counters.is_object() ? counters : json::object()}});
  }
  return {{"self", view.replica_id},
          {"bucket_count", static_cast<std::int64_t>(table.buckets.size())},
          {"lease_duration_ms", view.settings.lease},
          {"renew_interval_ms", view.renew_interval},
          {"takeover_grace_ms", view.settings.grace},
          {"exclusive", view.settings.exclusive},
          {"now", time_text(table.now)},
          {"error", view.error},
          {"replicas", replicas},
          {"buckets", buckets}};
}

}  // namespace tasks::http
