#pragma once

// One raw connection driven step by step with a deadline on every wait: send exactly these
// bytes, read the next answer, see whether the server closes. For the framing cases, where
// what matters is what the server does with bytes no ordinary client would send.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "tests/hostile/response_parser.hpp"
#include "tests/hostile/socket.hpp"

namespace tasks::hostile {

using Millis = std::chrono::milliseconds;

class RawClient {
 public:
  // How the last wait ended when it did not give what was asked for.
  enum class End { none, timeout, closed, reset, malformed, not_connected };

  explicit RawClient(int port, Millis connect_within = Millis(2000));

  bool connected() const { return connected_; }
  // Sends every byte; false when the server closed or reset first (it may stop reading early).
  bool send(std::string_view bytes, Millis within = Millis(5000));
  // The next response (a 1xx interim one included). Nothing on timeout, close or garbage: end()
  // and error() say which. `answers_head`: the response answers a HEAD request.
  std::optional<Response> next_response(Millis within, bool answers_head = false);
  // True when the server ends the connection (EOF or reset) within `within` without sending
  // anything more; false on timeout or on further bytes (error() has them).
  bool closes_within(Millis within);

  End end() const { return end_; }
  const std::string& error() const { return error_; }
  // Milliseconds the last next_response() or closes_within() waited.
  double waited_ms() const { return waited_ms_; }
  Socket& socket() { return socket_; }

 private:
  bool wait_readable(std::chrono::steady_clock::time_point until);

  Socket socket_;
  ResponseParser parser_;
  bool connected_ = false;
  bool peer_gone_ = false;
  End end_ = End::none;
  std::string error_;
  double waited_ms_ = 0;
};

// Text for test messages.
const char* to_string(RawClient::End end);

}  // namespace tasks::hostile
