#include "persistence/outbox_reader.hpp"

#include "core/time.hpp"

namespace tasks {

namespace {

struct reader_state {
  DbTarget target;
  StoreOptions options;
  std::unique_ptr<Store> store;  // opened at start, and again at a read after it failed to open
  // The last backlog read, answered again to an asker that accepts its age (/metrics: half a
  // second, so a scraper every 100 ms costs two backlog queries a second, not ten; ages are
  // computed by the asker from the oldest rows' times, so they stay current).
  std::vector<OutboxBacklog> backlog;
  std::chrono::steady_clock::time_point backlog_read_at{};
  static inline const char* name = "outbox-reader";
};

using self_ptr = outbox_reader_actor::stateful_pointer<reader_state>;

// The store, opening it first when needed (throws StoreError when it cannot be).
Store& store_of(self_ptr self) {
  auto& st = self->state;
  if (!st.store) st.store = std::make_unique<Store>(st.target, st.options);
  return *st.store;
}

// An operator's view: not run when its asker has stopped waiting (a slow scrape must not pile up
// reads that nobody reads), and a database error becomes the answer.
template <class T, class F>
caf::result<T> view(const Deadline& deadline, F&& read) {
  if (deadline.passed()) return caf::make_error(caf::sec::request_timeout, "the view's deadline passed before it ran");
  try {
    return read();
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

outbox_reader_actor::behavior_type reader_impl(self_ptr self, DbTarget target, StoreOptions options) {
  self->state.target = std::move(target);
  self->state.options = std::move(options);
  // Connect now, while nothing holds the database: preparing statements on PostgreSQL takes
  // table locks, and a first scrape during a long transaction would wait behind it. A failure
  // here is retried at the first read.
  try {
    (void)store_of(self);
  } catch (const std::exception&) {
  }
  return {
      [=](fetch_atom, const std::string& topic, std::int64_t lanes, std::int64_t rows) {
        try {
          return store_of(self).fetch_due(topic, now_millis(), lanes, rows);
        } catch (const std::exception& e) {
          return OutboxFetch{false, {}, e.what(), {}};
        }
      },
      [=](backlog_atom, std::int64_t reuse_ms, const Deadline& deadline) {
        return view<std::vector<OutboxBacklog>>(deadline, [&] {
          auto& st = self->state;
          const auto now = std::chrono::steady_clock::now();
          if (now - st.backlog_read_at >= std::chrono::milliseconds(reuse_ms)) {
            st.backlog = store_of(self).backlog(now_millis());
            st.backlog_read_at = now;
          }
          return st.backlog;
        });
      },
      [=](pending_atom, const std::string& topic, std::int64_t limit, const Deadline& deadline) {
        return view<std::vector<OutboxRow>>(deadline, [&] { return store_of(self).pending(topic, limit); });
      },
      [=](dead_atom, const std::string& topic, std::int64_t limit, const Deadline& deadline) {
        return view<std::vector<DeadLetter>>(deadline, [&] { return store_of(self).dead_letters(topic, limit); });
      },
      [=](lanes_atom, const std::string& topic, std::int64_t limit, const Deadline& deadline) {
        return view<std::vector<BlockedLane>>(deadline, [&] { return store_of(self).blocked_lanes(topic, limit); });
      },
      [=](discarded_atom, const std::string& topic, std::int64_t limit, const Deadline& deadline) {
        return view<std::vector<DiscardedEvent>>(deadline, [&] { return store_of(self).discarded(topic, limit); });
      },
  };
}

}  // namespace

outbox_reader_actor spawn_outbox_reader(caf::actor_system& system, DbTarget target, StoreOptions options) {
  return system.spawn<caf::detached>(reader_impl, std::move(target), std::move(options));
}

}  // namespace tasks
