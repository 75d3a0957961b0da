#include "actors/supervisor.hpp"

#include <deque>
#include <map>

#include "actors/registry.hpp"
#include "core/log.hpp"

namespace tasks {

namespace {

using clock = std::chrono::steady_clock;

constexpr const char* persistence_id = "persistence";
constexpr const char* registry_id = "registry";

struct supervisor_state {
  SupervisorWiring wiring;
  StoreHandles store;  // the persistence writer and its task reader
  registry_actor registry;
  std::map<std::string, publisher_actor> publishers;  // topic -> publisher
  std::map<caf::actor_addr, std::string> ids;         // live child -> its id
  std::map<std::string, std::uint64_t> restarts;
  std::map<std::string, std::deque<clock::time_point>> recent;
  clock::time_point started = clock::now();
  static inline const char* name = "supervisor";
};

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

template <class Handle>
void adopt(self_ptr self, const Handle& child, const std::string& id) {
  self->link_to(child);
  self->state.ids[child.address()] = id;
}

void start_persistence(self_ptr self) {
  auto& st = self->state;
  st.store = st.wiring.start_persistence(self->system(), st.restarts[persistence_id]);
  // The reader is linked to the writer: either dying brings the writer's exit here.
  adopt(self, st.store.writer, persistence_id);
  st.wiring.directory->set(st.store.writer);
  st.wiring.directory->set(st.store.reader);
  st.wiring.directory->set(st.store.monitor);  // operators' views never queue behind fetches
  if (st.registry) self->send(st.registry, store_atom::value, st.store);
  for (const auto& [topic, publisher] : st.publishers) {
    self->send(publisher, store_atom::value, st.store.writer);
    self->send(st.store.writer, listen_atom::value, topic, outbox_listener_actor{publisher});
  }
}

const std::string publisher_prefix = "publisher/";

void start_publisher(self_ptr self, const std::string& topic) {
  auto& st = self->state;
  for (const auto& spec : st.wiring.publishers) {
    if (spec.topic != topic) continue;
    const std::string id = publisher_prefix + topic;
    auto publisher = spec.start(self->system(), st.store.writer, st.restarts[id]);
    adopt(self, publisher, id);
    st.publishers[topic] = publisher;
    st.wiring.directory->set(topic, publisher);
    // A restarted publisher resumes from the outbox: nothing it was doing is lost.
    self->send(st.store.writer, listen_atom::value, topic, outbox_listener_actor{publisher});
  }
}

void start_registry(self_ptr self) {
  auto& st = self->state;
  st.registry = spawn_registry(self->system(), st.store, st.wiring.user_options);
  adopt(self, st.registry, registry_id);
  st.wiring.directory->set(st.registry);
}

void start(self_ptr self, const std::string& id) {
  if (id == persistence_id) {
    start_persistence(self);
  } else if (id == registry_id) {
    start_registry(self);
  } else if (id.rfind(publisher_prefix, 0) == 0) {
    start_publisher(self, id.substr(publisher_prefix.size()));
  }
}

// Restart now, or after a pause when this child has been restarted too often lately.
void restart(self_ptr self, const std::string& id) {
  auto& st = self->state;
  ++st.restarts[id];
  if (st.wiring.metrics) st.wiring.metrics->actor_restarted(id.substr(0, id.find('/')));
  auto& times = st.recent[id];
  const auto now = clock::now();
  times.push_back(now);
  while (!times.empty() && now - times.front() > st.wiring.burst_window) times.pop_front();
  if (static_cast<int>(times.size()) > st.wiring.restart_burst) {
    log::warn("actor restarting in a loop; pausing before the next restart",
              {{"actor", id}, {"pause_ms", st.wiring.burst_pause.count()}});
    self->delayed_send(self, st.wiring.burst_pause, restart_atom::value, id);
    return;
  }
  start(self, id);
}

supervisor_actor::behavior_type supervisor_impl(self_ptr self, SupervisorWiring wiring) {
  self->state.wiring = std::move(wiring);
  self->set_exit_handler([=](caf::exit_msg& msg) {
    auto& st = self->state;
    auto it = st.ids.find(msg.source);
    if (it == st.ids.end()) {
      self->quit(msg.reason);  // our own shutdown: linked children follow
      return;
    }
    const std::string id = it->second;
    st.ids.erase(it);
    log::error("supervised actor died; restarting", {{"actor", id}, {"error", to_string(msg.reason)}});
    restart(self, id);
  });
  start_persistence(self);
  start_registry(self);
  for (const auto& spec : self->state.wiring.publishers) start_publisher(self, spec.topic);
  return {
      [=](restart_atom, const std::string& id) { start(self, id); },
      [=](status_atom) {
        auto& st = self->state;
        auto s = make_status("supervisor", "supervisor", "running", self->mailbox().size(), st.started);
        s.details = {{"children", st.ids.size()}, {"restarts", st.restarts}};
        s.restarts = 0;
        for (const auto& [_, n] : st.restarts) s.restarts += n;
        return s;
      },
      [=](children_atom) -> caf::typed_response_promise<std::vector<ActorStatus>> {
        auto& st = self->state;
        auto rp = self->make_response_promise<std::vector<ActorStatus>>();
        auto results = std::make_shared<std::vector<ActorStatus>>();
        auto remaining = std::make_shared<int>(4 + static_cast<int>(st.publishers.size()));
        auto done = [=]() mutable {
          if (--*remaining == 0) rp.deliver(std::move(*results));
        };
        auto add = [=](std::uint64_t restarts) mutable {
          return [=](ActorStatus& s) mutable {
            s.restarts = restarts;
            results->push_back(std::move(s));
            done();
          };
        };
        auto missing = [=](const std::string& id, const std::string& kind) mutable {
          return [=](caf::error& err) mutable {
            ActorStatus s;
            s.id = id;
            s.kind = kind;
            s.state = "unresponsive: " + to_string(err);
            results->push_back(std::move(s));
            done();
          };
        };
        const auto timeout = std::chrono::seconds(2);
        self->request(st.store.writer, timeout, status_atom::value)
            .then(add(st.restarts[persistence_id]), missing(persistence_id, "persistence"));
        self->request(st.store.reader, timeout, status_atom::value)
            .then(add(st.restarts[persistence_id]), missing("task-reader", "task-reader"));
        self->request(st.registry, timeout, status_atom::value)
            .then(add(st.restarts[registry_id]), missing(registry_id, "registry"));
        for (const auto& [topic, publisher] : st.publishers)
          self->request(publisher, timeout, status_atom::value)
              .then(add(st.restarts[publisher_prefix + topic]), missing(publisher_prefix + topic, "publisher"));
        self->request(st.registry, timeout, children_atom::value)
            .then(
                [=](std::vector<ActorStatus>& users) mutable {
                  for (auto& u : users) results->push_back(std::move(u));
                  done();
                },
                [=](caf::error&) mutable { done(); });
        return rp;
      },
  };
}

}  // namespace

supervisor_actor spawn_supervisor(caf::actor_system& system, SupervisorWiring wiring) {
  return system.spawn(supervisor_impl, std::move(wiring));
}

}  // namespace tasks
