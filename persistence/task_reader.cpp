#include "persistence/task_reader.hpp"

#include "core/log.hpp"
#include "core/time.hpp"

namespace tasks {

namespace {

struct task_reader_state {
  DbTarget target;
  StoreOptions options;
  std::unique_ptr<Store> store;  // opened at the first read, and again after it failed to open
  std::uint64_t loads = 0, lists = 0, key_lookups = 0, pings = 0, expired = 0, unavailable = 0;
  double read_seconds = 0;
  std::string last_error;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  static inline const char* name = "task-reader";
};

using self_ptr = task_reader_actor::stateful_pointer<task_reader_state>;

// The store, opening it first when needed; null (and the reason recorded) when it cannot be.
Store* store_of(self_ptr self) {
  auto& st = self->state;
  if (!st.store) {
    try {
      st.store = std::make_unique<Store>(st.target, st.options);
    } catch (const StoreError& e) {
      st.last_error = e.what();
      ++st.unavailable;
      return nullptr;
    }
  }
  return st.store.get();
}

// Runs one read unless its deadline has passed; counts the time spent.
template <class Outcome, class Read>
Outcome timed_read(self_ptr self, const Deadline& deadline, Read&& read) {
  auto& st = self->state;
  if (deadline.passed()) {
    ++st.expired;
    Outcome out;
    out.status = StoreStatus::expired;
    out.error = "the request's deadline passed before its read could start";
    return out;
  }
  Store* store = store_of(self);
  if (!store) {
    Outcome out;
    out.status = StoreStatus::unavailable;
    out.error = st.last_error;
    return out;
  }
  const auto began = std::chrono::steady_clock::now();
  Outcome out = read(*store);
  st.read_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  if (out.status == StoreStatus::unavailable) {
    ++st.unavailable;
    st.last_error = out.error;
  }
  return out;
}

task_reader_actor::behavior_type task_reader_impl(self_ptr self, DbTarget target, StoreOptions options) {
  self->state.target = std::move(target);
  self->state.options = std::move(options);
  return {
      [=](load_atom, const std::string& user, const std::string& id, const Deadline& deadline) {
        ++self->state.loads;
        return timed_read<LoadOutcome>(self, deadline, [&](Store& s) { return s.load(user, id); });
      },
      [=](list_atom, const std::string& user, const ListQuery& query, const Deadline& deadline) {
        ++self->state.lists;
        return timed_read<ListOutcome>(self, deadline, [&](Store& s) { return s.list(user, query); });
      },
      [=](key_atom, const std::string& user, const std::string& key, const Deadline& deadline) {
        ++self->state.key_lookups;
        return timed_read<KeyOutcome>(self, deadline, [&](Store& s) { return s.lookup_key(user, key, now_millis()); });
      },
      [=](ping_atom) {
        ++self->state.pings;
        Store* store = store_of(self);
        return store != nullptr && store->ping();
      },
      [=](status_atom) {
        auto& st = self->state;
        auto s = make_status("task-reader", "task-reader",
                             st.last_error.empty() ? "running" : "running (last error recorded)",
                             self->mailbox().size(), st.started);
        s.details = {{"loads", st.loads},
                     {"lists", st.lists},
                     {"key_lookups", st.key_lookups},
                     {"pings", st.pings},
                     {"expired", st.expired},
                     {"unavailable", st.unavailable},
                     {"read_seconds", st.read_seconds},
                     {"last_error", st.last_error}};
        return s;
      },
  };
}

}  // namespace

task_reader_actor spawn_task_reader(caf::actor_system& system, DbTarget target, StoreOptions options) {
  return system.spawn<caf::detached>(task_reader_impl, std::move(target), std::move(options));
}

}  // namespace tasks
