#pragma once

// Direct reads (and test-only writes) of the service's database, to check what really landed.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace tasks::testing {

struct PeekEvent {
  long long id = 0;
  std::string topic, event_id, event_type, partition_key, task_id, correlation_id, traceparent;
  nlohmann::json payload;
};

// A task row as stored (due_date in Unix milliseconds, when set).
struct PeekTask {
  std::string id, user_id, title;
  bool completed = false;
  bool has_due = false;
  long long due_date = 0;
  long long version = 0;
};

class DbPeek {
 public:
  explicit DbPeek(const std::string& tasks_db_url);
  ~DbPeek();

  bool is_sqlite() const { return sqlite_; }

  // The outbox rows whose partition key is `user`, in commit (id) order.
  std::vector<PeekEvent> outbox(const std::string& user);
  // The tasks of `user`, in creation order.
  std::vector<PeekTask> tasks(const std::string& user);
  long long count(const std::string& sql);
  void exec(const std::string& sql);

  // A trigger that makes any outbox insert whose payload contains `marker` fail.
  void install_failing_trigger(const std::string& marker);

 private:
  bool sqlite_ = true;
  std::unique_ptr<soci::session> sql_;
};

}  // namespace tasks::testing
