#include "http/connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include "core/log.hpp"
#include "http/request_meta.hpp"

namespace tasks::http {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;
using clock = std::chrono::steady_clock;

namespace {

// The Date field changes once a second: format it once a second per thread.
std::string_view current_date() {
  thread_local std::time_t cached_at = 0;
  thread_local std::string cached;
  const std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    cached_at = now;
    cached = http_date(now);
  }
  return cached;
}

constexpr std::size_t read_chunk = 4096;
constexpr std::size_t linger_max_bytes = 256 * 1024;
constexpr auto linger_time = std::chrono::seconds(1);

}  // namespace

Connection::Connection(socket_type socket, std::shared_ptr<ConnectionContext> context)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), context_(std::move(context)) {
  ++context_->open;
  buffer_.max_size(context_->limits.max_head_bytes + context_->limits.max_body_bytes + 2 * read_chunk);
}

Connection::~Connection() {
  {
    std::lock_guard lock(context_->mutex);
    context_->live.erase(this);
  }
  --context_->open;
}

void Connection::start() {
  {
    std::lock_guard lock(context_->mutex);
    context_->live.emplace(this, weak_from_this());
  }
  error_code ignored;
  socket_.set_option(net::ip::tcp::no_delay(true), ignored);
  net::post(socket_.get_executor(), [self = shared_from_this()] { self->read_head(); });
}

void Connection::refuse_and_close(Problem problem) {
  net::post(socket_.get_executor(), [self = shared_from_this(), problem = std::move(problem)] {
    const auto id = correlation_id_from(std::nullopt);
    Answer a;
    a.status = problem.status;
    a.headers = {{"X-Correlation-ID", id}, {"Content-Type", "application/problem+json"}, {"Retry-After", "1"}};
    a.body = problem_body(problem, id);
    self->write_and_close(serialize_answer(a, false, false, current_date()));
  });
}

void Connection::close_soon() {
  net::post(socket_.get_executor(), [self = shared_from_this()] {
    self->close_requested_ = true;
    // An answer being written finishes first; anything else ends now (at shutdown nothing is
    // in flight any more, or it was dropped when the drain deadline passed).
    if (self->phase_ != Phase::writing && self->phase_ != Phase::lingering) self->close();
  });
}

std::string Connection::correlation_id() const {
  return correlation_id_from(find_header(request_.fields, "X-Correlation-ID"));
}

void Connection::arm_timer(clock::time_point at) {
  timed_out_ = false;
  timer_.expires_at(at);
  timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_timer(ec); });
}

void Connection::on_timer(const error_code& ec) {
  if (ec == net::error::operation_aborted || phase_ == Phase::closed) return;
  if (timer_.expiry() > clock::now()) return;  // re-armed meanwhile
  timed_out_ = true;
  switch (phase_) {
    case Phase::idle:
    case Phase::writing:
    case Phase::lingering: close(); return;
    case Phase::head:
    case Phase::body: {
      // The read in progress ends with an error and answers 408. Cancelling alone would miss a
      // read whose completion is already queued (the next one would run with no timer left):
      // shutting the receiving side makes every later read end at once as well.
      error_code ignored;
      socket_.shutdown(net::ip::tcp::socket::shutdown_receive, ignored);
      socket_.cancel(ignored);
      return;
    }
    case Phase::handling:
    case Phase::closed: return;
  }
}

// Waits for the next request head: idle (nothing received yet) until the idle timeout, then,
// from its first byte, until the read timeout. Bytes of a pipelined request may already be here.
void Connection::read_head() {
  if (close_requested_ || phase_ == Phase::closed) return close();
  request_ = Request{};
  parser_.reset();
  if (buffer_.size() == 0) {
    // An idle connection keeps no body-sized buffer (a small one is kept: freeing and taking it
    // again on every keep-alive request would be an allocation per request).
    if (buffer_.capacity() > 2 * read_chunk) buffer_.shrink_to_fit();
    phase_ = Phase::idle;
    arm_timer(clock::now() + context_->idle_timeout);
  } else {
    auto scan =
        scan_head(std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size()), context_->limits);
    if (phase_ != Phase::head) {
      phase_ = Phase::head;
      first_byte_ = clock::now();
      arm_timer(first_byte_ + context_->read_timeout);
    }
    if (scan.state != HeadScan::State::need_more) return on_head(std::move(scan));
  }
  socket_.async_read_some(buffer_.prepare(read_chunk),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (ec) {
    // A client that stopped mid-request gets 408; one idle at the timeout, or gone, is closed.
    if (timed_out_ && phase_ == Phase::head) return refuse(408, "the request head did not arrive in time");
    return close();
  }
  buffer_.commit(n);
  if (phase_ == Phase::idle) {
    phase_ = Phase::head;
    first_byte_ = clock::now();
    arm_timer(first_byte_ + context_->read_timeout);
  }
  auto scan =
      scan_head(std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size()), context_->limits);
  if (scan.state == HeadScan::State::need_more) {
    socket_.async_read_some(buffer_.prepare(read_chunk),
                            [self = shared_from_this()](const error_code& e, std::size_t m) { self->on_read(e, m); });
    return;
  }
  on_head(std::move(scan));
}

void Connection::on_head(HeadScan scan) {
  if (scan.state == HeadScan::State::bad) return refuse(scan.error.status, scan.error.detail);
  auto meaning = interpret_head(scan.head, context_->limits);
  request_.fields = std::move(scan.head.fields);  // from here answers carry the client's correlation id
  if (auto* error = std::get_if<FramingError>(&meaning)) return refuse(error->status, error->detail);
  meaning_ = std::get<HeadMeaning>(std::move(meaning));
  request_.method = std::move(scan.head.method);
  request_.path = meaning_.path;
  request_.query = meaning_.query;
  request_.version = scan.head.version;
  request_.keep_alive = meaning_.keep_alive;

  if (meaning_.body.kind != BodyFraming::Kind::none) {
    // A body is announced: let the handler refuse from the head alone (route, token, type), so
    // that nobody can make the server buffer a body before it knows who is asking.
    if (auto refusal = context_->handler->screen(request_))
      return refuse(refusal->problem.status, refusal->problem.detail, refusal->headers);
    if (meaning_.body.kind == BodyFraming::Kind::length && meaning_.body.length > context_->limits.max_body_bytes)
      return refuse(413, "the body is larger than 64 KiB");
  }

  buffer_.consume(scan.skipped);  // leading empty lines
  if (meaning_.body.kind == BodyFraming::Kind::none) {
    buffer_.consume(scan.length);
    request_.received_at = clock::now();
    return dispatch();
  }

  // Beast's parser takes over for the body (Content-Length or chunked): give it the head.
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_->limits.max_head_bytes + 1024));
  parser_->body_limit(context_->limits.max_body_bytes);
  error_code ec;
  const auto used = parser_->put(net::buffer(buffer_.data().data(), scan.length), ec);
  if (ec || !parser_->is_header_done() || used != scan.length)
    return refuse(400, "the request head could not be parsed: " + ec.message());
  buffer_.consume(used);
  if (meaning_.expect_continue) {
    phase_ = Phase::body;
    out_ = "HTTP/1.1 100 Continue\r\n\r\n";
    net::async_write(socket_, net::buffer(out_), [self = shared_from_this()](const error_code& e, std::size_t) {
      if (e) return self->close();
      self->read_body();
    });
    return;
  }
  read_body();
}

void Connection::read_body() {
  phase_ = Phase::body;
  bhttp::async_read(socket_, buffer_, *parser_,
                    [self = shared_from_this()](const error_code& ec, std::size_t) { self->on_body(ec); });
}

void Connection::on_body(const error_code& ec) {
  if (ec) {
    if (timed_out_) return refuse(408, "the request body did not arrive in time");
    if (ec == bhttp::error::body_limit) return refuse(413, "the body is larger than 64 KiB");
    if (ec == bhttp::error::bad_chunk || ec == bhttp::error::bad_chunk_extension ||
        ec == bhttp::error::bad_content_length || ec == bhttp::error::bad_transfer_encoding)
      return refuse(400, "the body's framing is malformed: " + ec.message());
    return close();  // the client went away mid-body
  }
  request_.body = std::move(parser_->get().body());
  parser_.reset();
  request_.received_at = clock::now();
  dispatch();
}

// The request is whole: hand it over. Nothing is read meanwhile and no timer runs: the answer
// comes by the request's deadline from the handler (an exchange never leaves it unanswered).
void Connection::dispatch() {
  phase_ = Phase::handling;
  error_code ignored;
  timer_.cancel(ignored);
  auto exchange = std::make_shared<Exchange>(shared_from_this(), correlation_id(), context_->state);
  head_request_ = request_.is_head();  // request_ is handed over below
  context_->handler->handle(std::move(request_), std::move(exchange));
}

void Connection::deliver(Answer answer) {
  net::post(socket_.get_executor(), [self = shared_from_this(), answer = std::move(answer)]() mutable {
    self->write_answer(std::move(answer));
  });
}

void Connection::write_answer(Answer answer) {
  if (phase_ != Phase::handling) return;  // closed meanwhile (shutdown): nobody to tell
  const bool keep_alive = meaning_.keep_alive && !answer.close && !close_requested_;
  out_ = serialize_answer(answer, head_request_, keep_alive, current_date());
  phase_ = Phase::writing;
  arm_timer(clock::now() + context_->read_timeout);
  net::async_write(
      socket_, net::buffer(out_),
      [self = shared_from_this(), keep_alive](const error_code& ec, std::size_t) { self->on_written(ec, keep_alive); });
}

void Connection::on_written(const error_code& ec, bool keep_alive) {
  if (ec) return close();
  if (!keep_alive) return linger();
  out_.clear();
  out_.shrink_to_fit();
  phase_ = Phase::idle;
  read_head();
}

// A framing error (or a refusal from the head): answer with problem details, then close,
// because the rest of the bytes on this connection cannot be trusted to start a request.
void Connection::refuse(int status, std::string detail, Headers extra) {
  if (context_->state->metrics) context_->state->metrics->http_request("-", "framing", status, 0.0);
  const auto id = correlation_id();
  Answer a;
  a.status = status;
  a.headers = {{"X-Correlation-ID", id}, {"Content-Type", "application/problem+json"}};
  for (auto& h : extra) a.headers.push_back(std::move(h));
  if (status == 503) a.headers.emplace_back("Retry-After", "1");
  a.body = problem_body(Problem{status, std::move(detail), ""}, id);
  const bool head = request_.is_head();
  write_and_close(serialize_answer(a, head, false, current_date()));
}

void Connection::write_and_close(std::string bytes) {
  parser_.reset();
  out_ = std::move(bytes);
  phase_ = Phase::writing;
  arm_timer(clock::now() + context_->read_timeout);
  net::async_write(socket_, net::buffer(out_), [self = shared_from_this()](const error_code& ec, std::size_t) {
    if (ec) return self->close();
    self->linger();
  });
}

// Closing with unread bytes would make the kernel send RST, which can destroy the answer just
// written before the client reads it: stop sending, read (and drop) what the client still
// sends for a short while, then close.
void Connection::linger() {
  phase_ = Phase::lingering;
  error_code ignored;
  socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  buffer_.clear();
  arm_timer(clock::now() + linger_time);
  linger_read();
}

void Connection::linger_read() {
  socket_.async_read_some(net::buffer(discard_), [self = shared_from_this()](const error_code& ec, std::size_t n) {
    self->discarded_ += n;
    if (ec || self->discarded_ > linger_max_bytes) return self->close();
    self->linger_read();
  });
}

void Connection::close() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  error_code ignored;
  timer_.cancel(ignored);
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  buffer_.clear();
  buffer_.shrink_to_fit();
}

}  // namespace tasks::http
