#include "tests/support/event_streams.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tasks::testing {

namespace {

bool emits_on(const Commit& c, const std::string& topic) {
  return std::find(c.topics.begin(), c.topics.end(), topic) != c.topics.end();
}

bool wanted(const std::vector<std::string>& users, const std::string& user) {
  return std::find(users.begin(), users.end(), user) != users.end();
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const EventRef& e) {
  return os << e.task_id.substr(0, 8) << " v" << e.version;
}

EventRef event_ref(const RecordedPublish& r) {
  if (!r.event.is_object() || !r.event.contains("data") || !r.event["data"].is_object()) return {};
  const auto& data = r.event["data"];
  return {data.value("task_id", ""), data.value("version", 0LL)};
}

void Ledger::add(Commit c) {
  std::lock_guard lock(mutex_);
  commits_.push_back(std::move(c));
}

void Ledger::fail(std::string what) {
  std::lock_guard lock(mutex_);
  failures_.push_back(std::move(what));
}

std::vector<Commit> Ledger::commits() const {
  std::lock_guard lock(mutex_);
  return commits_;
}

std::vector<std::string> Ledger::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::vector<RecordedPublish> first_deliveries(const RecordingSidecar& sidecar, const std::string& topic) {
  std::vector<RecordedPublish> out;
  std::set<std::string> seen;
  for (auto& r : sidecar.delivered(topic))
    if (seen.insert(r.event_id()).second) out.push_back(std::move(r));
  return out;
}

std::vector<EventRef> delivered_lane(const std::vector<RecordedPublish>& first_deliveries, const std::string& user) {
  std::vector<EventRef> out;
  for (const auto& r : first_deliveries)
    if (r.partition_key == user) out.push_back(event_ref(r));
  return out;
}

std::vector<EventRef> committed_lane(const std::vector<Commit>& commits, const std::string& topic,
                                     const std::string& user) {
  std::vector<EventRef> out;
  for (const auto& c : commits)
    if (c.user == user && emits_on(c, topic)) out.push_back(c.event);
  return out;
}

size_t committed_events(const std::vector<Commit>& commits, const std::vector<std::string>& users) {
  size_t n = 0;
  for (const auto& c : commits)
    if (wanted(users, c.user)) n += c.topics.size();
  return n;
}

bool all_delivered(const RecordingSidecar& sidecar, const std::vector<Commit>& commits,
                   const std::vector<std::string>& users) {
  return delivery_latencies(sidecar, commits, users).size() == committed_events(commits, users);
}

std::vector<Latency> delivery_latencies(const RecordingSidecar& sidecar, const std::vector<Commit>& commits,
                                        const std::vector<std::string>& users) {
  std::vector<Latency> out;
  for (const char* topic : {"task-events", "task-updates", "reminders"}) {
    std::map<std::pair<std::string, long long>, Clock::time_point> arrived;
    for (const auto& r : first_deliveries(sidecar, topic)) {
      const auto e = event_ref(r);
      arrived.emplace(std::pair{e.task_id, e.version}, r.at);
    }
    for (const auto& c : commits) {
      if (!wanted(users, c.user) || !emits_on(c, topic)) continue;
      auto it = arrived.find({c.event.task_id, c.event.version});
      if (it == arrived.end()) continue;
      const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(it->second - c.at);
      out.push_back({c.user, topic, c.event, std::max(took, std::chrono::milliseconds(0))});
    }
  }
  return out;
}

size_t lane_attempts(const RecordingSidecar& sidecar, const std::string& topic, const std::string& user,
                     Clock::time_point from, Clock::time_point to) {
  // The entries of one bulk request share its arrival time: count requests, not entries.
  std::set<Clock::time_point> requests;
  for (const auto& r : sidecar.requests(topic))
    if (r.partition_key == user && r.at >= from && r.at <= to) requests.insert(r.at);
  return requests.size();
}

}  // namespace tasks::testing
