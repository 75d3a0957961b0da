#include "tests/hostile/slowloris.hpp"

#include <sstream>

#include "tests/hostile/epoll.hpp"
#include "tests/hostile/response_parser.hpp"
#include "tests/hostile/socket.hpp"

namespace tasks::hostile {

namespace {

using Clock = std::chrono::steady_clock;

struct Slow {
  Socket socket;
  ResponseParser parser;
  bool connecting = true;
  bool done = false;  // closed by the server (or failed)
  std::size_t sent = 0;
  Clock::time_point first_byte_at{};
  Clock::time_point next_byte_at{};
};

}  // namespace

SlowlorisResult run_slowloris(const SlowlorisOptions& o) {
  SlowlorisResult r;
  Epoll epoll;
  std::vector<Slow> conns(static_cast<std::size_t>(o.connections));
  const auto start = Clock::now();
  const auto give_up = start + o.give_up_after;
  for (std::size_t i = 0; i < conns.size(); ++i) {
    auto& c = conns[i];
    c.socket = Socket::connect_to(o.port);
    if (!c.socket.is_open()) {
      ++r.connect_failures;
      c.done = true;
      continue;
    }
    c.next_byte_at = start + o.byte_every * static_cast<long>(i) / static_cast<long>(conns.size());
    epoll.add(c.socket.fd(), EPOLLIN | EPOLLOUT, i);
  }

  auto closed = [&](Slow& c, Clock::time_point when) {
    c.done = true;
    ++r.closed_by_server;
    if (c.sent > 0) r.closed_after_ms.add(std::chrono::duration<double, std::milli>(when - c.first_byte_at).count());
    c.socket.close();
  };

  for (;;) {
    const auto now = Clock::now();
    if (now >= give_up) break;
    bool any_open = false;
    for (auto& c : conns) {
      if (c.done) continue;
      any_open = true;
      if (c.connecting || now < c.next_byte_at) continue;
      if (c.sent >= o.head.size()) {
        ++r.finished_head;
        c.done = true;
        c.socket.close();
        continue;
      }
      std::size_t written = 0;
      const Io io = c.socket.write_some(std::string_view(o.head).substr(c.sent, 1), written);
      if (io == Io::failed) {
        closed(c, now);
        continue;
      }
      if (written == 1) {
        if (c.sent == 0) c.first_byte_at = now;
        ++c.sent;
        c.next_byte_at += o.byte_every;
      }
    }
    if (!any_open) break;
    for (const auto& ev : epoll.wait(5)) {
      auto& c = conns[ev.data.u64];
      if (c.done) continue;
      if (c.connecting) {
        if (!(ev.events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) continue;
        if (!c.socket.connect_succeeded()) {
          ++r.connect_failures;
          c.done = true;
          c.socket.close();
          continue;
        }
        c.connecting = false;
        ++r.connected;
        epoll.modify(c.socket.fd(), EPOLLIN, ev.data.u64);
        continue;
      }
      std::string chunk;
      const Io io = c.socket.read_some(chunk);
      c.parser.feed(chunk);
      const bool gone = io == Io::closed || io == Io::failed;
      if (gone) c.parser.finish();
      for (;;) {
        Response answer;
        const auto result = c.parser.next(answer);
        if (result == ResponseParser::Result::need_more) break;
        if (result == ResponseParser::Result::malformed) {
          ++r.malformed;
          if (r.notes.size() < 10) r.notes.push_back("malformed: " + c.parser.error());
          break;
        }
        ++r.statuses[answer.status];
        if (answer.status >= 400 && !answer.is_problem_json()) ++r.answers_not_problem_json;
      }
      if (gone) closed(c, Clock::now());
    }
  }
  for (auto& c : conns)
    if (!c.done) ++r.still_open;
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

std::string describe(const SlowlorisResult& r) {
  std::ostringstream s;
  s << "slowloris: " << r.connected << " connected (" << r.connect_failures << " failed), " << r.closed_by_server
    << " closed by the server, " << r.still_open << " still open after " << r.seconds << " s, " << r.finished_head
    << " finished their head; closed after first byte: min " << r.closed_after_ms.percentile(0) << " ms, p50 "
    << r.closed_after_ms.percentile(50) << " ms, max " << r.closed_after_ms.max() << " ms; answers:";
  for (const auto& [status, n] : r.statuses) s << " " << status << ":" << n;
  s << " (" << r.answers_not_problem_json << " not problem+json, " << r.malformed << " malformed)";
  for (const auto& n : r.notes) s << "\n    " << n;
  return s.str();
}

}  // namespace tasks::hostile
