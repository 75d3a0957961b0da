#include "events/publisher.hpp"

#include <limits>
#include <map>
#include <random>
#include <set>

#include "core/log.hpp"
#include "core/time.hpp"
#include "events/lanes.hpp"
#include "events/round_result.hpp"

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
  // Topic-wide trouble (failure_model: the sidecar, the component, our request): the topic backs
  // off and probes one event at a time, the probes rotating over users.
  bool trouble = false;
  std::int64_t trouble_rounds = 0;                // consecutive probes that found the trouble still there
  millis wake_at = 0;                             // end of the current topic backoff
  std::chrono::milliseconds next_topic_delay{0};  // decided with the round that found the trouble
  millis last_probe_at = 0;
  std::string last_probe_user;
  TopicRecent recent;
  millis next_lane_wake = std::numeric_limits<millis>::max();  // a delayed round is set for then
  std::int64_t in_flight = 0;
  // Rows to read next round: twice what the last round answered, between the concurrency and
  // the configured limit. A slow sidecar answers few rows a round; reading thousands each time
  // would only load the database the API needs.
  std::int64_t next_fetch = 0;
  // Counters.
  std::uint64_t rounds = 0, delivered = 0, failed_attempts = 0, retried = 0, dead_lettered = 0;
  std::uint64_t lane_backoffs = 0, topic_backoffs = 0, probes = 0;
  std::uint64_t requests = 0, bulk_requests = 0, reorder_risks = 0;  // HTTP exchanges; see BulkAnswer
  std::map<std::string, std::uint64_t> delivered_by_type, failures_by_reason, failures_by_scope;
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
  std::set<std::string> mangled_users;  // test-only fault switch: their events go out unreadable
  static inline const char* name = "publisher";
};

using self_ptr = publisher_actor::stateful_pointer<publisher_state>;

// Paused topics still run rounds on the poll timer: each fetch reads the service-wide flag, so a
// resume asked of any replica reaches this one within a poll interval.
void queue_round(self_ptr self) {
  auto& st = self->state;
  if (st.round_queued || st.in_round || st.stopped) return;
  st.round_queued = true;
  self->send(self, round_atom::value);
}

// A round at `at` (a lane's backoff ends, or the topic's): one timer for the earliest.
void round_at(self_ptr self, millis at) {
  auto& st = self->state;
  const millis now = now_millis();
  if (at <= now) return queue_round(self);
  if (at >= st.next_lane_wake && st.next_lane_wake > now) return;
  st.next_lane_wake = at;
  self->delayed_send(self, milliseconds(at - now), round_atom::value);
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

void enter_trouble(self_ptr self) {
  auto& st = self->state;
  if (!st.trouble) {
    log::warn("topic backing off: its failures concern every event",
              {{"topic", st.options.target.topic}, {"error", st.last_error}});
  }
  st.trouble = true;
  ++st.trouble_rounds;
  ++st.topic_backoffs;
  if (st.options.metrics) st.options.metrics->publish_backoff(st.options.target.topic, "topic");
  st.mode = Mode::backing_off;
  st.wake_at = now_millis() + std::max<std::int64_t>(st.next_topic_delay.count(), 1);
  round_at(self, st.wake_at);
}

// After a round: what the topic does next.
void after_round(self_ptr self, const RoundResult& judged, bool caught_up) {
  auto& st = self->state;
  st.in_round = false;
  st.in_flight = 0;
  const bool draining = st.drain.has_value();
  if (draining && (caught_up || clock::now() >= st.drain_deadline || (judged.topic_trouble && !judged.delivered_any))) {
    finish_drain(self);
  }
  if (st.mode == Mode::paused || st.stopped) return;
  if (judged.topic_trouble && !judged.delivered_any) return enter_trouble(self);
  if (st.trouble) log::info("topic out of backoff", {{"topic", st.options.target.topic}});
  st.trouble = false;
  st.trouble_rounds = 0;
  if (st.failing && judged.failures.empty() && caught_up) {
    log::info("publishing recovered", {{"topic", st.options.target.topic},
                                       {"delivered", st.outage_delivered},
                                       {"failed_attempts", st.outage_failures},
                                       {"outage_ms", now_millis() - st.failing_since}});
    st.failing = false;
  }
  if (judged.earliest_lane_retry != std::numeric_limits<millis>::max()) round_at(self, judged.earliest_lane_retry);
  if (!caught_up || st.more) {
    st.more = false;
    st.mode = Mode::delivering;
    queue_round(self);
  } else {
    st.mode = Mode::idle;
  }
}

// Counts and logs a judged round.
void account(self_ptr self, const RoundResult& judged) {
  auto& st = self->state;
  const millis now = now_millis();
  const auto& topic = st.options.target.topic;
  for (const OutboxRow* row : judged.delivered) {
    ++st.delivered;
    ++st.delivered_by_type[row->event.event_type];
    if (st.options.metrics) st.options.metrics->event_published(topic, row->event.event_type);
    ++st.drained;
    if (st.failing) ++st.outage_delivered;
    st.last_delivery_at = now;
  }
  for (const auto& f : judged.failures) {
    const auto& row = *f.row;
    ++st.failed_attempts;
    ++st.failures_by_reason[f.decision.reason];
    ++st.failures_by_scope[to_string(f.decision.scope)];
    if (st.options.metrics) st.options.metrics->publish_failed(topic, f.decision.reason);
    st.last_error = describe(f.result);
    st.last_error_at = now;
    if (!st.failing) {
      st.failing = true;
      st.failing_since = now;
      st.outage_failures = 0;
      st.outage_delivered = 0;
    }
    ++st.outage_failures;
    log::Fields fields = {{"topic", topic},
                          {"event_type", row.event.event_type},
                          {"event_id", row.event.event_id},
                          {"task_id", row.event.task_id},
                          {"user_id", row.event.partition_key},
                          {"correlation_id", row.event.correlation_id},
                          {"attempt", row.attempts + 1},
                          {"scope", to_string(f.decision.scope)},
                          {"reason", f.decision.reason}};
    if (f.result.http_status != 0) fields["http_status"] = f.result.http_status;
    fields["error"] = describe(f.result);
    if (f.dead) {
      ++st.dead_lettered;
      if (st.options.metrics) st.options.metrics->event_dead_lettered(topic);
      fields["dead_reason"] = f.dead_reason;
      fields["lane"] = "stopped: the user's later events on this topic wait for a redrive or discard";
      log::error("event dead-lettered", fields);
      continue;
    }
    ++st.retried;
    if (f.decision.scope == Scope::lane) {
      ++st.lane_backoffs;
      if (st.options.metrics) st.options.metrics->publish_backoff(topic, "lane");
      fields["backoff"] = "lane";
      fields["next_retry_ms"] = f.retry_at - now;
    } else {
      fields["backoff"] = "topic";
      fields["next_retry_ms"] = st.next_topic_delay.count();
    }
    log::warn("publish failed", fields);
  }
}

// Sends the lanes and judges their answers. No call starts after `lease_until`: the rows'
// buckets may be another replica's after that.
RoundResult deliver(self_ptr self, const std::vector<Lane>& lanes, clock::time_point lease_until) {
  auto& st = self->state;
  st.in_flight = static_cast<std::int64_t>(lanes.size());
  auto deadline = std::min(clock::now() + st.options.round_budget, lease_until);
  if (st.drain) deadline = std::min(deadline, st.drain_deadline);
  auto delivery = st.client->deliver(lanes, deadline);
  const auto& topic = st.options.target.topic;
  st.requests += delivery.requests;
  st.bulk_requests += delivery.bulk_requests;
  st.reorder_risks += delivery.reorder_risks;
  if (st.options.metrics) {
    st.options.metrics->publish_requests(topic, "bulk", delivery.bulk_requests);
    st.options.metrics->publish_requests(topic, "single", delivery.requests - delivery.bulk_requests);
    st.options.metrics->publish_reorder_risks(topic, delivery.reorder_risks);
  }
  if (delivery.reorder_risks > 0)
    log::warn("bulk entries written behind a failed entry of their lane: sent again after it",
              {{"topic", topic}, {"reorder_risks", delivery.reorder_risks}});
  auto judged = judge_round(topic, lanes, delivery.lanes, st.recent, now_millis(), st.options.policy, st.rng);
  // The topic's next backoff, when this round finds it in trouble (logged with each failure).
  if (judged.topic_trouble && !judged.delivered_any)
    st.next_topic_delay = full_jitter(backoff_ceiling(st.trouble_rounds + 1, st.options.policy), st.rng);
  account(self, judged);
  return judged;
}

// The lanes this round sends: all fetched (up to the concurrency), or one probe when the topic
// is in trouble.
std::vector<Lane> choose_lanes(self_ptr self, const std::vector<OutboxRow>& rows) {
  auto& st = self->state;
  auto lanes = plan_lanes(rows, st.options.concurrency, st.options.max_rows_per_lane);
  // The fault switch: a body that is not JSON, which daprd cannot read as a CloudEvent.
  for (auto& lane : lanes)
    if (st.mangled_users.count(lane.user))
      for (auto& row : lane.rows) row.event.payload = row.event.payload.substr(0, row.event.payload.size() / 2);
  if (!st.trouble) return lanes;
  const size_t i = pick_probe(lanes, st.last_probe_user);
  if (i == lanes.size()) return {};
  Lane probe{lanes[i].user, {lanes[i].rows.front()}};
  st.last_probe_user = probe.user;
  st.last_probe_at = now_millis();
  ++st.probes;
  return {probe};
}

caf::typed_response_promise<bool> set_paused(self_ptr self, bool paused) {
  auto rp = self->make_response_promise<bool>();
  auto& st = self->state;
  self->request(st.store, std::chrono::seconds(10), pause_atom::value, st.options.target.topic, paused)
      .await(
          [=](bool written) mutable {
            auto& s = self->state;
            if (!written) {
              rp.deliver(caf::make_error(caf::sec::runtime_error, "the pause flag could not be written"));
              return;
            }
            if (paused && s.mode != Mode::paused) {
              s.mode = Mode::paused;
              log::info("publisher paused", {{"topic", s.options.target.topic}, {"by", "the admin API"}});
            }
            if (!paused && s.mode == Mode::paused) {
              s.mode = Mode::idle;
              s.trouble = false;
              s.trouble_rounds = 0;
              log::info("publisher resumed", {{"topic", s.options.target.topic}, {"by", "the admin API"}});
            }
            if (!paused) queue_round(self);
            rp.deliver(true);
          },
          [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

void settle(self_ptr self, RoundResult judged, bool caught_up) {
  auto& st = self->state;
  if (judged.report.empty()) return after_round(self, judged, caught_up);
  self->request(st.store, std::chrono::seconds(30), settle_atom::value, judged.report)
      .await(
          [=](bool ok) {
            if (!ok) log::error("recording delivery results failed", {{"topic", self->state.options.target.topic}});
            after_round(self, judged, caught_up);
          },
          [=](caf::error& err) {
            log::error("recording delivery results failed",
                       {{"topic", self->state.options.target.topic}, {"error", to_string(err)}});
            after_round(self, judged, false);
          });
}

void run_round(self_ptr self) {
  auto& st = self->state;
  st.round_queued = false;
  const millis now = now_millis();
  if (st.next_lane_wake <= now) st.next_lane_wake = std::numeric_limits<millis>::max();
  if (st.in_round || st.stopped) return;
  if (st.trouble && now < st.wake_at && !st.drain) return round_at(self, st.wake_at);
  st.in_round = true;
  ++st.rounds;
  if (st.next_fetch == 0) st.next_fetch = st.options.fetch_limit;
  const auto lanes_limit = static_cast<std::int64_t>(st.options.concurrency);
  const std::int64_t rows_per_lane =
      std::clamp<std::int64_t>(st.next_fetch / lanes_limit, 1, static_cast<std::int64_t>(st.options.max_rows_per_lane));
  const auto asked = clock::now();
  self->request(st.store, std::chrono::seconds(30), fetch_atom::value, st.options.target.topic, lanes_limit,
                rows_per_lane)
      .await(
          [=](OutboxFetch& fetched) {
            auto& s = self->state;
            RoundResult nothing;
            if (!fetched.ok) {
              log::error("outbox read failed", {{"topic", s.options.target.topic}, {"error", fetched.error}});
              return after_round(self, nothing, true);
            }
            if (fetched.paused != (s.mode == Mode::paused)) {
              log::info(fetched.paused ? "publisher paused" : "publisher resumed",
                        {{"topic", s.options.target.topic}, {"by", "the service-wide flag"}});
              s.mode = fetched.paused ? Mode::paused : Mode::idle;
              if (fetched.paused) s.trouble = false;
            }
            if (fetched.paused) return after_round(self, nothing, true);
            // Measured from before the fetch was asked: the lease may end no earlier than that.
            const auto lease_until =
                fetched.lease_ms > 0 ? asked + milliseconds(fetched.lease_ms) : clock::time_point::max();
            nothing.report.topic = s.options.target.topic;
            nothing.report.recount = fetched.empty_lanes;
            if (fetched.rows.empty()) return settle(self, std::move(nothing), true);
            // Caught up: fewer lanes than asked for, none of them with more rows than it sent.
            std::map<std::string, std::int64_t> per_lane;
            for (const auto& row : fetched.rows) ++per_lane[row.event.partition_key];
            bool full_lane = false;
            for (const auto& [user, n] : per_lane) full_lane = full_lane || n >= rows_per_lane;
            const bool more_waiting = static_cast<std::int64_t>(per_lane.size()) >= lanes_limit || full_lane;
            auto lanes = choose_lanes(self, fetched.rows);
            s.mode = Mode::delivering;
            auto judged = deliver(self, lanes, lease_until);
            judged.report.recount = fetched.empty_lanes;
            size_t sent = 0;
            for (const auto& lane : lanes) sent += lane.rows.size();
            s.next_fetch =
                std::clamp<std::int64_t>(2 * static_cast<std::int64_t>(judged.answered),
                                         static_cast<std::int64_t>(s.options.concurrency), s.options.fetch_limit);
            const bool caught_up = !more_waiting && judged.answered == sent && sent == fetched.rows.size();
            settle(self, std::move(judged), caught_up);
          },
          [=](caf::error& err) {
            log::error("outbox read failed", {{"topic", self->state.options.target.topic}, {"error", to_string(err)}});
            after_round(self, RoundResult{}, true);
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
        if (s.mode == Mode::paused) return;  // the poll timer checks the flag
        if (s.in_round) {
          s.more = true;
          return;
        }
        if (s.trouble) {
          // New rows while the topic backs off: the next probe comes no later than one poll
          // interval after the last, and may pick the new user; never lost, never a flood.
          s.wake_at = std::min(s.wake_at, s.last_probe_at + s.options.poll_interval.count());
          return round_at(self, s.wake_at);
        }
        queue_round(self);
      },
      [=](tick_atom) {
        auto& s = self->state;
        self->delayed_send(self, s.options.poll_interval, tick_atom::value);
        if (s.trouble && now_millis() < s.wake_at && s.mode != Mode::paused) return;
        queue_round(self);
      },
      [=](round_atom) { run_round(self); },
      [=](store_atom, persistence_actor& fresh) { self->state.store = std::move(fresh); },
      // Pause and resume are the whole service's: the flag is written in the database (every
      // replica's publisher of the topic reads it with its next fetch), then this one follows.
      [=](pause_atom) -> caf::typed_response_promise<bool> { return set_paused(self, true); },
      [=](resume_atom) -> caf::typed_response_promise<bool> { return set_paused(self, false); },
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
      [=](mangle_atom, const std::string& user, bool on) {
        auto& s = self->state;
        if (!s.options.fault_injection) return false;
        if (on)
          s.mangled_users.insert(user);
        else
          s.mangled_users.erase(user);
        return true;
      },
      [=](status_atom) {
        auto& s = self->state;
        auto out = make_status("publisher/" + s.options.target.topic, "publisher", to_string(s.mode),
                               self->mailbox().size(), s.started);
        out.restarts = s.options.restarts;
        out.details = {
            {"topic", s.options.target.topic},
            {"in_flight", s.in_flight},
            {"probing", s.trouble},
            {"topic_backoffs", s.topic_backoffs},
            {"lane_backoffs", s.lane_backoffs},
            {"probes", s.probes},
            {"last_probe_user", s.last_probe_user},
            {"rounds", s.rounds},
            {"publish_mode", s.client->bulk() ? "bulk" : "single"},
            {"requests", s.requests},
            {"bulk_requests", s.bulk_requests},
            {"reorder_risks", s.reorder_risks},
            {"delivered", s.delivered},
            {"failed", s.failed_attempts},
            {"retried", s.retried},
            {"dead_lettered", s.dead_lettered},
            {"delivered_by_type", s.delivered_by_type},
            {"failures_by_reason", s.failures_by_reason},
            {"failures_by_scope", s.failures_by_scope},
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
