#include "http/prometheus_metrics.hpp"

#include <nlohmann/json.hpp>

#include <prometheus/text_serializer.h>
#include <sstream>

#include "core/topics.hpp"

namespace tasks::http {

namespace {

prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

}  // namespace

PrometheusMetrics::PrometheusMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      http_requests_(prometheus::BuildCounter()
                         .Name("tasks_http_requests_total")
                         .Help("HTTP requests answered, by method, route and status")
                         .Register(*registry_)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("tasks_http_request_duration_seconds")
                         .Help("Time from a request's arrival to its answer")
                         .Register(*registry_)),
      published_(prometheus::BuildCounter()
                     .Name("tasks_events_published_total")
                     .Help("Events the sidecar accepted (204), by topic and type")
                     .Register(*registry_)),
      publish_failures_(
          prometheus::BuildCounter()
              .Name("tasks_events_publish_failures_total")
              .Help("Failed publish attempts, by topic and reason (daprd's errorCode, http_<status>, timeout, "
                    "connect, transport)")
              .Register(*registry_)),
      dead_lettered_(prometheus::BuildCounter()
                         .Name("tasks_events_dead_lettered_total")
                         .Help("Events moved to the dead-letter table, by topic")
                         .Register(*registry_)),
      outbox_pending_(prometheus::BuildGauge()
                          .Name("tasks_outbox_pending")
                          .Help("Outbox rows not yet delivered, by topic")
                          .Register(*registry_)),
      outbox_oldest_(prometheus::BuildGauge()
                         .Name("tasks_outbox_oldest_pending_seconds")
                         .Help("Age of the oldest undelivered outbox row, by topic")
                         .Register(*registry_)),
      outbox_lanes_(prometheus::BuildGauge()
                        .Name("tasks_outbox_lanes")
                        .Help("Users with undelivered events, by topic")
                        .Register(*registry_)),
      lanes_backing_off_(prometheus::BuildGauge()
                             .Name("tasks_outbox_lanes_backing_off")
                             .Help("Users whose events on the topic back off after failures of their own")
                             .Register(*registry_)),
      lanes_blocked_(prometheus::BuildGauge()
                         .Name("tasks_outbox_lanes_blocked")
                         .Help("Users whose events on the topic wait behind a dead letter (operator action needed)")
                         .Register(*registry_)),
      dead_letters_(prometheus::BuildGauge()
                        .Name("tasks_dead_letters")
                        .Help("Dead letters waiting for a redrive or discard, by topic")
                        .Register(*registry_)),
      dead_letter_oldest_(prometheus::BuildGauge()
                              .Name("tasks_dead_letter_oldest_seconds")
                              .Help("Age of the oldest dead letter, by topic")
                              .Register(*registry_)),
      backoffs_(prometheus::BuildCounter()
                    .Name("tasks_publish_backoffs_total")
                    .Help("Publish failures that backed off a lane (scope=lane) or the whole topic (scope=topic)")
                    .Register(*registry_)),
      publish_requests_(prometheus::BuildCounter()
                            .Name("tasks_publish_requests_total")
                            .Help("HTTP requests to the sidecar, by topic and mode (bulk: a lane's events in one, "
                                  "single: one event)")
                            .Register(*registry_)),
      reorder_risks_(prometheus::BuildCounter()
                         .Name("tasks_publish_reorder_risks_total")
                         .Help("Bulk entries the broker wrote after an earlier entry of their user failed; they are "
                               "sent again after it (a consumer may see them early and twice)")
                         .Register(*registry_)),
      user_actors_(
          prometheus::BuildGauge().Name("tasks_user_actors").Help("Live per-user actors").Register(*registry_)),
      restarts_(prometheus::BuildCounter()
                    .Name("tasks_actor_restarts_total")
                    .Help("Actors restarted after they died, by kind")
                    .Register(*registry_)),
      shed_(prometheus::BuildCounter()
                .Name("tasks_http_shed_total")
                .Help("Requests answered 503 at once by admission control, by reason (in_flight, user_queue)")
                .Register(*registry_)),
      cluster_replicas_(prometheus::BuildGauge()
                            .Name("tasks_cluster_replicas")
                            .Help("Live replicas sharing the database, as this replica's lease keeper last read them")
                            .Register(*registry_)),
      buckets_held_(prometheus::BuildGauge()
                        .Name("tasks_lease_buckets_held")
                        .Help("Publishing buckets (of users) this replica leases")
                        .Register(*registry_)),
      buckets_unowned_(prometheus::BuildGauge()
                           .Name("tasks_lease_buckets_unowned")
                           .Help("Publishing buckets nobody holds now (free, given back, or lapsed): nobody sends "
                                 "their events until one is claimed")
                           .Register(*registry_)),
      lease_changes_(prometheus::BuildCounter()
                         .Name("tasks_lease_bucket_changes_total")
                         .Help("Buckets this replica claimed, released, or lost to another (its renewals lapsed)")
                         .Register(*registry_)),
      replica_buckets_(prometheus::BuildGauge()
                           .Name("tasks_cluster_replica_buckets")
                           .Help("Buckets each replica in the lease table holds (0: not live), as this replica last "
                                 "read them")
                           .Register(*registry_)) {
  // Known series start at zero, so that dashboards and alerts see them before the first event.
  for (auto topic : topics::all) {
    dead_lettered_.Add({{"topic", std::string(topic)}});
    set_outbox(OutboxGauges{std::string(topic)});
    for (const char* scope : {"lane", "topic"}) backoffs_.Add({{"topic", std::string(topic)}, {"scope", scope}});
    for (const char* mode : {"bulk", "single"}) publish_requests_.Add({{"topic", std::string(topic)}, {"mode", mode}});
    reorder_risks_.Add({{"topic", std::string(topic)}});
  }
  for (const char* kind : {"persistence", "registry", "publisher", "user"}) restarts_.Add({{"kind", kind}});
  for (const char* reason : {"in_flight", "user_queue"}) shed_.Add({{"reason", reason}});
  for (const char* change : {"claimed", "released", "lost"}) lease_changes_.Add({{"change", change}});
  cluster_state(0, 0, 0);
  set_user_actors(0);
}

void PrometheusMetrics::http_request(const std::string& method, const std::string& route, int status, double seconds) {
  http_requests_.Add({{"method", method}, {"route", route}, {"status", std::to_string(status)}}).Increment();
  http_duration_.Add({{"method", method}, {"route", route}}, latency_buckets()).Observe(seconds);
}

void PrometheusMetrics::event_published(const std::string& topic, const std::string& type) {
  ++delivered_;
  published_.Add({{"topic", topic}, {"type", type}}).Increment();
}

void PrometheusMetrics::publish_failed(const std::string& topic, const std::string& reason) {
  ++failed_;
  publish_failures_.Add({{"topic", topic}, {"reason", reason}}).Increment();
}

void PrometheusMetrics::event_dead_lettered(const std::string& topic) {
  ++dead_;
  dead_lettered_.Add({{"topic", topic}}).Increment();
}

void PrometheusMetrics::actor_restarted(const std::string& kind) {
  restarts_.Add({{"kind", kind}}).Increment();
}

void PrometheusMetrics::http_shed(const std::string& reason) {
  shed_.Add({{"reason", reason}}).Increment();
}

void PrometheusMetrics::publish_backoff(const std::string& topic, const std::string& scope) {
  backoffs_.Add({{"topic", topic}, {"scope", scope}}).Increment();
}

void PrometheusMetrics::publish_requests(const std::string& topic, const std::string& mode, std::uint64_t n) {
  if (n > 0) publish_requests_.Add({{"topic", topic}, {"mode", mode}}).Increment(static_cast<double>(n));
}

void PrometheusMetrics::publish_reorder_risks(const std::string& topic, std::uint64_t n) {
  if (n > 0) reorder_risks_.Add({{"topic", topic}}).Increment(static_cast<double>(n));
}

void PrometheusMetrics::cluster_state(std::int64_t live, std::int64_t held, std::int64_t unowned) {
  cluster_replicas_.Add({}).Set(static_cast<double>(live));
  buckets_held_.Add({}).Set(static_cast<double>(held));
  buckets_unowned_.Add({}).Set(static_cast<double>(unowned));
}

void PrometheusMetrics::lease_change(const std::string& change, std::int64_t n) {
  lease_changes_.Add({{"change", change}}).Increment(static_cast<double>(n));
}

void PrometheusMetrics::cluster_replicas(const std::map<std::string, std::int64_t>& held) {
  std::lock_guard lock(replicas_mutex_);
  for (auto it = replica_series_.begin(); it != replica_series_.end();) {
    if (held.count(it->first)) {
      ++it;
      continue;
    }
    replica_buckets_.Remove(it->second);
    it = replica_series_.erase(it);
  }
  for (const auto& [replica, n] : held) {
    auto& series = replica_series_[replica];
    if (!series) series = &replica_buckets_.Add({{"replica_id", replica}});
    series->Set(static_cast<double>(n));
  }
}

std::string PrometheusMetrics::publishing_totals_json() const {
  return nlohmann::json{{"delivered", delivered_.load()}, {"failed", failed_.load()}, {"dead_lettered", dead_.load()}}
      .dump();
}

void PrometheusMetrics::set_outbox(const OutboxGauges& g) {
  const prometheus::Labels topic = {{"topic", g.topic}};
  outbox_pending_.Add(topic).Set(g.pending);
  outbox_oldest_.Add(topic).Set(g.oldest_seconds);
  outbox_lanes_.Add(topic).Set(g.lanes);
  lanes_backing_off_.Add(topic).Set(g.lanes_backing_off);
  lanes_blocked_.Add(topic).Set(g.lanes_blocked);
  dead_letters_.Add(topic).Set(g.dead_letters);
  dead_letter_oldest_.Add(topic).Set(g.oldest_dead_letter_seconds);
}

void PrometheusMetrics::set_user_actors(double n) {
  user_actors_.Add({}).Set(n);
}

std::string PrometheusMetrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace tasks::http
