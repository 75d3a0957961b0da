#include "tests/hostile/closed_loop.hpp"

#include <memory>
#include <sstream>
#include <unordered_map>

#include "tests/hostile/epoll.hpp"
#include "tests/hostile/socket.hpp"

namespace tasks::hostile {

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  int index = 0;
  Socket socket;
  ResponseParser parser;
  bool connecting = true;
  bool awaiting = false;
  bool reconnect_after = false;
  std::string out;
  Clock::time_point sent_at{};
  std::uint32_t events = 0;
};

class Loop {
 public:
  explicit Loop(const ClosedLoopOptions& options) : o_(options) {}

  ClosedLoopResult go() {
    const auto start = Clock::now();
    const auto stop_at = start + o_.duration;
    for (int i = 0; i < o_.connections; ++i) open(i);
    for (;;) {
      const auto now = Clock::now();
      stopping_ = now >= stop_at;
      if (stopping_) {
        bool any_awaiting = false;
        for (auto& [key, c] : clients_) any_awaiting = any_awaiting || c->awaiting;
        if (!any_awaiting || now > stop_at + o_.answer_within) break;
      }
      std::vector<std::uint64_t> late;
      for (auto& [key, c] : clients_)
        if (c->awaiting && now - c->sent_at > o_.answer_within) late.push_back(key);
      for (auto key : late) {
        ++r_.timeouts;
        note("no answer within " + std::to_string(o_.answer_within.count()) + " ms");
        replace(key);
      }
      for (const auto& ev : epoll_.wait(20)) on_event(ev.data.u64);
    }
    r_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    clients_.clear();
    return r_;
  }

 private:
  void note(const std::string& error) {
    if (r_.first_errors.size() < 20) r_.first_errors.push_back(error);
  }

  void open(int index) {
    auto c = std::make_unique<Client>();
    c->index = index;
    c->socket = Socket::connect_to(o_.port);
    if (!c->socket.is_open()) {
      ++r_.connect_failures;
      note("connect: " + c->socket.error_text());
      return;
    }
    const std::uint64_t key = next_key_++;
    c->events = EPOLLOUT;
    epoll_.add(c->socket.fd(), c->events, key);
    clients_.emplace(key, std::move(c));
  }

  void replace(std::uint64_t key) {
    const int index = clients_.at(key)->index;
    clients_.erase(key);
    if (!stopping_) open(index);
  }

  void send_next(std::uint64_t key, Client& c) {
    if (stopping_) return;
    c.out = o_.request(c.index, r_.requests++);
    c.awaiting = true;
    c.sent_at = Clock::now();
    flush(key, c);
  }

  void flush(std::uint64_t key, Client& c) {
    if (!c.out.empty() && c.socket.write_pending(c.out) == Io::failed) {
      ++r_.closed_with_pending;
      note("write: " + c.socket.error_text());
      replace(key);
      return;
    }
    const std::uint32_t wanted = EPOLLIN | (c.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
    if (wanted != c.events) {
      c.events = wanted;
      epoll_.modify(c.socket.fd(), wanted, key);
    }
  }

  void on_event(std::uint64_t key) {
    const auto it = clients_.find(key);
    if (it == clients_.end()) return;
    Client& c = *it->second;
    if (c.connecting) {
      if (!c.socket.connect_succeeded()) {
        ++r_.connect_failures;
        note("connect failed");
        replace(key);
        return;
      }
      c.connecting = false;
      send_next(key, c);
      return;
    }
    if (!c.out.empty()) {
      flush(key, c);
      if (!clients_.count(key)) return;
    }
    std::string chunk;
    const Io io = c.socket.read_some(chunk);
    c.parser.feed(chunk);
    const bool gone = io == Io::closed || io == Io::failed;
    if (gone) c.parser.finish();
    if (c.awaiting) {
      Response answer;
      const auto result = c.parser.next(answer);
      if (result == ResponseParser::Result::malformed) {
        ++r_.malformed;
        note("malformed: " + c.parser.error());
        replace(key);
        return;
      }
      if (result == ResponseParser::Result::complete) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - c.sent_at).count();
        c.awaiting = false;
        ++r_.answers;
        r_.latency_by_status[answer.status].add(ms);
        if (answer.status >= 400 && !answer.is_problem_json()) ++r_.errors_not_problem_json;
        if (answer.status == 503 && !answer.has_header("retry-after")) ++r_.retry_after_missing;
        if (o_.observe) o_.observe(answer, ms);
        if (answer.announces_close() || gone) {
          ++r_.reconnects;
          replace(key);
          return;
        }
        send_next(key, c);
        return;
      }
    } else if (!chunk.empty()) {
      ++r_.malformed;
      note("bytes with no request awaiting an answer: '" + chunk.substr(0, 80) + "'");
      replace(key);
      return;
    }
    if (gone) {
      if (c.awaiting) {
        ++r_.closed_with_pending;
        note(io == Io::closed ? "the server closed with a request unanswered"
                              : "reset with a request unanswered: " + c.socket.error_text());
      }
      replace(key);
    }
  }

  const ClosedLoopOptions& o_;
  ClosedLoopResult r_;
  Epoll epoll_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Client>> clients_;
  std::uint64_t next_key_ = 1;
  bool stopping_ = false;
};

}  // namespace

std::uint64_t ClosedLoopResult::count(int status) const {
  const auto it = latency_by_status.find(status);
  return it == latency_by_status.end() ? 0 : it->second.count();
}

std::uint64_t ClosedLoopResult::count_if(const std::function<bool(int)>& status_matches) const {
  std::uint64_t n = 0;
  for (const auto& [status, l] : latency_by_status)
    if (status_matches(status)) n += l.count();
  return n;
}

Latencies ClosedLoopResult::all_latencies() const {
  Latencies all;
  for (const auto& [status, l] : latency_by_status) all.add_all(l);
  return all;
}

ClosedLoopResult run_closed_loop(const ClosedLoopOptions& options) {
  Loop loop(options);
  return loop.go();
}

std::string describe(const ClosedLoopResult& r) {
  std::ostringstream s;
  s << r.requests << " requests, " << r.answers << " answers in " << r.seconds << " s;";
  for (const auto& [status, l] : r.latency_by_status)
    s << " " << status << ": " << l.count() << " (p50 " << l.percentile(50) << " ms, p99 " << l.percentile(99)
      << " ms, max " << l.max() << " ms);";
  s << " timeouts " << r.timeouts << ", connect failures " << r.connect_failures << ", closed with pending "
    << r.closed_with_pending << ", malformed " << r.malformed << ", reconnects " << r.reconnects
    << ", error bodies not problem+json " << r.errors_not_problem_json << ", 503 without Retry-After "
    << r.retry_after_missing;
  for (const auto& e : r.first_errors) s << "\n    " << e;
  return s.str();
}

}  // namespace tasks::hostile
