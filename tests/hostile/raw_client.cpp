#include "tests/hostile/raw_client.hpp"

#include <poll.h>
#include <cerrno>

namespace tasks::hostile {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<Millis>(until - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

const char* to_string(RawClient::End end) {
  switch (end) {
    case RawClient::End::none: return "none";
    case RawClient::End::timeout: return "timeout";
    case RawClient::End::closed: return "closed";
    case RawClient::End::reset: return "reset";
    case RawClient::End::malformed: return "malformed";
    case RawClient::End::not_connected: return "not connected";
  }
  return "?";
}

RawClient::RawClient(int port, Millis connect_within) : socket_(Socket::connect_to(port)) {
  if (!socket_.is_open()) {
    end_ = End::not_connected;
    error_ = socket_.error_text();
    return;
  }
  pollfd p{socket_.fd(), POLLOUT, 0};
  const int n = ::poll(&p, 1, static_cast<int>(connect_within.count()));
  connected_ = n == 1 && socket_.connect_succeeded();
  if (!connected_) {
    end_ = End::not_connected;
    error_ = n == 1 ? "connect refused" : "connect timed out";
  }
}

bool RawClient::send(std::string_view bytes, Millis within) {
  if (!connected_) return false;
  const auto until = Clock::now() + within;
  while (!bytes.empty()) {
    std::size_t written = 0;
    const Io io = socket_.write_some(bytes, written);
    bytes.remove_prefix(written);
    if (io == Io::failed) {
      end_ = End::reset;
      error_ = "send: " + socket_.error_text();
      return false;
    }
    if (bytes.empty()) break;
    pollfd p{socket_.fd(), POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(until)) <= 0) {
      end_ = End::timeout;
      error_ = "send: the server took nothing for " + std::to_string(within.count()) + " ms";
      return false;
    }
  }
  return true;
}

bool RawClient::wait_readable(Clock::time_point until) {
  pollfd p{socket_.fd(), POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, remaining_ms(until));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

std::optional<Response> RawClient::next_response(Millis within, bool answers_head) {
  const auto start = Clock::now();
  const auto until = start + within;
  end_ = End::none;
  error_.clear();
  if (!connected_) {
    end_ = End::not_connected;
    return std::nullopt;
  }
  for (;;) {
    Response r;
    switch (parser_.next(r, answers_head)) {
      case ResponseParser::Result::complete: waited_ms_ = ms_since(start); return r;
      case ResponseParser::Result::malformed:
        waited_ms_ = ms_since(start);
        end_ = End::malformed;
        error_ = parser_.error();
        return std::nullopt;
      case ResponseParser::Result::need_more: break;
    }
    if (peer_gone_) {
      waited_ms_ = ms_since(start);
      if (end_ == End::none) end_ = End::closed;
      return std::nullopt;
    }
    if (!wait_readable(until)) {
      waited_ms_ = ms_since(start);
      end_ = End::timeout;
      error_ = "no complete answer within " + std::to_string(within.count()) + " ms";
      if (parser_.has_buffered_bytes()) error_ += "; partial: '" + std::string(parser_.buffered().substr(0, 120)) + "'";
      return std::nullopt;
    }
    std::string chunk;
    const Io io = socket_.read_some(chunk);
    parser_.feed(chunk);
    if (io == Io::closed || io == Io::failed) {
      peer_gone_ = true;
      end_ = io == Io::closed ? End::closed : End::reset;
      error_ = io == Io::closed ? "the server closed the connection" : "read: " + socket_.error_text();
      parser_.finish();
    }
  }
}

bool RawClient::closes_within(Millis within) {
  const auto start = Clock::now();
  const auto until = start + within;
  error_.clear();
  if (parser_.has_buffered_bytes()) {
    error_ = "more bytes after the answer: '" + std::string(parser_.buffered().substr(0, 120)) + "'";
    return false;
  }
  while (!peer_gone_) {
    if (!wait_readable(until)) {
      waited_ms_ = ms_since(start);
      end_ = End::timeout;
      error_ = "still open after " + std::to_string(within.count()) + " ms";
      return false;
    }
    std::string chunk;
    const Io io = socket_.read_some(chunk);
    if (!chunk.empty()) {
      waited_ms_ = ms_since(start);
      error_ = "more bytes after the answer: '" + chunk.substr(0, 120) + "'";
      return false;
    }
    if (io == Io::closed || io == Io::failed) {
      peer_gone_ = true;
      end_ = io == Io::closed ? End::closed : End::reset;
    }
  }
  waited_ms_ = ms_since(start);
  return true;
}

}  // namespace tasks::hostile
