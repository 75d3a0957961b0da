#pragma once

// The Dapr HTTP pub/sub client (libcurl): POST {endpoint}/v1.0/publish/{pubsub}/{topic}
// ?metadata.partitionKey=<user> with the CloudEvent as application/cloudevents+json. Lanes are
// sent concurrently over reused keep-alive connections (curl multi); each lane in order.

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "events/lanes.hpp"
#include "events/retry_policy.hpp"

namespace tasks {

struct DaprTarget {
  std::string endpoint;  // http://localhost:3500
  std::string pubsub;    // pubsub-kafka
  std::string topic;
  std::string api_token;  // sent as dapr-api-token when set
  std::chrono::milliseconds timeout{5'000};
};

class DaprClient {
 public:
  explicit DaprClient(DaprTarget target);
  ~DaprClient();
  DaprClient(const DaprClient&) = delete;
  DaprClient& operator=(const DaprClient&) = delete;

  // Sends every lane. After `deadline` no new call starts; calls on the wire finish (each is
  // bounded by the timeout), so that an answer is never lost to an abandoned call.
  std::vector<LaneOutcome> deliver(const std::vector<Lane>& lanes, std::chrono::steady_clock::time_point deadline);

  // The publish URL of one event (for tests and logs).
  std::string url_for(const std::string& partition_key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Call once before any thread starts (curl_global_init is not thread-safe).
void init_http_client_library();

}  // namespace tasks
