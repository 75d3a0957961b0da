#pragma once

// What the users' lanes looked like at the recording sidecar, next to what the users committed:
// a ledger of commits (written by the API clients as their answers arrive), the first delivery
// of every event, each user's sequence per topic, and the delay from commit to delivery.

#include <chrono>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/recording_sidecar.hpp"

namespace tasks::testing {

using Clock = std::chrono::steady_clock;

// One event as both sides name it: its task and the task version it carries.
struct EventRef {
  std::string task_id;
  long long version = 0;
  bool operator==(const EventRef& other) const { return task_id == other.task_id && version == other.version; }
};
std::ostream& operator<<(std::ostream& os, const EventRef& e);

// The (task, version) that a recorded publish carries in its CloudEvent data.
EventRef event_ref(const RecordedPublish& r);

// One mutation answered 2xx: its user, the task version it made, when the answer arrived (a
// commit time as a client sees it) and the topics it emits an event on.
struct Commit {
  std::string user;
  EventRef event;
  Clock::time_point at;
  std::vector<std::string> topics;
};

// Commits of concurrent clients, and the requests that did not get their 2xx.
class Ledger {
 public:
  void add(Commit c);
  void fail(std::string what);
  std::vector<Commit> commits() const;
  std::vector<std::string> failures() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Commit> commits_;
  std::vector<std::string> failures_;
};

// The first 204 of each event id on `topic`, in the order the sidecar received them (a retry
// that is delivered again is at-least-once noise, not a new position).
std::vector<RecordedPublish> first_deliveries(const RecordingSidecar& sidecar, const std::string& topic);

// One user's lane of a topic as delivered: that user's events among a topic's first deliveries.
std::vector<EventRef> delivered_lane(const std::vector<RecordedPublish>& first_deliveries, const std::string& user);

// One user's lane of a topic as committed: the events in commit order (one user's requests
// were sent one after another, so the order of their answers is the commit order).
std::vector<EventRef> committed_lane(const std::vector<Commit>& commits, const std::string& topic,
                                     const std::string& user);

// How many events `users` committed (over every topic).
size_t committed_events(const std::vector<Commit>& commits, const std::vector<std::string>& users);

// Whether every event `users` committed has been delivered at least once.
bool all_delivered(const RecordingSidecar& sidecar, const std::vector<Commit>& commits,
                   const std::vector<std::string>& users);

// How long each event of `users` took from its commit (the answer's arrival) to its first
// delivery; an event delivered before its answer arrived took 0. Undelivered events are left out.
struct Latency {
  std::string user, topic;
  EventRef event;
  std::chrono::milliseconds took{0};
};
std::vector<Latency> delivery_latencies(const RecordingSidecar& sidecar, const std::vector<Commit>& commits,
                                        const std::vector<std::string>& users);

// The requests of one lane (any answer, or none) that arrived in [from, to]; a bulk request
// counts once, however many of the lane's events it carried.
size_t lane_attempts(const RecordingSidecar& sidecar, const std::string& topic, const std::string& user,
                     Clock::time_point from, Clock::time_point to);

}  // namespace tasks::testing
