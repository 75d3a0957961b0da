#include "persistence/outbox_notifications.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <set>
#include <vector>

#include "core/log.hpp"
#include "persistence/statements.hpp"

namespace tasks {

namespace {

constexpr int wake_ms = 200;  // how often the loop looks at its stop flag

}  // namespace

OutboxNotifications::OutboxNotifications(std::string conninfo,
                                         std::function<void(const std::vector<std::string>&)> on_topics)
    : conninfo_(std::move(conninfo)), on_topics_(std::move(on_topics)), thread_([this] { run(); }) {}

OutboxNotifications::~OutboxNotifications() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void OutboxNotifications::run() {
  bool warned = false;
  while (!stop_) {
    PGconn* conn = PQconnectdb(conninfo_.c_str());
    bool listening = PQstatus(conn) == CONNECTION_OK;
    if (listening) {
      PGresult* r = PQexec(conn, (std::string("LISTEN ") + detail::outbox_channel).c_str());
      listening = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (!listening) {
      if (!warned)
        log::warn("not listening for other replicas' commits; publishers find them by polling",
                  {{"error", std::string(PQerrorMessage(conn))}});
      warned = true;
      PQfinish(conn);
      // Again in a second, looking at the stop flag meanwhile.
      for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(wake_ms));
      continue;
    }
    if (warned) log::info("listening for other replicas' commits again");
    warned = false;
    while (!stop_) {
      pollfd fd{PQsocket(conn), POLLIN, 0};
      if (::poll(&fd, 1, wake_ms) < 0) continue;
      if (!PQconsumeInput(conn)) break;  // the connection is gone: connect again
      std::set<std::string> topics;
      while (PGnotify* n = PQnotifies(conn)) {
        topics.insert(n->extra);
        ++received_;
        PQfreemem(n);
      }
      if (!topics.empty()) on_topics_({topics.begin(), topics.end()});
    }
    PQfinish(conn);
  }
}

}  // namespace tasks
