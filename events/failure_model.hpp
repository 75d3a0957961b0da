#pragma once

// The failure model: whose trouble one publish attempt's outcome is. A pure function of the
// outcome (HTTP status, daprd's errorCode, transport error) and of whether the topic has lately
// delivered other events. The publisher acts on the answer; docs/architecture.md has the table.
//
//   delivered  the sidecar took it (2xx)
//   lane       this user's events fail while others of the topic go through (one Kafka
//              partition offline, a per-key ACL, a timeout of one call): the user's lane backs
//              off alone; the rest of the topic flows
//   topic      every event of the topic fails the same way (sidecar unreachable, no pub/sub
//              component loaded or none of that name, the topic forbidden, our request
//              malformed): the whole topic backs off and probes; nothing is dead-lettered
//   poison     this event is refused for itself (daprd could not read or re-marshal it) while
//              others go through: it is dead-lettered at once and stops its lane
//
// Without evidence that others go through (no delivery on the topic within the healthy window),
// a failure that could be either the event's or everyone's is taken as the topic's: nothing is
// dead-lettered on a guess, and the topic's probes, rotating over users, find out which it is.

#include <chrono>
#include <string>

#include "core/task.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

enum class Scope { delivered, lane, topic, poison };

const char* to_string(Scope scope);

struct FailureDecision {
  Scope scope = Scope::delivered;
  bool ages = false;   // an own failure: counts toward TASKS_PUBLISH_MAX_AGE
  std::string reason;  // for metrics and logs: daprd's errorCode, or http_<status>, connect, timeout, transport
};

// What the topic has lately done, as the publisher remembers it.
struct TopicRecent {
  millis last_delivered_at = 0;  // the last 2xx of any event of the topic (0: none yet)
};

// True when another event of the topic went through within `window` of `now`.
bool others_flowing(const TopicRecent& recent, millis now, std::chrono::milliseconds window);

FailureDecision decide(const AttemptResult& result, bool flowing);

// The sidecar took the event (a 2xx answer): the lane goes on to its next row.
bool is_delivered(const AttemptResult& result);

// daprd's errorCode from an error answer's JSON body ("" when there is none).
std::string error_code_of(const std::string& body);

}  // namespace tasks
