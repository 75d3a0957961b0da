#pragma once

// A client load over several replicas of one service: U users, each on a thread of its own
// sending its requests one at a time (so that user's acknowledgement order is its commit order),
// each request to the next live replica in turn (round robin), mutations of every kind (create,
// patches of title, description and due date, clearing it, complete, uncomplete, delete) chosen
// so that reminder events happen too. Bounded in count and in time; a replica that vanishes in
// the middle of a request makes that request's outcome unknown, and the user goes on with the
// next replica. It knows only base URLs and the JWT secret: no sidecar, no process, so that the
// end-to-end tests can drive real daprd + Kafka with it as well.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/mutation_log.hpp"

namespace tasks::testing {

struct LoadOptions {
  int users = 30;
  size_t mutations = 10'000;  // over all users together
  std::chrono::milliseconds max_duration{60'000};
  std::string user_prefix = "replicas";
  std::string jwt_secret;  // the services' TASKS_JWT_SECRET
  // Longer than the services' own request deadline (TASKS_REQUEST_TIMEOUT, 10 s by default),
  // so that a live replica always answers first: a request the client gave up on could still
  // commit while the user's next one runs on another replica, and the user's commit order would
  // no longer be the client's. A replica that vanishes breaks the connection at once anyway.
  long request_timeout_ms = 12'000;
  size_t max_tasks_per_user = 12;  // a user's creates stop there; deletes bring it back down
  unsigned seed = 1;
};

// The base URLs to send to now (the live replicas); asked before every request.
using Endpoints = std::function<std::vector<std::string>()>;

class LoadDriver {
 public:
  LoadDriver(LoadOptions options, Endpoints endpoints);
  ~LoadDriver();  // stops and joins
  LoadDriver(const LoadDriver&) = delete;
  LoadDriver& operator=(const LoadDriver&) = delete;

  void start();
  void stop();  // every user stops after its current request
  void wait();  // until every user is done (count reached, time up or stopped)

  // Progress, readable while the load runs.
  size_t sent() const { return sent_; }
  size_t acknowledged() const { return acknowledged_; }
  size_t acknowledged_by(const std::string& base_url) const;

  // After wait(): every request of every user, each user's in the order sent.
  std::vector<Mutation> mutations() const;
  const std::vector<std::string>& users() const { return users_; }
  std::chrono::milliseconds elapsed() const;

 private:
  void run_user(size_t index);
  void record(size_t user, Mutation m);

  LoadOptions options_;
  Endpoints endpoints_;
  std::vector<std::string> users_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> tickets_{0}, sent_{0}, acknowledged_{0};
  std::chrono::steady_clock::time_point started_{}, deadline_{};
  std::atomic<std::chrono::steady_clock::rep> finished_{0};
  mutable std::mutex mutex_;
  std::vector<std::vector<Mutation>> log_;  // per user
  std::map<std::string, size_t> acknowledged_by_;
};

}  // namespace tasks::testing
