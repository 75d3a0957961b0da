#include "persistence/persistence_actor.hpp"

#include <map>

#include "core/log.hpp"
#include "core/time.hpp"
#include "persistence/outbox_reader.hpp"
#include "persistence/task_reader.hpp"

namespace tasks {

namespace {

struct persistence_state {
  std::shared_ptr<Store> store;
  PersistenceOptions options;
  // The group being gathered: commits and delivery results that go in the next transaction.
  WriteBatch pending;
  std::vector<caf::typed_response_promise<CommitOutcome>> commit_promises;
  std::vector<caf::typed_response_promise<bool>> settle_promises;
  bool flush_scheduled = false;
  std::map<std::string, outbox_listener_actor> listeners;  // topic -> its publisher
  outbox_reader_actor reader;     // the outbox reads, on a connection of their own (null: read here)
  task_reader_actor task_reader;  // linked: it dies with this actor (and takes it down if it dies)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::uint64_t commits = 0, batches = 0, largest_batch = 0, failed_commits = 0, expired_commits = 0;
  std::uint64_t outbox_fetches = 0, outbox_settles = 0, purged_keys = 0, retention_discards = 0;
  // Time spent in the database, per kind of work (where a slow database shows first).
  double write_seconds = 0, outbox_seconds = 0;
  static inline const char* name = "persistence";
};

using self_ptr = persistence_actor::stateful_pointer<persistence_state>;

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.pending.commits.empty() && st.pending.settles.empty()) return;
  WriteBatch batch = std::move(st.pending);
  auto commit_promises = std::move(st.commit_promises);
  auto settle_promises = std::move(st.settle_promises);
  st.pending = {};
  st.commit_promises.clear();
  st.settle_promises.clear();
  const auto began = std::chrono::steady_clock::now();
  // Expired commits are answered while the rest of a stalled batch still waits.
  std::vector<bool> answered(batch.commits.size(), false);
  auto outcome = st.store->write(batch, now_millis(), [&](size_t i, const CommitOutcome& expired) {
    answered[i] = true;
    commit_promises[i].deliver(CommitOutcome{expired});
  });
  st.write_seconds += seconds_since(began);
  ++st.batches;
  st.largest_batch = std::max<std::uint64_t>(st.largest_batch, batch.commits.size() + batch.settles.size());
  std::map<std::string, bool> grown;
  for (size_t i = 0; i < batch.commits.size(); ++i) {
    const auto& commit = batch.commits[i];
    auto& result = outcome.commits[i];
    if (result.status == StoreStatus::ok) {
      ++st.commits;
      for (const auto& e : commit.events) grown[e.topic] = true;
    } else if (result.status == StoreStatus::unavailable) {
      ++st.failed_commits;
      log::error("commit failed",
                 {{"task_id", commit.task.id}, {"user_id", commit.task.user_id}, {"error", result.error}});
    } else if (result.status == StoreStatus::expired) {
      ++st.expired_commits;
    }
    if (!answered[i]) commit_promises[i].deliver(std::move(result));
  }
  for (size_t i = 0; i < batch.settles.size(); ++i) settle_promises[i].deliver(bool{outcome.settles[i]});
  for (const auto& [topic, _] : grown)
    if (auto it = st.listeners.find(topic); it != st.listeners.end()) self->send(it->second, nudge_atom::value);
}

// Every publisher gets to look again (lanes were unblocked or rows are due).
void nudge_all(self_ptr self) {
  for (const auto& [topic, listener] : self->state.listeners) self->send(listener, nudge_atom::value);
}

// Joins the group; the flush message lands behind everything already waiting, so all of it
// shares one transaction.
void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (st.pending.commits.size() + st.pending.settles.size() >= st.options.max_batch) {
    flush(self);
  } else if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

persistence_actor::behavior_type persistence_impl(self_ptr self, std::shared_ptr<Store> store,
                                                  PersistenceOptions options, task_reader_actor task_reader,
                                                  outbox_reader_actor outbox_reader, outbox_reader_actor monitor) {
  self->state.store = std::move(store);
  self->state.task_reader = task_reader;
  self->state.reader = outbox_reader;
  self->link_to(task_reader);
  self->link_to(outbox_reader);
  self->link_to(monitor);
  self->state.options = options;
  // A predecessor may have died mid-transaction: start from a fresh connection, opened (and its
  // statements prepared) now rather than inside the first request's transaction.
  self->state.store->reconnect();
  (void)self->state.store->ping();
  self->delayed_send(self, options.purge_interval, purge_atom::value);
  return {
      [=](commit_atom, Commit& commit) -> caf::typed_response_promise<CommitOutcome> {
        auto& st = self->state;
        auto rp = self->make_response_promise<CommitOutcome>();
        st.pending.commits.push_back(std::move(commit));
        st.commit_promises.push_back(rp);
        schedule_flush(self);
        return rp;
      },
      [=](flush_atom) { flush(self); },
      [=](purge_atom) {
        auto& st = self->state;
        try {
          st.purged_keys += static_cast<std::uint64_t>(st.store->purge_keys(now_millis(), 1000));
        } catch (const std::exception& e) {
          log::warn("expired idempotency keys not purged", {{"error", std::string(e.what())}});
        }
        try {
          const auto given_up = st.store->purge_dead_letters(now_millis(), st.options.dead_letter_retention, 1000);
          if (given_up > 0) {
            log::error("dead letters discarded by retention",
                       {{"count", given_up}, {"retention_ms", st.options.dead_letter_retention.count()}});
            st.retention_discards += static_cast<std::uint64_t>(given_up);
            nudge_all(self);
          }
        } catch (const std::exception& e) {
          log::warn("dead letters past their retention not discarded", {{"error", std::string(e.what())}});
        }
        self->delayed_send(self, st.options.purge_interval, purge_atom::value);
      },
      [=](fetch_atom, const std::string& topic, std::int64_t lanes, std::int64_t rows) -> caf::result<OutboxFetch> {
        ++self->state.outbox_fetches;
        if (self->state.reader) return self->delegate(self->state.reader, fetch_atom::value, topic, lanes, rows);
        const auto began = std::chrono::steady_clock::now();
        auto fetched = self->state.store->fetch_due(topic, now_millis(), lanes, rows);
        self->state.outbox_seconds += seconds_since(began);
        return fetched;
      },
      [=](settle_atom, DeliveryReport& report) -> caf::typed_response_promise<bool> {
        auto& st = self->state;
        ++st.outbox_settles;
        auto rp = self->make_response_promise<bool>();
        st.pending.settles.push_back(std::move(report));
        st.settle_promises.push_back(rp);
        schedule_flush(self);
        return rp;
      },
      [=](redrive_atom, const std::string& topic, const std::string& event_id) -> caf::result<std::int64_t> {
        try {
          auto moved = self->state.store->redrive(topic, event_id);
          if (moved > 0) {
            log::info("dead letters redriven", {{"topic", topic}, {"event_id", event_id}, {"count", moved}});
            nudge_all(self);  // the redriven rows are due now
          }
          return moved;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
      [=](discard_atom, const std::string& event_id, const std::string& by,
          const std::string& note) -> caf::result<bool> {
        try {
          const bool found = self->state.store->discard(event_id, by, note, now_millis());
          if (found) {
            log::warn("dead letter discarded", {{"event_id", event_id}, {"by", by}, {"note", note}});
            nudge_all(self);  // its lane goes on
          }
          return found;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
      [=](pause_atom, const std::string& topic, bool paused) -> caf::result<bool> {
        try {
          self->state.store->set_paused(topic, paused, "admin API", now_millis());
          return true;
        } catch (const std::exception& e) {
          log::error("the pause flag could not be written", {{"topic", topic}, {"error", std::string(e.what())}});
          return false;
        }
      },
      [=](listen_atom, const std::string& topic, outbox_listener_actor listener) {
        self->state.listeners[topic] = std::move(listener);
      },
      [=](status_atom) {
        auto& st = self->state;
        auto s = make_status("persistence", "persistence",
                             st.store->last_error().empty() ? "running" : "running (last error recorded)",
                             self->mailbox().size(), st.started);
        s.restarts = st.options.restarts;
        s.details = {{"dialect", st.store->dialect() == Dialect::sqlite ? "sqlite" : "postgresql"},
                     {"commits", st.commits},
                     {"failed_commits", st.failed_commits},
                     {"batches", st.batches},
                     {"largest_batch", st.largest_batch},
                     {"expired_commits", st.expired_commits},
                     {"pending_commits", st.pending.commits.size()},
                     {"purged_keys", st.purged_keys},
                     {"retention_discards", st.retention_discards},
                     {"outbox_fetches", st.outbox_fetches},
                     {"outbox_settles", st.outbox_settles},
                     {"fenced_settle_entries", st.store->fenced_entries()},
                     {"write_seconds", st.write_seconds},
                     {"outbox_seconds", st.outbox_seconds},
                     {"last_error", st.store->last_error()}};
        return s;
      },
  };
}

}  // namespace

StoreHandles spawn_persistence(caf::actor_system& system, std::shared_ptr<Store> store, PersistenceOptions options) {
  auto target = store->target();
  auto store_options = store->options();
  StoreHandles handles;
  handles.reader = spawn_task_reader(system, target, store_options);
  handles.outbox = spawn_outbox_reader(system, target, store_options);
  handles.monitor = spawn_outbox_reader(system, std::move(target), std::move(store_options));
  handles.writer = system.spawn<caf::detached>(persistence_impl, std::move(store), options, handles.reader,
                                               handles.outbox, handles.monitor);
  return handles;
}

}  // namespace tasks
