#pragma once

// What the system counts, as an interface: actors and the HTTP layer report events here, and
// app/ plugs in the Prometheus implementation (http/prometheus_metrics). A null pointer means
// "not counted" (tests that do not care).

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
  // A request answered 503 at once by admission control (`reason`: in_flight, user_queue).
  virtual void http_shed(const std::string& reason) { (void)reason; }
};

using metrics_ptr = std::shared_ptr<Metrics>;

}  // namespace tasks
