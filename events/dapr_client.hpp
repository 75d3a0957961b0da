#pragma once

// The Dapr HTTP pub/sub client (libcurl). Bulk mode (the default): each lane's rows go as one
// POST {endpoint}/v1.0/publish/bulk/{pubsub}/{topic} (entries with their own partitionKey; the
// body and the answer's meaning are the pure functions of events/bulk.hpp). Single mode, and
// for rows that cannot go in bulk: one POST {endpoint}/v1.0/publish/{pubsub}/{topic}
// ?metadata.partitionKey=<user> per event, the CloudEvent as application/cloudevents+json. A
// sidecar without the bulk route turns the client to single mode for the rest of its life. Lanes
// are sent concurrently over reused keep-alive connections (curl multi); each lane in order, one
// request of a lane at a time.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "events/bulk.hpp"
#include "events/lanes.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

struct DaprTarget {
  std::string endpoint;  // http://localhost:3500
  std::string pubsub;    // pubsub-kafka
  std::string topic;
  std::string api_token;  // sent as dapr-api-token when set
  std::chrono::milliseconds timeout{5'000};
  bool bulk = true;                                // TASKS_PUBLISH_MODE=bulk
  size_t bulk_max_bytes = default_bulk_max_bytes;  // one bulk request's body
};

// What one deliver() did: the lanes' outcomes and counts for the publisher's status.
struct Delivery {
  std::vector<LaneOutcome> lanes;  // one per lane given, in order
  std::uint64_t requests = 0;      // HTTP exchanges started
  std::uint64_t bulk_requests = 0;
  std::uint64_t reorder_risks = 0;  // see BulkAnswer
};

class DaprClient {
 public:
  explicit DaprClient(DaprTarget target);
  ~DaprClient();
  DaprClient(const DaprClient&) = delete;
  DaprClient& operator=(const DaprClient&) = delete;

  // Sends every lane. After `deadline` no new call starts; calls on the wire finish (each is
  // bounded by the timeout), so that an answer is never lost to an abandoned call.
  Delivery deliver(const std::vector<Lane>& lanes, std::chrono::steady_clock::time_point deadline);

  // The publish URL of one event (for tests and logs).
  std::string url_for(const std::string& partition_key) const;

  // False once the sidecar refused the bulk route (or when configured single).
  bool bulk() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Call once before any thread starts (curl_global_init is not thread-safe).
void init_http_client_library();

}  // namespace tasks
