#pragma once

// Delivery lanes: one per user, holding that user's due rows in commit order. Lanes run
// concurrently; a lane sends its rows one after another and stops at its first failure, so one
// user's events reach the topic in commit order while different users' events fly together.

#include <string>
#include <vector>

#include "core/outbox.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

struct Lane {
  std::string user;
  std::vector<OutboxRow> rows;  // in id (commit) order
};

// What one lane's calls answered: (row id, result) in send order; it ends at the first failure.
struct LaneOutcome {
  std::vector<std::pair<std::int64_t, AttemptResult>> attempts;
};

// The lane a topic in trouble probes next: the first whose user comes after `last_user` (in the
// order of user ids), wrapping round, so that probes rotate over the users with events.
// Returns lanes.size() when there is none.
size_t pick_probe(const std::vector<Lane>& lanes, const std::string& last_user);

// Groups rows (already in id order) by partition key; at most `max_lanes` lanes, the users with
// the oldest rows first; rows beyond `max_rows_per_lane` wait for the next round.
std::vector<Lane> plan_lanes(const std::vector<OutboxRow>& rows, size_t max_lanes, size_t max_rows_per_lane);

}  // namespace tasks
