#include "tests/hostile/hostile_run.hpp"

#include <deque>
#include <memory>
#include <queue>
#include <random>
#include <sstream>
#include <unordered_map>

#include "tests/hostile/answer_check.hpp"
#include "tests/hostile/epoll.hpp"
#include "tests/hostile/response_parser.hpp"
#include "tests/hostile/socket.hpp"

namespace tasks::hostile {

namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Micros = std::chrono::microseconds;

enum class Mode { sequential, pipelined, staggered };
enum class Hangup { none, fin_after_write, rst_after_write, fin_mid_request, rst_mid_request };

struct Pending {
  SentRequest request;
  TimePoint sent_at;
};

struct Conn {
  std::uint64_t serial = 0;
  Socket socket;
  int user = 0;
  std::string prefix;  // of every correlation id this connection sends
  Mode mode = Mode::sequential;
  int planned = 1;  // requests it will send in all
  int queued = 0;   // requests handed to the socket so far
  int depth = 1;    // staggered: unanswered requests allowed at once
  int hangup_at = -1;
  Hangup hangup = Hangup::none;
  Micros hangup_delay{0};
  bool connecting = true;
  bool waiting_to_start = false;   // a silent start: connected, no request yet
  bool hangup_queued = false;      // the request it hangs up at is queued
  bool hangup_scheduled = false;   // out of epoll, waiting for the hang-up moment
  bool server_will_close = false;  // an answer said Connection: close
  bool issue_timer_armed = false;
  std::uint32_t events = 0;
  std::string out;
  std::deque<Pending> pending;
  ResponseParser parser;
};

enum class TimerKind { start, issue, hangup };

struct Timer {
  TimePoint at;
  std::uint64_t serial = 0;
  TimerKind kind = TimerKind::start;
  bool operator>(const Timer& other) const { return at > other.at; }
};

class Run {
 public:
  explicit Run(const HostileOptions& options) : o_(options), tasks_of_user_(options.users.size()), rng_(options.seed) {}

  HostileCounters go();

 private:
  Conn* find(std::uint64_t serial) {
    const auto it = conns_.find(serial);
    return it == conns_.end() ? nullptr : it->second.get();
  }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  void log(const std::string& line) {
    if (o_.log) o_.log(line);
  }

  void open_connection();
  void erase(Conn& conn);
  void on_event(std::uint64_t serial, std::uint32_t events);
  void issue(Conn& conn);
  void queue_one(Conn& conn);
  SentRequest next_request(Conn& conn, int index);
  std::string bytes_of(const SentRequest& request, const Conn& conn) const;
  void flush(Conn& conn);
  void read_answers(Conn& conn);
  bool take_answer(Conn& conn, const Response& answer);
  void server_gone(Conn& conn, const std::string& why);
  void anomaly(Conn& conn, std::uint64_t& counter, const std::string& detail);
  void hang_up(Conn& conn);
  void update_interest(Conn& conn);
  void check_hangs(TimePoint now);
  void fire_timers(TimePoint now);

  const HostileOptions& o_;
  HostileCounters c_;
  Epoll epoll_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Conn>> conns_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::vector<std::vector<std::string>> tasks_of_user_;  // ids of tasks created, most recent kept
  std::mt19937_64 rng_;
  std::uint64_t next_serial_ = 1;
  bool stopping_ = false;
  // Lines logged per kind of anomaly: every misrouted answer (up to a bound), a few of the rest.
  std::map<const std::uint64_t*, int> logged_;
  bool worth_logging(const std::uint64_t& counter) {
    const bool misrouting = &counter == &c_.misrouted || &counter == &c_.foreign_data || &counter == &c_.unsolicited;
    return logged_[&counter]++ < (misrouting ? 200 : 10);
  }
};

void Run::open_connection() {
  auto conn = std::make_unique<Conn>();
  conn->serial = next_serial_++;
  conn->socket = Socket::connect_to(o_.port);
  ++c_.connections_opened;
  if (!conn->socket.is_open()) {
    ++c_.connect_failures;
    return;
  }
  conn->user = uniform(0, static_cast<int>(o_.users.size()) - 1);
  conn->prefix = "h" + std::to_string(o_.seed % 100000) + "c" + std::to_string(conn->serial) + "r";
  const int mode = uniform(0, 99);
  conn->mode = mode < o_.pipelined_percent                          ? Mode::pipelined
               : mode < o_.pipelined_percent + o_.staggered_percent ? Mode::staggered
                                                                    : Mode::sequential;
  conn->depth = uniform(2, 3);
  conn->planned = uniform(1, 40);
  if (chance(o_.abandon_share)) {
    conn->hangup_at = uniform(0, conn->planned - 1);
    const int how = uniform(0, 9);
    conn->hangup = how < 4   ? Hangup::fin_after_write
                   : how < 8 ? Hangup::rst_after_write
                   : how < 9 ? Hangup::fin_mid_request
                             : Hangup::rst_mid_request;
    // Right away, or while the request is with the actors, or after its answer has arrived.
    conn->hangup_delay = Micros(chance(0.3) ? 0 : uniform(0, 30'000));
  }
  conn->events = EPOLLOUT;
  epoll_.add(conn->socket.fd(), conn->events, conn->serial);
  conns_.emplace(conn->serial, std::move(conn));
}

void Run::erase(Conn& conn) {
  if (conn.socket.is_open() && !conn.hangup_scheduled) epoll_.remove(conn.socket.fd());
  conns_.erase(conn.serial);
}

SentRequest Run::next_request(Conn& conn, int index) {
  SentRequest r;
  r.user = o_.users[static_cast<std::size_t>(conn.user)].first;
  r.correlation_id = conn.prefix + std::to_string(index);
  auto& tasks = tasks_of_user_[static_cast<std::size_t>(conn.user)];
  const int pick = uniform(0, 99);
  r.kind = pick < 30   ? RequestKind::healthz
           : pick < 55 ? RequestKind::get
           : pick < 70 ? RequestKind::list
           : pick < 82 ? RequestKind::create
           : pick < 92 ? RequestKind::patch
                       : RequestKind::complete;
  const bool needs_task = r.kind == RequestKind::get || r.kind == RequestKind::patch || r.kind == RequestKind::complete;
  if (needs_task && tasks.empty()) r.kind = RequestKind::create;
  if (needs_task && !tasks.empty()) r.task_id = tasks[static_cast<std::size_t>(uniform(0, int(tasks.size()) - 1))];
  if (r.kind == RequestKind::create) r.marker = "t " + r.correlation_id;
  if (r.kind == RequestKind::patch) r.marker = r.correlation_id;
  return r;
}

std::string Run::bytes_of(const SentRequest& r, const Conn& conn) const {
  std::string method = "GET", path, body;
  switch (r.kind) {
    case RequestKind::healthz: path = "/healthz"; break;
    case RequestKind::get: path = "/api/v1/tasks/" + r.task_id; break;
    case RequestKind::list: path = "/api/v1/tasks?limit=3"; break;
    case RequestKind::create:
      method = "POST";
      path = "/api/v1/tasks";
      body = "{\"title\":\"" + r.marker + "\"}";
      break;
    case RequestKind::patch:
      method = "PATCH";
      path = "/api/v1/tasks/" + r.task_id;
      body = "{\"description\":\"" + r.marker + "\"}";
      break;
    case RequestKind::complete:
      method = "POST";
      path = "/api/v1/tasks/" + r.task_id + "/complete";
      break;
  }
  std::string b = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(o_.port) + "\r\n";
  if (r.kind != RequestKind::healthz)
    b += "Authorization: Bearer " + o_.users[static_cast<std::size_t>(conn.user)].second + "\r\n";
  b += "X-Correlation-ID: " + r.correlation_id + "\r\n";
  if (method != "GET") {
    if (!body.empty()) b += "Content-Type: application/json\r\n";
    b += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  b += "\r\n";
  b += body;
  return b;
}

void Run::queue_one(Conn& conn) {
  const int index = conn.queued++;
  const SentRequest r = next_request(conn, index);
  const std::string bytes = bytes_of(r, conn);
  if (index == conn.hangup_at) {
    conn.hangup_queued = true;
    if (conn.hangup == Hangup::fin_mid_request || conn.hangup == Hangup::rst_mid_request) {
      conn.out += bytes.substr(0, static_cast<std::size_t>(uniform(1, static_cast<int>(bytes.size()) - 1)));
      return;  // never sent whole: not a request
    }
  }
  if (conn.mode == Mode::staggered && !conn.pending.empty()) ++c_.staggered_requests;
  conn.out += bytes;
  conn.pending.push_back({r, Clock::now()});
  ++c_.requests;
  if (o_.request_target > 0 && c_.requests >= o_.request_target) stopping_ = true;
}

void Run::issue(Conn& conn) {
  if (stopping_ || conn.connecting || conn.waiting_to_start || conn.hangup_queued || conn.server_will_close) {
    if (conn.pending.empty() && conn.out.empty() && !conn.hangup_queued && !conn.connecting &&
        (stopping_ || conn.server_will_close)) {
      conn.socket.close();  // nothing awaited: a polite close (FIN)
      erase(conn);
    }
    return;
  }
  if (conn.queued >= conn.planned) {
    if (conn.pending.empty() && conn.out.empty()) {
      conn.socket.close();
      erase(conn);
    }
    return;
  }
  switch (conn.mode) {
    case Mode::sequential:
      if (!conn.pending.empty() || !conn.out.empty()) return;
      queue_one(conn);
      break;
    case Mode::pipelined: {
      if (!conn.pending.empty() || !conn.out.empty()) return;
      const int batch = uniform(2, 4);
      int whole = 0;
      for (int i = 0; i < batch && conn.queued < conn.planned && !conn.hangup_queued; ++i) {
        const auto before = conn.pending.size();
        queue_one(conn);
        if (conn.pending.size() > before) ++whole;
      }
      if (whole >= 2) ++c_.pipelined_writes;
      break;
    }
    case Mode::staggered:
      if (static_cast<int>(conn.pending.size()) >= conn.depth) return;
      queue_one(conn);
      if (static_cast<int>(conn.pending.size()) < conn.depth && conn.queued < conn.planned && !conn.hangup_queued &&
          !conn.issue_timer_armed) {
        conn.issue_timer_armed = true;
        timers_.push({Clock::now() + Micros(uniform(200, 3000)), conn.serial, TimerKind::issue});
      }
      break;
  }
  flush(conn);
}

void Run::flush(Conn& conn) {
  if (!conn.out.empty() && conn.socket.write_pending(conn.out) == Io::failed) {
    server_gone(conn, "write: " + conn.socket.error_text());
    return;
  }
  if (conn.out.empty() && conn.hangup_queued && !conn.hangup_scheduled) {
    // From here on nothing is read: the answers to what is pending are abandoned.
    epoll_.remove(conn.socket.fd());
    conn.hangup_scheduled = true;
    c_.abandoned_requests += conn.pending.size();
    conn.pending.clear();
    timers_.push({Clock::now() + conn.hangup_delay, conn.serial, TimerKind::hangup});
    return;
  }
  update_interest(conn);
}

void Run::hang_up(Conn& conn) {
  ++c_.abandoned_connections;
  switch (conn.hangup) {
    case Hangup::fin_after_write:
      ++c_.abandoned_with_fin;
      conn.socket.close_with_fin();
      break;
    case Hangup::rst_after_write:
      ++c_.abandoned_with_rst;
      conn.socket.close_with_rst();
      break;
    case Hangup::fin_mid_request:
      ++c_.abandoned_mid_request;
      conn.socket.close_with_fin();
      break;
    case Hangup::rst_mid_request:
      ++c_.abandoned_mid_request;
      conn.socket.close_with_rst();
      break;
    case Hangup::none: conn.socket.close(); break;
  }
  conns_.erase(conn.serial);
}

void Run::update_interest(Conn& conn) {
  const std::uint32_t wanted = EPOLLIN | (conn.out.empty() ? 0u : static_cast<std::uint32_t>(EPOLLOUT));
  if (wanted != conn.events) {
    conn.events = wanted;
    epoll_.modify(conn.socket.fd(), wanted, conn.serial);
  }
}

void Run::anomaly(Conn& conn, std::uint64_t& counter, const std::string& detail) {
  ++counter;
  if (worth_logging(counter))
    log("anomaly on connection " + std::to_string(conn.serial) + " (user " +
        o_.users[static_cast<std::size_t>(conn.user)].first + "): " + detail);
  c_.discarded_after_anomaly += conn.pending.size();
  conn.socket.close_with_rst();  // the stream cannot be trusted any more
  erase(conn);
}

void Run::server_gone(Conn& conn, const std::string& why) {
  if (!conn.pending.empty()) {
    if (conn.server_will_close) {
      c_.closed_after_close_header += conn.pending.size();
    } else {
      c_.dropped += conn.pending.size();
      if (worth_logging(c_.dropped))
        log("server closed connection " + std::to_string(conn.serial) + " (" + why + ") with " +
            std::to_string(conn.pending.size()) + " request(s) unanswered, oldest '" +
            conn.pending.front().request.correlation_id + "' (" + to_string(conn.pending.front().request.kind) + ")");
    }
  }
  conn.socket.close();
  erase(conn);
}

bool Run::take_answer(Conn& conn, const Response& answer) {
  const Pending p = std::move(conn.pending.front());
  conn.pending.pop_front();
  ++c_.answers;
  ++c_.statuses[answer.status];
  const Judgement j = judge_answer(answer, p.request, conn.prefix);
  switch (j.verdict) {
    case Verdict::ok: break;
    case Verdict::misrouted:
      if (!other_user_in(answer, p.request.user).empty()) ++c_.leaked_other_users_data;
      anomaly(conn, c_.misrouted, j.detail);
      return false;
    case Verdict::foreign_data: anomaly(conn, c_.foreign_data, j.detail); return false;
    case Verdict::out_of_order: anomaly(conn, c_.out_of_order, j.detail); return false;
    case Verdict::unexpected_status: anomaly(conn, c_.unexpected_status, j.detail); return false;
    case Verdict::no_correlation_id: anomaly(conn, c_.no_correlation_id, j.detail); return false;
    case Verdict::bad_error_body: anomaly(conn, c_.bad_error_body, j.detail); return false;
    case Verdict::bad_body: anomaly(conn, c_.bad_body, j.detail); return false;
  }
  if (!j.created_task_id.empty()) {
    auto& tasks = tasks_of_user_[static_cast<std::size_t>(conn.user)];
    if (tasks.size() >= 64) tasks.erase(tasks.begin());
    tasks.push_back(j.created_task_id);
  }
  if (answer.announces_close()) conn.server_will_close = true;
  return true;
}

void Run::read_answers(Conn& conn) {
  std::string chunk;
  const Io io = conn.socket.read_some(chunk);
  if (!chunk.empty()) conn.parser.feed(chunk);
  const bool gone = io == Io::closed || io == Io::failed;
  if (gone) conn.parser.finish();
  for (;;) {
    if (conn.pending.empty()) {
      if (conn.parser.has_buffered_bytes()) {
        std::string detail =
            "bytes with no request awaiting an answer: '" + std::string(conn.parser.buffered().substr(0, 160)) + "'";
        Response stray;
        if (conn.parser.next(stray) == ResponseParser::Result::complete) {
          const std::string leaked = other_user_in(stray, o_.users[static_cast<std::size_t>(conn.user)].first);
          if (!leaked.empty()) {
            ++c_.leaked_other_users_data;
            detail = "an answer for '" + stray.header("x-correlation-id") + "' carrying user " + leaked +
                     "'s data with no request awaiting an answer: '" + stray.body.substr(0, 160) + "'";
          }
        }
        anomaly(conn, c_.unsolicited, detail);
        return;
      }
      break;
    }
    Response answer;
    const auto result = conn.parser.next(answer);
    if (result == ResponseParser::Result::need_more) break;
    if (result == ResponseParser::Result::malformed) {
      anomaly(conn, c_.garbled, conn.parser.error());
      return;
    }
    if (!take_answer(conn, answer)) return;
  }
  if (gone) {
    server_gone(conn, io == Io::closed ? "EOF" : conn.socket.error_text());
    return;
  }
  issue(conn);
}

void Run::on_event(std::uint64_t serial, std::uint32_t events) {
  Conn* conn = find(serial);
  if (!conn || conn->hangup_scheduled) return;
  if (conn->connecting) {
    if (!conn->socket.connect_succeeded()) {
      ++c_.connect_failures;
      erase(*conn);
      return;
    }
    conn->connecting = false;
    update_interest(*conn);
    if (chance(0.1)) {
      // A silent start: nothing may arrive on it before its first request.
      conn->waiting_to_start = true;
      timers_.push({Clock::now() + Micros(uniform(5'000, 50'000)), serial, TimerKind::start});
      return;
    }
    issue(*conn);
    return;
  }
  if (events & EPOLLOUT) {
    flush(*conn);
    conn = find(serial);
    if (!conn || conn->hangup_scheduled) return;
  }
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_answers(*conn);
}

void Run::fire_timers(TimePoint now) {
  while (!timers_.empty() && timers_.top().at <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    Conn* conn = find(t.serial);
    if (!conn) continue;
    switch (t.kind) {
      case TimerKind::start:
        conn->waiting_to_start = false;
        issue(*conn);
        break;
      case TimerKind::issue:
        conn->issue_timer_armed = false;
        if (!conn->hangup_scheduled) issue(*conn);
        break;
      case TimerKind::hangup: hang_up(*conn); break;
    }
  }
}

void Run::check_hangs(TimePoint now) {
  std::vector<Conn*> hung;
  for (auto& [serial, conn] : conns_)
    if (!conn->pending.empty() && now - conn->pending.front().sent_at > o_.hang_after) hung.push_back(conn.get());
  for (Conn* conn : hung) {
    c_.hangs += conn->pending.size();
    if (worth_logging(c_.hangs))
      log("hang on connection " + std::to_string(conn->serial) + ": '" + conn->pending.front().request.correlation_id +
          "' (" + to_string(conn->pending.front().request.kind) + ") unanswered after " +
          std::to_string(o_.hang_after.count()) + " s, " + std::to_string(conn->pending.size()) +
          " request(s) pending, buffered '" + std::string(conn->parser.buffered().substr(0, 120)) + "'");
    conn->pending.clear();
    conn->socket.close_with_rst();
    erase(*conn);
  }
}

HostileCounters Run::go() {
  const TimePoint start = Clock::now();
  TimePoint stopped_at{};
  TimePoint next_check = start, next_progress = start + std::chrono::seconds(10);
  for (;;) {
    const TimePoint now = Clock::now();
    if (!stopping_ && now - start >= o_.max_duration) stopping_ = true;
    if (now >= next_check) {
      next_check = now + std::chrono::milliseconds(100);
      check_hangs(now);
      if (!c_.server_died && o_.server_alive && !o_.server_alive()) {
        c_.server_died = true;
        stopping_ = true;
        log("taskd is no longer running");
      }
    }
    if (stopping_ && stopped_at == TimePoint{}) stopped_at = now;
    if (stopping_) {
      // Nothing new: connections with nothing awaited close, the rest wait for their answers.
      std::vector<Conn*> idle;
      for (auto& [serial, conn] : conns_)
        if (!conn->hangup_scheduled && conn->pending.empty() && conn->out.empty()) idle.push_back(conn.get());
      for (Conn* conn : idle) {
        conn->socket.close();
        erase(*conn);
      }
      if (conns_.empty() && timers_.empty()) break;
      if (now - stopped_at > o_.hang_after + std::chrono::seconds(5)) break;
    } else {
      // Bounded per turn: a socket() or connect() that fails at once (EMFILE, ...) must not spin here.
      for (int i = 0; i < o_.connections && static_cast<int>(conns_.size()) < o_.connections; ++i) open_connection();
    }
    if (now >= next_progress) {
      next_progress = now + std::chrono::seconds(10);
      log("progress: " + std::to_string(c_.requests) + " requests, " + std::to_string(c_.answers) + " answers, " +
          std::to_string(c_.abandoned_connections) + " connections abandoned, " + std::to_string(c_.misrouted_all()) +
          " misrouted, " + std::to_string(c_.hangs) + " hangs");
    }
    fire_timers(now);
    int timeout_ms = 50;
    if (!timers_.empty()) {
      const auto until = std::chrono::duration_cast<std::chrono::milliseconds>(timers_.top().at - Clock::now());
      timeout_ms = static_cast<int>(std::clamp<long>(until.count(), 0, 50));
    }
    for (const auto& ev : epoll_.wait(timeout_ms)) on_event(ev.data.u64, ev.events);
  }
  // Whatever is still unanswered at the end was never answered.
  for (auto& [serial, conn] : conns_) c_.hangs += conn->pending.size();
  conns_.clear();
  c_.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return c_;
}

}  // namespace

HostileCounters run_hostile(const HostileOptions& options) {
  Run run(options);
  return run.go();
}

std::string describe(const HostileCounters& c) {
  std::ostringstream s;
  s << "hostile run: " << c.seconds << " s, " << c.connections_opened << " connections opened (" << c.connect_failures
    << " failed to connect)\n"
    << "  requests            " << c.requests << " (" << c.pipelined_writes << " pipelined writes, "
    << c.staggered_requests << " sent while an earlier one was unanswered)\n"
    << "  answers             " << c.answers << "\n"
    << "  abandoned           " << c.abandoned_connections << " connections (" << c.abandoned_with_fin << " FIN, "
    << c.abandoned_with_rst << " RST, " << c.abandoned_mid_request << " mid-request), " << c.abandoned_requests
    << " requests\n"
    << "  misrouted           " << c.misrouted_all() << " (" << c.misrouted << " another connection's id, "
    << c.foreign_data << " another user's/request's data, " << c.unsolicited << " on a connection awaiting nothing; "
    << c.leaked_other_users_data << " of them with another user's tasks)\n"
    << "  out of order        " << c.out_of_order << "\n"
    << "  unexpected status   " << c.unexpected_status << "\n"
    << "  no correlation id   " << c.no_correlation_id << "\n"
    << "  bad error body      " << c.bad_error_body << "\n"
    << "  bad body            " << c.bad_body << "\n"
    << "  garbled             " << c.garbled << "\n"
    << "  dropped             " << c.dropped << " (server closed with requests unanswered)\n"
    << "  hangs               " << c.hangs << "\n"
    << "  after close header  " << c.closed_after_close_header << "\n"
    << "  after an anomaly    " << c.discarded_after_anomaly << " (unanswered on connections closed for one)\n"
    << "  taskd died          " << (c.server_died ? "yes" : "no") << "\n"
    << "  statuses           ";
  for (const auto& [status, n] : c.statuses) s << " " << status << ":" << n;
  return s.str();
}

}  // namespace tasks::hostile
