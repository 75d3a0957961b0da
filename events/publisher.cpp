#include "events/publisher.hpp"

#include <random>

#include "core/log.hpp"
#include "core/time.hpp"
#include "events/lanes.hpp"

namespace tasks {

namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

enum class Mode { idle, delivering, backing_off, paused };

const char* to_string(Mode m) {
  switch (m) {
    case Mode::idle: return "idle";
    case Mode::delivering: return "delivering";
    case Mode::backing_off: return "backing off";
    case Mode::paused: return "paused";
  }
  return "?";
}

struct publisher_state {
  PublisherOptions options;
  persistence_actor store;
  std::unique_ptr<DaprClient> client;
  std::mt19937_64 rng{std::random_device{}()};
  Mode mode = Mode::idle;
  bool round_queued = false;  // a round message is waiting in the mailbox
  bool in_round = false;      // between fetch and settle
  bool more = false;          // nudged while a round was running
  bool probing = false;       // the last round failed entirely: one event at a time
  millis wake_at = 0;         // end of the current backoff
  std::int64_t in_flight = 0;
  // Rows to read next round: twice what the last round answered, between the concurrency and
  // the configured limit. A slow sidecar answers few rows a round; reading thousands each time
  // would only load the database the API needs.
  std::int64_t next_fetch = 0;
  // Counters.
  std::uint64_t rounds = 0, delivered = 0, failed_attempts = 0, retried = 0, dead_lettered = 0;
  std::map<std::string, std::uint64_t> delivered_by_type, failures_by_reason;
  std::string last_error;
  millis last_error_at = 0;
  millis last_delivery_at = 0;
  // Outage accounting for the one "recovered" line.
  bool failing = false;
  millis failing_since = 0;
  std::uint64_t outage_failures = 0, outage_delivered = 0;
  // Shutdown drain.
  std::optional<caf::typed_response_promise<std::int64_t>> drain;
  clock::time_point drain_deadline = clock::time_point::max();
  bool stopped = false;  // drained for shutdown: no round starts any more
  std::int64_t drained = 0;
  clock::time_point started = clock::now();
  static inline const char* name = "publisher";
};

using self_ptr = publisher_actor::stateful_pointer<publisher_state>;

void queue_round(self_ptr self) {
  auto& st = self->state;
  if (st.round_queued || st.in_round || st.mode == Mode::paused || st.stopped) return;
  st.round_queued = true;
  self->send(self, round_atom::value);
}

void finish_drain(self_ptr self) {
  auto& st = self->state;
  if (!st.drain) return;
  st.drain->deliver(st.drained);
  st.drain.reset();
  // The process is about to stop: a round begun now could send events it would not live to
  // mark as delivered, and they would be sent again after the restart.
  st.stopped = true;
}

// After a round: what the topic does next.
void after_round(self_ptr self, bool delivered_any, bool failed_any, bool caught_up, millis earliest_retry) {
  auto& st = self->state;
  st.in_round = false;
  st.in_flight = 0;
  const bool draining = st.drain.has_value();
  if (draining && (caught_up || clock::now() >= st.drain_deadline || (failed_any && !delivered_any))) {
    finish_drain(self);
  }
  if (st.mode == Mode::paused || st.stopped) return;
  if (failed_any && !delivered_any) {
    // The sidecar (or the topic) is failing: back off, then probe with one event.
    st.probing = true;
    st.mode = Mode::backing_off;
    st.wake_at = std::max(earliest_retry, now_millis() + 1);
    self->delayed_send(self, milliseconds(st.wake_at - now_millis()), round_atom::value);
    return;
  }
  st.probing = false;
  if (st.failing && !failed_any && caught_up) {
    log::info("publishing recovered", {{"topic", st.options.target.topic},
                                       {"delivered", st.outage_delivered},
                                       {"failed_attempts", st.outage_failures},
                                       {"outage_ms", now_millis() - st.failing_since}});
    st.failing = false;
  }
  if (!caught_up || st.more) {
    st.more = false;
    st.mode = Mode::delivering;
    queue_round(self);
  } else {
    st.mode = Mode::idle;
  }
}

// Sends the lanes and turns their outcomes into a report (and log lines).
DeliveryReport deliver(self_ptr self, const std::vector<Lane>& lanes, bool& delivered_any, bool& failed_any,
                       millis& earliest_retry) {
  auto& st = self->state;
  std::map<std::int64_t, const OutboxRow*> by_id;
  for (const auto& lane : lanes)
    for (const auto& row : lane.rows) by_id[row.id] = &row;
  st.in_flight = static_cast<std::int64_t>(lanes.size());
  auto deadline = clock::now() + st.options.round_budget;
  if (st.drain) deadline = std::min(deadline, st.drain_deadline);
  auto outcomes = st.client->deliver(lanes, deadline);

  DeliveryReport report;
  const millis now = now_millis();
  earliest_retry = std::numeric_limits<millis>::max();
  for (const auto& lane : outcomes) {
    for (const auto& [id, result] : lane.attempts) {
      const OutboxRow& row = *by_id.at(id);
      const std::int64_t attempt = row.attempts + 1;
      switch (classify(result)) {
        case Verdict::delivered:
          report.delivered.push_back(id);
          ++st.delivered;
          ++st.delivered_by_type[row.event.event_type];
          if (st.options.metrics) st.options.metrics->event_published(row.event.topic, row.event.event_type);
          ++st.drained;
          if (st.failing) ++st.outage_delivered;
          delivered_any = true;
          st.last_delivery_at = now;
          break;
        case Verdict::dead_letter:
        case Verdict::retry: {
          failed_any = true;
          ++st.failed_attempts;
          ++st.failures_by_reason[failure_reason(result)];
          if (st.options.metrics) st.options.metrics->publish_failed(row.event.topic, failure_reason(result));
          st.last_error = describe(result);
          st.last_error_at = now;
          if (!st.failing) {
            st.failing = true;
            st.failing_since = now;
            st.outage_failures = 0;
            st.outage_delivered = 0;
          }
          ++st.outage_failures;
          const bool dead =
              classify(result) == Verdict::dead_letter || too_old(row.event.created_at, now, st.options.policy);
          log::Fields fields = {{"topic", row.event.topic},
                                {"event_type", row.event.event_type},
                                {"event_id", row.event.event_id},
                                {"task_id", row.event.task_id},
                                {"user_id", row.event.partition_key},
                                {"correlation_id", row.event.correlation_id},
                                {"attempt", attempt}};
          if (result.http_status != 0) fields["http_status"] = result.http_status;
          fields["error"] = describe(result);
          if (dead) {
            const std::string reason = classify(result) == Verdict::dead_letter
                                           ? "the sidecar refused the event as malformed: " + describe(result)
                                           : "still failing after the maximum age: " + describe(result);
            report.dead.push_back({id, attempt, reason});
            ++st.dead_lettered;
            if (st.options.metrics) st.options.metrics->event_dead_lettered(row.event.topic);
            fields["reason"] = reason;
            log::error("event dead-lettered", fields);
          } else {
            const auto delay = full_jitter(backoff_ceiling(attempt, st.options.policy), st.rng);
            report.retries.push_back({id, attempt, describe(result), now + delay.count()});
            earliest_retry = std::min(earliest_retry, now + delay.count());
            ++st.retried;
            fields["next_retry_ms"] = delay.count();
            log::warn("publish failed", fields);
          }
          break;
        }
      }
    }
  }
  if (earliest_retry == std::numeric_limits<millis>::max()) earliest_retry = now + st.options.poll_interval.count();
  return report;
}

void run_round(self_ptr self) {
  auto& st = self->state;
  st.round_queued = false;
  if (st.in_round || st.mode == Mode::paused || st.stopped) return;
  if (st.mode == Mode::backing_off && now_millis() < st.wake_at && !st.drain) return;
  st.in_round = true;
  ++st.rounds;
  if (st.next_fetch == 0) st.next_fetch = st.options.fetch_limit;
  const std::int64_t limit = st.probing ? 1 : st.next_fetch;
  self->request(st.store, std::chrono::seconds(30), fetch_atom::value, st.options.target.topic, limit)
      .await(
          [=](OutboxFetch& fetched) {
            auto& s = self->state;
            if (!fetched.ok) {
              log::error("outbox read failed", {{"topic", s.options.target.topic}, {"error", fetched.error}});
              after_round(self, false, false, true, 0);
              return;
            }
            if (fetched.rows.empty()) {
              after_round(self, false, false, true, 0);
              return;
            }
            const bool caught_up = static_cast<std::int64_t>(fetched.rows.size()) < limit;
            auto lanes = plan_lanes(fetched.rows, s.probing ? 1 : s.options.concurrency,
                                    s.probing ? 1 : s.options.max_rows_per_lane);
            bool delivered_any = false, failed_any = false;
            millis earliest_retry = 0;
            s.mode = Mode::delivering;
            auto report = deliver(self, lanes, delivered_any, failed_any, earliest_retry);
            // Caught up: every fetched row got an answer and there was nothing more to fetch.
            const size_t answered = report.delivered.size() + report.retries.size() + report.dead.size();
            const bool all_answered = answered == fetched.rows.size();
            s.next_fetch =
                std::clamp<std::int64_t>(2 * static_cast<std::int64_t>(answered),
                                         static_cast<std::int64_t>(s.options.concurrency), s.options.fetch_limit);
            self->request(s.store, std::chrono::seconds(30), settle_atom::value, report)
                .await(
                    [=](bool ok) {
                      if (!ok)
                        log::error("recording delivery results failed", {{"topic", self->state.options.target.topic}});
                      after_round(self, delivered_any, failed_any, caught_up && all_answered, earliest_retry);
                    },
                    [=](caf::error& err) {
                      log::error("recording delivery results failed",
                                 {{"topic", self->state.options.target.topic}, {"error", to_string(err)}});
                      after_round(self, delivered_any, failed_any, false, earliest_retry);
                    });
          },
          [=](caf::error& err) {
            log::error("outbox read failed", {{"topic", self->state.options.target.topic}, {"error", to_string(err)}});
            after_round(self, false, false, true, 0);
          });
}

publisher_actor::behavior_type publisher_impl(self_ptr self, persistence_actor store, PublisherOptions options) {
  auto& st = self->state;
  st.options = std::move(options);
  st.store = std::move(store);
  st.client = std::make_unique<DaprClient>(st.options.target);
  self->delayed_send(self, st.options.poll_interval, tick_atom::value);
  // Rows left by a crash or a restart are sent without waiting for a nudge.
  queue_round(self);
  return {
      [=](nudge_atom) {
        auto& s = self->state;
        if (s.in_round) {
          s.more = true;
          return;
        }
        if (s.mode == Mode::backing_off) return;  // the backoff timer decides
        queue_round(self);
      },
      [=](tick_atom) {
        auto& s = self->state;
        self->delayed_send(self, s.options.poll_interval, tick_atom::value);
        if (s.mode == Mode::backing_off && now_millis() < s.wake_at) return;
        queue_round(self);
      },
      [=](round_atom) { run_round(self); },
      [=](store_atom, persistence_actor& fresh) { self->state.store = std::move(fresh); },
      [=](pause_atom) {
        self->state.mode = Mode::paused;
        log::info("publisher paused", {{"topic", self->state.options.target.topic}});
        return true;
      },
      [=](resume_atom) {
        auto& s = self->state;
        if (s.mode == Mode::paused) {
          s.mode = Mode::idle;
          s.probing = false;
          log::info("publisher resumed", {{"topic", s.options.target.topic}});
        }
        queue_round(self);
        return true;
      },
      [=](drain_atom, std::int64_t deadline_ms) -> caf::typed_response_promise<std::int64_t> {
        auto& s = self->state;
        auto rp = self->make_response_promise<std::int64_t>();
        s.drain = rp;
        s.drained = 0;
        s.drain_deadline = clock::now() + milliseconds(deadline_ms);
        if (s.mode == Mode::paused) {
          finish_drain(self);
        } else if (!s.in_round) {
          s.round_queued = false;
          queue_round(self);
        }
        return rp;
      },
      [=](crash_atom) {
        if (self->state.options.fault_injection) throw std::runtime_error("injected crash (test fault switch)");
      },
      [=](status_atom) {
        auto& s = self->state;
        auto out = make_status("publisher/" + s.options.target.topic, "publisher", to_string(s.mode),
                               self->mailbox().size(), s.started);
        out.restarts = s.options.restarts;
        out.details = {
            {"topic", s.options.target.topic},
            {"in_flight", s.in_flight},
            {"probing", s.probing},
            {"rounds", s.rounds},
            {"delivered", s.delivered},
            {"failed", s.failed_attempts},
            {"retried", s.retried},
            {"dead_lettered", s.dead_lettered},
            {"delivered_by_type", s.delivered_by_type},
            {"failures_by_reason", s.failures_by_reason},
            {"last_error", s.last_error},
            {"last_error_at", s.last_error_at ? format_rfc3339(s.last_error_at) : ""},
            {"last_delivery_at", s.last_delivery_at ? format_rfc3339(s.last_delivery_at) : ""},
            {"next_retry_at", s.mode == Mode::backing_off ? format_rfc3339(s.wake_at) : ""},
        };
        return out;
      },
  };
}

}  // namespace

publisher_actor spawn_publisher(caf::actor_system& system, persistence_actor store, PublisherOptions options) {
  return system.spawn<caf::detached>(publisher_impl, std::move(store), std::move(options));
}

}  // namespace tasks
