#pragma once

// One HTTP request awaiting its response. It may be answered from any thread (an actor's
// reply), exactly once; destroyed unanswered, it answers 503 so no client is left hanging. The
// answer goes to the request's own connection (an AnswerSink), which writes it in order.

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/command.hpp"
#include "core/metrics.hpp"
#include "http/problem.hpp"
#include "http/request.hpp"

namespace tasks::http {

// Shared by every exchange of one server: requests in flight, the drain switch, the metrics.
struct ServerState {
  std::atomic<long> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> answered{0};
  metrics_ptr metrics;  // may be null
};

class Exchange {
 public:
  Exchange(std::shared_ptr<AnswerSink> sink, std::string correlation_id, std::shared_ptr<ServerState> server);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  void send(int status, std::string body, const std::string& content_type, const Headers& headers = {});
  void send_json(int status, std::string body, const Headers& headers = {});
  void send_problem(const Problem& problem, const Headers& headers = {});

  // Drops the request without any answer: for test stand-ins that play a server that died (its
  // connection is closed when the server stops).
  void abandon();

  const std::string& correlation_id() const { return correlation_id_; }

  // The request's W3C traceparent (its own, or the one taskd started for it): every answer of
  // this exchange carries it as a `traceparent` header, so a client without one learns the
  // trace its events belong to. Set before the exchange is handed on (it is not synchronised).
  void set_traceparent(std::string traceparent) { traceparent_ = std::move(traceparent); }

  // For the request metrics: the method, and the route template once the route is known.
  void describe(std::string method, std::string route) {
    method_ = std::move(method);
    route_ = std::move(route);
  }

 private:
  std::shared_ptr<AnswerSink> sink_;
  std::string correlation_id_;
  std::string traceparent_;  // empty: no traceparent header (the admin API)
  std::shared_ptr<ServerState> server_;
  std::atomic<bool> answered_{false};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::string method_, route_ = "unmatched";
};

// Answers a task request: the actors' TaskReply becomes status, headers and JSON.
class TaskResponder : public Responder {
 public:
  explicit TaskResponder(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  void reply(TaskReply reply) override;
  // Lists: the next page's link up to its cursor ("/api/v1/tasks?limit=10&after=").
  void set_next_link(std::string prefix) { next_link_ = std::move(prefix); }

 private:
  std::shared_ptr<Exchange> exchange_;
  std::string next_link_;
};

}  // namespace tasks::http
