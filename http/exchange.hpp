#pragma once

// One HTTP request awaiting its response. It may be answered from any thread (an actor's
// reply), exactly once; destroyed unanswered, it answers 503 so no client is left hanging.

#include <pistache/http.h>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/command.hpp"
#include "http/problem.hpp"

namespace tasks::http {

// Shared by every exchange of one server: requests in flight and the drain switch.
struct ServerState {
  std::atomic<long> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> answered{0};
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class Exchange {
 public:
  Exchange(Pistache::Http::ResponseWriter writer, std::string correlation_id, bool keep_alive,
           std::shared_ptr<ServerState> server);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  void send(int status, const std::string& body, const std::string& content_type, const Headers& headers = {});
  void send_json(int status, const std::string& body, const Headers& headers = {});
  void send_problem(const Problem& problem, const Headers& headers = {});

  const std::string& correlation_id() const { return correlation_id_; }

 private:
  Pistache::Http::ResponseWriter writer_;
  std::string correlation_id_;
  bool keep_alive_;
  std::shared_ptr<ServerState> server_;
  std::atomic<bool> answered_{false};
};

// Answers a task request: the actors' TaskReply becomes status, headers and JSON.
class TaskResponder : public Responder {
 public:
  explicit TaskResponder(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  void reply(TaskReply reply) override;

 private:
  std::shared_ptr<Exchange> exchange_;
};

}  // namespace tasks::http
