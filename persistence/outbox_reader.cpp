#include "persistence/outbox_reader.hpp"

#include "core/time.hpp"

namespace tasks {

namespace {

struct reader_state {
  std::shared_ptr<Store> store;
  static inline const char* name = "outbox-reader";
};

template <class T, class F>
caf::result<T> guarded(F&& read) {
  try {
    return read();
  } catch (const std::exception& e) {
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

outbox_reader_actor::behavior_type reader_impl(outbox_reader_actor::stateful_pointer<reader_state> self,
                                               std::shared_ptr<Store> store) {
  self->state.store = std::move(store);
  return {
      [=](fetch_atom, const std::string& topic, std::int64_t limit) {
        return self->state.store->fetch_due(topic, now_millis(), limit);
      },
      [=](backlog_atom) { return guarded<std::vector<OutboxBacklog>>([&] { return self->state.store->backlog(); }); },
      [=](pending_atom, const std::string& topic, std::int64_t limit) {
        return guarded<std::vector<OutboxRow>>([&] { return self->state.store->pending(topic, limit); });
      },
      [=](dead_atom, const std::string& topic, std::int64_t limit) {
        return guarded<std::vector<DeadLetter>>([&] { return self->state.store->dead_letters(topic, limit); });
      },
  };
}

}  // namespace

outbox_reader_actor spawn_outbox_reader(caf::local_actor* parent, std::unique_ptr<Store> store) {
  return parent->spawn<caf::detached + caf::linked>(reader_impl, std::shared_ptr<Store>(std::move(store)));
}

}  // namespace tasks
