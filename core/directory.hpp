#pragma once

// The current handle of every actor that a supervisor may replace. The HTTP threads read it on
// each request; the supervisor writes it after a restart. Cleared before shutdown, because a
// handle held past the actor system's life deadlocks it.

#include <map>
#include <mutex>
#include <string>

#include "core/protocol.hpp"

namespace tasks {

class ActorDirectory {
 public:
  registry_actor registry() const {
    std::lock_guard lock(mutex_);
    return registry_;
  }
  persistence_actor persistence() const {
    std::lock_guard lock(mutex_);
    return persistence_;
  }
  void set(registry_actor r) {
    std::lock_guard lock(mutex_);
    registry_ = std::move(r);
  }
  void set(persistence_actor p) {
    std::lock_guard lock(mutex_);
    persistence_ = std::move(p);
  }
  // The outbox reader that serves operators' views (/metrics, /admin/outbox, dead letters).
  outbox_reader_actor outbox_reader() const {
    std::lock_guard lock(mutex_);
    return outbox_reader_;
  }
  void set(outbox_reader_actor r) {
    std::lock_guard lock(mutex_);
    outbox_reader_ = std::move(r);
  }
  task_reader_actor reader() const {
    std::lock_guard lock(mutex_);
    return reader_;
  }
  void set(task_reader_actor r) {
    std::lock_guard lock(mutex_);
    reader_ = std::move(r);
  }
  supervisor_actor supervisor() const {
    std::lock_guard lock(mutex_);
    return supervisor_;
  }
  void set(supervisor_actor s) {
    std::lock_guard lock(mutex_);
    supervisor_ = std::move(s);
  }
  lease_keeper_actor lease_keeper() const {
    std::lock_guard lock(mutex_);
    return lease_keeper_;
  }
  void set(lease_keeper_actor k) {
    std::lock_guard lock(mutex_);
    lease_keeper_ = std::move(k);
  }
  std::map<std::string, publisher_actor> publishers() const {
    std::lock_guard lock(mutex_);
    return publishers_;
  }
  void set(const std::string& topic, publisher_actor p) {
    std::lock_guard lock(mutex_);
    publishers_[topic] = std::move(p);
  }
  void clear() {
    std::lock_guard lock(mutex_);
    registry_ = nullptr;
    persistence_ = nullptr;
    reader_ = nullptr;
    outbox_reader_ = nullptr;
    supervisor_ = nullptr;
    lease_keeper_ = nullptr;
    publishers_.clear();
  }

 private:
  mutable std::mutex mutex_;
  registry_actor registry_;
  persistence_actor persistence_;
  task_reader_actor reader_;
  outbox_reader_actor outbox_reader_;
  supervisor_actor supervisor_;
  lease_keeper_actor lease_keeper_;
  std::map<std::string, publisher_actor> publishers_;  // topic -> its publisher
};

}  // namespace tasks
