#pragma once

// A stand-in for the Dapr sidecar's publish API, on loopback, for unit and fault-injection
// tests and the benchmarks: it records every publish request and answers as told, per topic:
// 204, any status, slowly, not at all (hang), or not at all because it is down.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks::testing {

struct RecordedPublish {
  std::string pubsub, topic, partition_key;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json event;  // the body parsed (null when it is not JSON)
  long answered = 0;     // the status it got (0: none yet)
};

struct SidecarBehaviour {
  long status = 204;
  std::chrono::milliseconds delay{0};  // answer this much later
  bool hang = false;                   // never answer (the client times out)
};

class RecordingSidecar {
 public:
  explicit RecordingSidecar(int port = 0);  // 0: a free port
  ~RecordingSidecar();
  RecordingSidecar(const RecordingSidecar&) = delete;
  RecordingSidecar& operator=(const RecordingSidecar&) = delete;

  int port() const;
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Keep only counts, not the requests themselves (for long benchmark runs).
  void keep_requests(bool keep);

  // How to answer publishes to `topic` ("" sets the default for every topic without its own).
  void behave(const std::string& topic, SidecarBehaviour behaviour);

  void stop();   // down: connections are refused
  void start();  // up again, same port

  // Every request seen (in arrival order), or only those answered 204: the delivered events.
  std::vector<RecordedPublish> requests(const std::string& topic = "") const;
  std::vector<RecordedPublish> delivered(const std::string& topic = "") const;
  size_t delivered_count(const std::string& topic = "") const;
  size_t request_count() const;
  // The most requests that were waiting for their answer at once: overall, and for one
  // partition key (a publisher keeping per-user order never has two of a user's in flight).
  size_t max_in_flight() const;
  size_t max_in_flight_per_key() const;
  void clear();

  struct Impl;  // public so that the HTTP handler can reach it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tasks::testing
