#pragma once

// What a delivery round's answers mean for the outbox and for the topic: a pure function from
// the rows sent and their answers to the settle report (delivered, lane backoffs, retries,
// dead letters) and to the topic's next state. The publisher actor only carries it out.

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/outbox.hpp"
#include "events/failure_model.hpp"
#include "events/lanes.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

// One failed attempt as decided, for the log and the counters.
struct JudgedFailure {
  const OutboxRow* row = nullptr;
  AttemptResult result;
  FailureDecision decision;
  bool dead = false;
  std::string dead_reason;
  millis retry_at = 0;  // lane scope: when the lane tries again
};

struct RoundResult {
  DeliveryReport report;
  std::vector<const OutboxRow*> delivered;
  std::vector<JudgedFailure> failures;  // in answer order
  bool delivered_any = false;
  bool topic_trouble = false;  // some answer was the whole topic's trouble
  millis earliest_lane_retry = std::numeric_limits<millis>::max();
  size_t answered = 0;
};

// Judges every answer of a round. `recent` is updated with the round's deliveries first, so a
// failure next to a delivery of the same round counts as "others flow". Lane backoff: full
// jitter below backoff_ceiling(lane failures + 1). Topic-wide trouble resets the event's own
// failure clock and its lane's count (the publisher backs the topic off itself).
RoundResult judge_round(const std::string& topic, const std::vector<Lane>& lanes,
                        const std::vector<LaneOutcome>& outcomes, TopicRecent& recent, millis now,
                        const RetryPolicy& policy, std::mt19937_64& rng);

}  // namespace tasks
