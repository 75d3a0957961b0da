#pragma once

// A stand-in for the Dapr sidecar's publish API, on loopback, for unit and fault-injection
// tests and the benchmarks: it records every publish (a single publish, or each entry of a bulk
// publish, POST /v1.0/publish/bulk/{pubsub}/{topic}) and answers as told: 204, any
// status (with daprd's JSON error body when given an errorCode), slowly, not at all (hang), by
// closing the connection, or not at all because it is down. What it does can be told per topic,
// per partition key (one user's lane, on one topic or all) and per CloudEvent id (one event).
//
// Bulk requests answer as daprd 1.18.3 does (docs/publishing.md): each entry's behaviour is looked
// up as for a single publish; an entry told 500 (with no code or ERR_PUBSUB_PUBLISH_MESSAGE) is a
// failed entry (500 {"failedEntries":[...],"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"}, the other
// entries written: 204), any other failing behaviour answers the whole request (the first such
// entry's), and hang, close and delay apply to the whole request when any entry asks for it.
//
// It is a small HTTP/1.1 server of its own (a thread per connection), so that it can also do
// what no well-behaved server does: read a request and close the connection without an answer.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks::testing {

struct RecordedPublish {
  std::string pubsub, topic, partition_key;    // bulk: the key from the entry's metadata
  std::map<std::string, std::string> headers;  // lower-case names (bulk: the request's)
  std::string body;                            // bulk: the entry's event as JSON text
  nlohmann::json event;                        // the body parsed (null when it is not JSON)
  std::string content_type;                    // the event's: the Content-Type header, or the entry's contentType
  long answered = 0;                           // the status it got (0: none, or not yet; bulk: the entry's)
  std::chrono::steady_clock::time_point at{};  // when the request arrived (read whole)
  bool bulk = false;                           // an entry of a bulk publish
  std::string entry_id;                        // bulk: its entryId
  size_t request = 0;                          // the HTTP request it came in (numbered from 1)

  // The CloudEvent's id ("" when the body has none).
  std::string event_id() const;
};

struct SidecarBehaviour {
  long status = 204;
  std::chrono::milliseconds delay{0};  // answer this much later
  bool hang = false;                   // never answer (the client times out)
  // daprd's errorCode: a non-2xx answer then has daprd's body,
  // {"errorCode":"<code>","message":"..."} (application/json). Unset: "ERR_TEST".
  std::string error_code{};
  bool close = false;  // record the request, then close the connection without any answer
  // When set, the answer's body exactly (application/json) instead of daprd's error body; for a
  // bulk request it answers the whole request (malformed or foreign failedEntries).
  std::string body{};
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
  // false: its events are not written for the schema check (tests/support/event_dump.hpp), for
  // the tests of the stand-in itself, which publish made-up events rather than taskd's.
  void dump_events(bool dump);
  // Called with every publish request as it arrives, before it is answered, also when requests
  // are not kept: the benchmark sink derives its figures from it. Calls never overlap (they run
  // under the sidecar's lock), so the observer needs no lock of its own but must be quick.
  void observe(std::function<void(const RecordedPublish&)> observer);

  // How to answer publishes to `topic` ("" sets the default for every topic without its own).
  void behave(const std::string& topic, SidecarBehaviour behaviour);
  // Overrides, most specific first: the CloudEvent id, then (topic, partition key), then ("",
  // partition key) for every topic, then the topic's behaviour, then the default.
  void behave_for_key(const std::string& topic, const std::string& partition_key, SidecarBehaviour behaviour);
  void behave_for_event(const std::string& event_id, SidecarBehaviour behaviour);
  void forget_overrides();  // every key and event override; topic behaviours stay
  // false: the bulk route does not exist (404 "404 page not found", no errorCode), as on a
  // server older than daprd 1.10 or another stand-in.
  void serve_bulk(bool serve);

  void stop();   // down: connections are refused
  void start();  // up again, same port

  // Every request seen (in arrival order), or only those answered 204: the delivered events.
  std::vector<RecordedPublish> requests(const std::string& topic = "") const;
  std::vector<RecordedPublish> delivered(const std::string& topic = "") const;
  size_t delivered_count(const std::string& topic = "") const;
  // Publishes recorded (single publishes and bulk entries: events sent), and HTTP exchanges on
  // the publish routes (a bulk request is one however many entries it has), and bulk requests.
  size_t request_count() const;
  size_t http_request_count() const;
  size_t bulk_request_count() const;
  // The most HTTP requests that were waiting for their answer at once: overall, for one
  // partition key over every topic, for one lane (topic, partition key), and for the busiest
  // lane (a bulk request counts once for each lane it carries). A publisher keeping per-user
  // order never has two requests of one lane in flight.
  size_t max_in_flight() const;
  size_t max_in_flight_per_key() const;
  size_t max_in_flight_for(const std::string& topic, const std::string& partition_key) const;
  size_t max_in_flight_per_lane() const;
  void clear();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tasks::testing
