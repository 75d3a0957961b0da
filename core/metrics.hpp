#pragma once

// What the system counts, as an interface: actors and the HTTP layer report events here, and
// app/ plugs in the Prometheus implementation (http/prometheus_metrics). A null pointer means
// "not counted" (tests that do not care).

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace tasks {

class Metrics {
 public:
  virtual ~Metrics() = default;
  virtual void http_request(const std::string& method, const std::string& route, int status, double seconds) = 0;
  virtual void event_published(const std::string& topic, const std::string& type) = 0;
  virtual void publish_failed(const std::string& topic, const std::string& reason) = 0;
  virtual void event_dead_lettered(const std::string& topic) = 0;
  virtual void actor_restarted(const std::string& kind) = 0;
  // A publish failure made a lane (scope "lane") or the whole topic ("topic") back off.
  virtual void publish_backoff(const std::string& topic, const std::string& scope) {
    (void)topic;
    (void)scope;
  }
  // HTTP exchanges with the sidecar, by mode ("bulk" or "single").
  virtual void publish_requests(const std::string& topic, const std::string& mode, std::uint64_t n) {
    (void)topic;
    (void)mode;
    (void)n;
  }
  // Bulk entries the broker wrote after an earlier entry of their lane failed: they go again
  // after it, so a consumer may see them early and twice (docs/publishing.md).
  virtual void publish_reorder_risks(const std::string& topic, std::uint64_t n) {
    (void)topic;
    (void)n;
  }
  // A request answered 503 at once by admission control (`reason`: in_flight, user_queue).
  virtual void http_shed(const std::string& reason) { (void)reason; }
  // The cluster as the lease keeper last read it: live replicas, buckets this replica holds,
  // buckets nobody holds now (free, given back, or lapsed).
  virtual void cluster_state(std::int64_t live, std::int64_t held, std::int64_t unowned) {
    (void)live;
    (void)held;
    (void)unowned;
  }
  // Every replica in the lease table with the buckets it holds now (0 when not live); replicas
  // missing from `held` are gone from the table.
  virtual void cluster_replicas(const std::map<std::string, std::int64_t>& held) { (void)held; }
  // Buckets this replica claimed, released, or lost to another (`change`).
  virtual void lease_change(const std::string& change, std::int64_t n) {
    (void)change;
    (void)n;
  }
};

using metrics_ptr = std::shared_ptr<Metrics>;

}  // namespace tasks
