#pragma once

// The Metrics interface in Prometheus terms (prometheus-cpp), plus the gauges that are read
// from the actors at scrape time (outbox backlog, live user actors).

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/metrics.hpp"

namespace tasks::http {

// One topic's outbox figures at scrape time (ages in seconds).
struct OutboxGauges {
  std::string topic;
  double pending = 0, oldest_seconds = 0, lanes = 0, lanes_backing_off = 0, lanes_blocked = 0, dead_letters = 0,
         oldest_dead_letter_seconds = 0;
};

class PrometheusMetrics : public Metrics {
 public:
  PrometheusMetrics();

  void http_request(const std::string& method, const std::string& route, int status, double seconds) override;
  void event_published(const std::string& topic, const std::string& type) override;
  void publish_failed(const std::string& topic, const std::string& reason) override;
  void event_dead_lettered(const std::string& topic) override;
  void actor_restarted(const std::string& kind) override;
  void http_shed(const std::string& reason) override;
  void publish_backoff(const std::string& topic, const std::string& scope) override;
  void publish_requests(const std::string& topic, const std::string& mode, std::uint64_t n) override;
  void publish_reorder_risks(const std::string& topic, std::uint64_t n) override;
  void cluster_state(std::int64_t live, std::int64_t held, std::int64_t unowned) override;
  void lease_change(const std::string& change, std::int64_t n) override;
  void cluster_replicas(const std::map<std::string, std::int64_t>& held) override;

  // This process's publishing so far, for its record in the cluster view (JSON object).
  std::string publishing_totals_json() const;

  // Scrape-time values.
  void set_outbox(const OutboxGauges& gauges);
  void set_user_actors(double n);

  // The text exposition format.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_duration_;
  prometheus::Family<prometheus::Counter>& published_;
  prometheus::Family<prometheus::Counter>& publish_failures_;
  prometheus::Family<prometheus::Counter>& dead_lettered_;
  prometheus::Family<prometheus::Gauge>& outbox_pending_;
  prometheus::Family<prometheus::Gauge>& outbox_oldest_;
  prometheus::Family<prometheus::Gauge>& outbox_lanes_;
  prometheus::Family<prometheus::Gauge>& lanes_backing_off_;
  prometheus::Family<prometheus::Gauge>& lanes_blocked_;
  prometheus::Family<prometheus::Gauge>& dead_letters_;
  prometheus::Family<prometheus::Gauge>& dead_letter_oldest_;
  prometheus::Family<prometheus::Counter>& backoffs_;
  prometheus::Family<prometheus::Counter>& publish_requests_;
  prometheus::Family<prometheus::Counter>& reorder_risks_;
  prometheus::Family<prometheus::Gauge>& user_actors_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Counter>& shed_;
  prometheus::Family<prometheus::Gauge>& cluster_replicas_;
  prometheus::Family<prometheus::Gauge>& buckets_held_;
  prometheus::Family<prometheus::Gauge>& buckets_unowned_;
  prometheus::Family<prometheus::Counter>& lease_changes_;
  prometheus::Family<prometheus::Gauge>& replica_buckets_;
  std::mutex replicas_mutex_;
  std::map<std::string, prometheus::Gauge*> replica_series_;
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, dead_{0};
};

}  // namespace tasks::http
