#pragma once

// What the HTTP front hands the API and admin handlers, and what they hand back: a request read
// whole and checked for framing, an answer to be written on the request's own connection, and
// the handler interface itself. Nothing here knows sockets or Boost.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/problem.hpp"

namespace tasks::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first field called `name` (ASCII case-insensitive), if any.
std::optional<std::string> find_header(const Headers& fields, std::string_view name);

// Every field called `name` (ASCII case-insensitive) as one comma-separated list, in field
// order (RFC 9110 §5.3: how a list field sent as several lines is read), if there is any.
std::optional<std::string> combined_header(const Headers& fields, std::string_view name);

struct Request {
  std::string method;  // as sent: "GET", "HEAD", "POST", ...
  std::string path;    // the target's path (origin-form; absolute-form is reduced to it)
  std::string query;   // after '?', still percent-encoded; empty when none
  unsigned version = 11;
  Headers fields;    // as received, in order
  std::string body;  // empty until read (and for requests without one)
  bool keep_alive = true;
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();
  // Who the handler's screen authenticated from the head (empty when it did not run): handle
  // need not verify the same credentials twice.
  std::string principal;

  std::optional<std::string> header(std::string_view name) const { return find_header(fields, name); }
  std::optional<std::string> combined(std::string_view name) const { return combined_header(fields, name); }
  bool is_head() const { return method == "HEAD"; }
};

// One response: written as it is, on the connection its request came on.
struct Answer {
  int status = 200;
  Headers headers;  // besides Content-Length, Date and Connection, which the connection adds
  std::string body;
  bool close = false;  // close the connection after this answer
};

// Where an exchange delivers its answer: the request's connection. Callable from any thread.
class AnswerSink {
 public:
  virtual ~AnswerSink() = default;
  virtual void deliver(Answer answer) = 0;
};

// A refusal decided from the head alone, before a body is read (it is then never read).
struct Refusal {
  Problem problem;
  Headers headers = {};
};

class Exchange;

class Handler {
 public:
  virtual ~Handler() = default;
  // The head of a request that announces a body, before the body is read: a refusal here is
  // answered at once and the connection closed without reading the body. It may note who it
  // authenticated in `head.principal`.
  virtual std::optional<Refusal> screen(Request& head) {
    (void)head;
    return std::nullopt;
  }
  // The whole request; answer through the exchange, from any thread, exactly once.
  virtual void handle(Request request, std::shared_ptr<Exchange> exchange) = 0;
};

}  // namespace tasks::http
