#pragma once

// Cross-replica nudges (PostgreSQL only): a commit with events notifies the `tasks_outbox`
// channel with each topic it wrote (persistence/store.cpp), and every replica listens here, on a
// libpq connection of its own, so that the replica holding a user's bucket sends at once what
// another replica committed, instead of at its next poll. Notifications are only a hint: one
// lost while the connection was down is made up by the publishers' polling.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace tasks {

class OutboxNotifications {
 public:
  // `conninfo`: a libpq connection string (DbTarget::connect). `on_topics` hears the topics
  // notified since its last call, each once, on the listener's thread.
  OutboxNotifications(std::string conninfo, std::function<void(const std::vector<std::string>&)> on_topics);
  ~OutboxNotifications();  // stops listening and joins
  OutboxNotifications(const OutboxNotifications&) = delete;
  OutboxNotifications& operator=(const OutboxNotifications&) = delete;

  std::uint64_t received() const { return received_; }

 private:
  void run();

  std::string conninfo_;
  std::function<void(const std::vector<std::string>&)> on_topics_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> received_{0};
  std::thread thread_;
};

}  // namespace tasks
