#include "persistence/outbox_reader.hpp"

#include "core/time.hpp"

namespace tasks {

namespace {

struct reader_state {
  DbTarget target;
  StoreOptions options;
  std::unique_ptr<Store> store;  // opened at the first read, and again after it failed to open
  static inline const char* name = "outbox-reader";
};

using self_ptr = outbox_reader_actor::stateful_pointer<reader_state>;

// The store, opening it first when needed (throws StoreError when it cannot be).
Store& store_of(self_ptr self) {
  auto& st = self->state;
  if (!st.store) st.store = std::make_unique<Store>(st.target, st.options);
  return *st.store;
}

template <class T, class F>
caf::result<T> guarded(F&& read) {
  try {
    return read();
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

outbox_reader_actor::behavior_type reader_impl(self_ptr self, DbTarget target, StoreOptions options) {
  self->state.target = std::move(target);
  self->state.options = std::move(options);
  return {
      [=](fetch_atom, const std::string& topic, std::int64_t limit) {
        try {
          return store_of(self).fetch_due(topic, now_millis(), limit);
        } catch (const std::exception& e) {
          return OutboxFetch{false, {}, e.what()};
        }
      },
      [=](backlog_atom) { return guarded<std::vector<OutboxBacklog>>([&] { return store_of(self).backlog(); }); },
      [=](pending_atom, const std::string& topic, std::int64_t limit) {
        return guarded<std::vector<OutboxRow>>([&] { return store_of(self).pending(topic, limit); });
      },
      [=](dead_atom, const std::string& topic, std::int64_t limit) {
        return guarded<std::vector<DeadLetter>>([&] { return store_of(self).dead_letters(topic, limit); });
      },
  };
}

}  // namespace

outbox_reader_actor spawn_outbox_reader(caf::actor_system& system, DbTarget target, StoreOptions options) {
  return system.spawn<caf::detached>(reader_impl, std::move(target), std::move(options));
}

}  // namespace tasks
