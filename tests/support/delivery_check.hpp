#pragma once

// What the consumers got, judged against what the clients were told (pure code, no I/O): the
// delivered CloudEvents (from the recording sidecar or read back from Kafka) and the mutation
// log of the load driver, matched by correlation id (one per request, carried by each of its
// events).
//
// - Nothing lost: every acknowledged mutation has its event on task-events and on task-updates,
//   of its type and version, and on reminders exactly when its reminder changed state (when the
//   state before it is known); a request of unknown outcome has events on both or on neither.
// - Duplicates: deliveries of a CloudEvent id already delivered (counted, not an error here:
//   how many are allowed is the test's call).
// - Order: per user and topic, the `sequence` of first deliveries strictly increases; per task
//   and topic, `data.version` does; and per user the sequences follow the order in which the
//   user's mutations were acknowledged (its commit order), whichever replica served them.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/mutation_log.hpp"
#include "tests/support/problems.hpp"

namespace tasks::testing {

struct DeliveredEvent {
  std::string topic;
  nlohmann::json event;  // the CloudEvent as delivered
};

struct DeliveryReport {
  size_t deliveries = 0;  // events of our users received, repeats included
  size_t distinct = 0;    // distinct CloudEvent ids among them
  size_t duplicates = 0;  // deliveries - distinct
  std::vector<std::string> duplicated_ids;
  size_t acknowledged = 0, rejected = 0, unknown = 0;
  size_t unknown_committed = 0;  // of unknown outcome, and their events arrived: they did commit

  Problems lost;        // an event an acknowledged mutation must have made, never delivered
  Problems unexpected;  // an event of no request, of a rejected one, of the wrong type or version
  Problems disorder;    // sequence or version not increasing, or sequences against commit order
  Problems malformed;   // no valid `sequence`, one commit's events with different ones, an id
                        // delivered twice with different content

  bool ok() const { return lost.empty() && unexpected.empty() && disorder.empty() && malformed.empty(); }
  std::string summary() const;  // the figures and how many problems of each kind
  std::string details() const;  // the summary and the first problems of each kind
};

// `events` in arrival order; events of users that are not in `mutations` are ignored (a Kafka
// topic holds other tests' events too).
DeliveryReport check_delivery(const std::vector<Mutation>& mutations, const std::vector<DeliveredEvent>& events);

}  // namespace tasks::testing
