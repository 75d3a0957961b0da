#pragma once

// One client connection (Boost.Asio socket, Boost.Beast's parser for bodies): reads one request
// at a time, hands it to the handler, and writes its answer before it reads the next, so
// answers go out in request order and only ever on the connection their request came on (the
// answer travels to this object, never to a file-descriptor number). Everything it does runs
// on its own strand; an answer arriving from an actor's thread is posted there.

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "http/exchange.hpp"
#include "http/framing.hpp"

namespace tasks::http {

class Connection;

// What every connection of one server shares.
struct ConnectionContext {
  std::shared_ptr<Handler> handler;
  std::shared_ptr<ServerState> state;
  FramingLimits limits;
  std::chrono::milliseconds idle_timeout{60'000};  // no request on a keep-alive connection
  std::chrono::milliseconds read_timeout{10'000};  // a request once its first byte came; an answer's write

  // The live connections, so that shutdown can close them.
  std::mutex mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live;
  std::atomic<long> open{0};
};

class Connection : public AnswerSink, public std::enable_shared_from_this<Connection> {
 public:
  using socket_type = boost::asio::ip::tcp::socket;

  Connection(socket_type socket, std::shared_ptr<ConnectionContext> context);
  ~Connection() override;

  // Starts reading requests (registers with the context first).
  void start();
  // Answers with `problem` (503 with Connection: close) and closes: the connection cap.
  void refuse_and_close(Problem problem);
  // From any thread: the answer of the request being handled.
  void deliver(Answer answer) override;
  // From any thread: close when idle, or right after the answer in progress.
  void close_soon();

 private:
  enum class Phase { idle, head, body, handling, writing, lingering, closed };

  void read_head();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void on_head(HeadScan scan);
  void read_body();
  void on_body(const boost::system::error_code& ec);
  void dispatch();
  void write_answer(Answer answer);
  void on_written(const boost::system::error_code& ec, bool keep_alive);
  void refuse(int status, std::string detail, Headers extra = {});
  void write_and_close(std::string bytes);
  void linger();
  void linger_read();
  void close();
  void arm_timer(std::chrono::steady_clock::time_point at);
  void on_timer(const boost::system::error_code& ec);
  std::string correlation_id() const;

  socket_type socket_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<ConnectionContext> context_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  Phase phase_ = Phase::idle;
  bool timed_out_ = false;
  bool close_requested_ = false;
  Request request_;
  bool head_request_ = false;  // the request being handled is a HEAD (its answer has no body)
  HeadMeaning meaning_;
  std::string out_;  // the bytes being written
  std::array<char, 4096> discard_{};
  std::size_t discarded_ = 0;
  std::chrono::steady_clock::time_point first_byte_;
};

}  // namespace tasks::http
