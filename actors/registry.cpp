#include "actors/registry.hpp"

#include <memory>
#include <unordered_map>

#include "core/log.hpp"

namespace tasks {

namespace {

struct registry_state {
  struct Child {
    user_actor handle;
    std::uint64_t forwarded = 0;  // commands sent to it; equal to what it handled when it is idle
  };
  std::unordered_map<std::string, Child> users;
  // Every child still running (a passivated one until its down message), shared with the functor
  // that stops them all when the registry terminates (see registry_impl).
  std::shared_ptr<std::unordered_map<caf::actor_addr, std::string>> by_address =
      std::make_shared<std::unordered_map<caf::actor_addr, std::string>>();
  StoreHandles store;
  UserActorOptions options;
  std::uint64_t spawned = 0, passivated = 0, crashed = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  static inline const char* name = "registry";
};

using self_ptr = registry_actor::stateful_pointer<registry_state>;

registry_actor::behavior_type registry_impl(self_ptr self, StoreHandles store, UserActorOptions options) {
  self->state.store = std::move(store);
  self->state.options = options;
  // The children are monitored, not linked: a link is an entry in the registry's own list of
  // attachables, which CAF scans from the front to take it out when the child exits, so with
  // 100 k live users every passivation scanned 100 k entries (bench-scale: creates fell from
  // ~1,000/s at 20 k users to 580/s at 100 k, with 503s). A monitor is an entry in the child's
  // list. What the link did the other way round (the registry's end ends its children, so that a
  // restarted registry never finds a user's old actor still running), the functor does.
  self->attach_functor([children = self->state.by_address] {
    for (const auto& [address, _] : *children) caf::anon_send_exit(address, caf::exit_reason::user_shutdown);
  });
  self->set_down_handler([=](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.by_address->find(msg.source);
    if (it == st.by_address->end()) return;
    if (msg.reason && msg.reason != caf::exit_reason::normal) {
      ++st.crashed;
      if (st.options.metrics) st.options.metrics->actor_restarted("user");
      log::error("user actor died", {{"user_id", it->second}, {"error", to_string(msg.reason)}});
    }
    if (auto u = st.users.find(it->second); u != st.users.end() && u->second.handle.address() == msg.source)
      st.users.erase(u);
    st.by_address->erase(it);
  });
  // Our parent (or the system) stopping us.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (msg.reason && msg.reason != caf::exit_reason::normal) self->quit(msg.reason);
  });
  return {
      [=](TaskCommand& cmd) {
        auto& st = self->state;
        auto it = st.users.find(cmd.context.user_id);
        if (it == st.users.end()) {
          auto child = self->spawn<caf::monitored>(user_actor_impl, cmd.context.user_id, st.store,
                                                   caf::actor_cast<registry_actor>(self), st.options);
          ++st.spawned;
          (*st.by_address)[child.address()] = cmd.context.user_id;
          it = st.users.emplace(cmd.context.user_id, registry_state::Child{child, 0}).first;
        }
        ++it->second.forwarded;
        self->send(it->second.handle, std::move(cmd));
      },
      [=](idle_atom, const std::string& user, std::uint64_t handled) {
        auto& st = self->state;
        auto it = st.users.find(user);
        // Only when nothing is on its way to it: otherwise a request would be lost in its mailbox.
        if (it == st.users.end() || it->second.forwarded != handled) return;
        // Its down message will clear by_address; a new actor may be spawned for the user before.
        self->send(it->second.handle, stop_atom::value);
        st.users.erase(it);
        ++st.passivated;
      },
      [=](store_atom, StoreHandles& fresh) {
        auto& st = self->state;
        st.store = fresh;
        for (auto& [_, child] : st.users) self->send(child.handle, store_atom::value, fresh);
      },
      [=](status_atom) {
        auto& st = self->state;
        auto s = make_status("registry", "registry", "running", self->mailbox().size(), st.started);
        s.details = {{"user_actors", st.users.size()},
                     {"spawned", st.spawned},
                     {"passivated", st.passivated},
                     {"crashed", st.crashed},
                     {"idle_timeout_ms", st.options.idle_timeout.count()}};
        return s;
      },
      [=](children_atom) -> caf::typed_response_promise<std::vector<ActorStatus>> {
        auto& st = self->state;
        auto rp = self->make_response_promise<std::vector<ActorStatus>>();
        if (st.users.empty()) {
          rp.deliver(std::vector<ActorStatus>{});
          return rp;
        }
        auto results = std::make_shared<std::vector<ActorStatus>>();
        auto remaining = std::make_shared<size_t>(st.users.size());
        for (auto& [user, child] : st.users) {
          auto done = [=]() mutable {
            if (--*remaining == 0) rp.deliver(std::move(*results));
          };
          self->request(child.handle, std::chrono::seconds(2), status_atom::value)
              .then(
                  [=](ActorStatus& s) mutable {
                    results->push_back(std::move(s));
                    done();
                  },
                  [=, id = user](caf::error&) mutable {
                    ActorStatus s;
                    s.id = "user/" + id;
                    s.kind = "user";
                    s.state = "unresponsive";
                    results->push_back(std::move(s));
                    done();
                  });
        }
        return rp;
      },
  };
}

}  // namespace

registry_actor spawn_registry(caf::actor_system& system, StoreHandles store, UserActorOptions options) {
  return system.spawn(registry_impl, std::move(store), options);
}

}  // namespace tasks
