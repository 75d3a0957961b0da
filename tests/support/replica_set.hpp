#pragma once

// Several taskd processes that are meant to be one service: one database URL, one sidecar
// endpoint, each with a replica id of its own (TASKS_REPLICA_ID "r1", "r2", ...; a replica started
// again in a slot gets the next unused id, as a new pod would). Slots are what tests address:
// kill one hard, stop one with SIGTERM, start a fresh one in its place. The live replicas' base
// URLs can be read from any thread (the load driver asks before every request).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/support/taskd_process.hpp"

namespace tasks::testing {

struct ReplicaSetOptions {
  std::string db_url;                      // TASKS_DB of every replica
  std::string sidecar_endpoint;            // DAPR_HTTP_ENDPOINT of every replica
  std::map<std::string, std::string> env;  // on top, for every replica
  size_t replicas = 3;
};

class ReplicaSet {
 public:
  explicit ReplicaSet(ReplicaSetOptions options);  // starts every slot, each waited on until ready
  ~ReplicaSet();                                   // SIGTERM to those still running
  ReplicaSet(const ReplicaSet&) = delete;
  ReplicaSet& operator=(const ReplicaSet&) = delete;

  size_t size() const { return slots_.size(); }
  std::string id(size_t slot) const;  // the replica id last started in the slot
  bool live(size_t slot) const;
  TaskdProcess& process(size_t slot);  // the slot's current (or last) process
  std::string base_url(size_t slot) const;
  std::string admin_url(size_t slot) const;
  const std::string& jwt_secret() const { return secret_; }

  // Of the live replicas, in slot order; safe from any thread.
  std::vector<std::string> live_ids() const;
  std::vector<std::string> endpoints() const;  // their public base URLs
  std::vector<std::string> admin_urls() const;

  // SIGKILL: no drain, no release; its leases expire on their own.
  void kill_hard(size_t slot);
  // SIGTERM: it drains and releases its leases; returns the exit status.
  int terminate(size_t slot);
  // A fresh replica in an empty slot (new id unless one is given), waited on until ready.
  void start(size_t slot, std::string replica_id = "");

  // Every replica's id and log tails, for a failure message.
  std::string describe() const;

 private:
  struct Slot {
    std::string id;
    std::unique_ptr<TaskdProcess> process;
    bool live = false;
    std::string base_url, admin_url;
  };

  ReplicaSetOptions options_;
  std::string secret_;
  mutable std::mutex mutex_;  // guards the slots' ids, flags and URLs (not the processes)
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<TaskdProcess>> retired_;  // stopped processes, kept for their logs
  int last_id_ = 0;
};

}  // namespace tasks::testing
