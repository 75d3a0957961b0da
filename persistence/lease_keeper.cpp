#include "persistence/lease_keeper.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace tasks {

namespace {

struct keeper_state {
  LeaseKeeperOptions options;
  std::unique_ptr<Store> store;  // opened at the first renewal, and again after a failure
  ReplicaRecord me;
  LeaseTable last;              // as read by the last renewal
  std::set<std::int32_t> held;  // after the last renewal
  std::string last_error;
  bool released = false;  // shut down: no renewal any more
  std::uint64_t renewals = 0, failed_renewals = 0, claimed = 0, given_back = 0, lost = 0;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  static inline const char* name = "lease-keeper";
};

using self_ptr = lease_keeper_actor::stateful_pointer<keeper_state>;

Store& store_of(self_ptr self) {
  auto& st = self->state;
  if (!st.store) st.store = std::make_unique<Store>(st.options.target, st.options.store);
  return *st.store;
}

std::set<std::int32_t> held_in(const LeaseTable& table, const std::string& owner) {
  std::set<std::int32_t> held;
  for (const auto& b : table.buckets)
    if (b.owner == owner && !b.released) held.insert(b.bucket);
  return held;
}

void report(self_ptr self) {
  auto& st = self->state;
  if (!st.options.metrics) return;
  std::int64_t live = 0, unowned = 0;
  std::map<std::string, std::int64_t> by_owner, by_replica;
  for (const auto& b : st.last.buckets) {
    if (std::string(lease_state(b, st.last.now)) == "held")
      ++by_owner[b.owner];
    else
      ++unowned;
  }
  for (const auto& r : st.last.replicas) {
    const bool is_live = r.stopped_at == 0 && replica_live({r.owner, r.renewed_at}, st.last.now, st.options.settings);
    live += is_live ? 1 : 0;
    by_replica[r.replica_id] += is_live ? by_owner[r.owner] : 0;
  }
  st.options.metrics->cluster_state(live, static_cast<std::int64_t>(st.held.size()), unowned);
  st.options.metrics->cluster_replicas(by_replica);
}

// One renewal: record, extend, read; then claim or give back what the plan says. Returns when
// the next one is due.
std::chrono::milliseconds renew(self_ptr self) {
  auto& st = self->state;
  const auto interval = st.options.renew_interval;
  if (st.released) return interval;
  try {
    auto& store = store_of(self);
    if (st.options.counters) st.me.counters = st.options.counters();
    auto table = store.renew_leases(st.me, std::chrono::milliseconds(st.options.settings.lease));
    ++st.renewals;
    std::vector<ReplicaSeen> seen;
    for (const auto& r : table.replicas)
      if (r.stopped_at == 0) seen.push_back({r.owner, r.renewed_at});
    const auto todo = plan_leases(st.me.owner, table.now, st.options.settings, seen, table.buckets);
    std::vector<std::int32_t> claimed;
    if (!todo.claims.empty() || !todo.releases.empty()) {
      claimed = store.apply_leases(todo, st.me, st.options.settings);
      table = store.read_leases();
    }
    const auto now_held = held_in(table, st.me.owner);
    // Held before, not now, and not given back: another replica took it (our renewals lapsed).
    std::int64_t lost = 0;
    for (auto b : st.held)
      if (!now_held.count(b) && std::find(todo.releases.begin(), todo.releases.end(), b) == todo.releases.end()) ++lost;
    st.claimed += claimed.size();
    st.given_back += todo.releases.size();
    st.lost += static_cast<std::uint64_t>(lost);
    if (st.options.metrics) {
      if (!claimed.empty()) st.options.metrics->lease_change("claimed", static_cast<std::int64_t>(claimed.size()));
      if (!todo.releases.empty())
        st.options.metrics->lease_change("released", static_cast<std::int64_t>(todo.releases.size()));
      if (lost > 0) st.options.metrics->lease_change("lost", lost);
    }
    if (!claimed.empty() || !todo.releases.empty() || lost > 0)
      log::info("bucket leases changed", {{"replica_id", st.me.replica_id},
                                          {"claimed", claimed.size()},
                                          {"released", todo.releases.size()},
                                          {"lost", lost},
                                          {"held", now_held.size()},
                                          {"share", todo.share},
                                          {"live_replicas", todo.live}});
    if (!st.last_error.empty()) log::info("lease renewal works again", {{"replica_id", st.me.replica_id}});
    st.last_error.clear();
    st.held = now_held;
    const auto next =
        next_renewal_in(st.me.owner, table.now, st.options.settings, todo, table.buckets, interval.count());
    st.last = std::move(table);
    report(self);
    return std::chrono::milliseconds(next);
  } catch (const std::exception& e) {
    ++st.failed_renewals;
    if (st.last_error.empty())
      log::warn("lease renewal failed; the leases end by themselves if it keeps failing",
                {{"replica_id", st.me.replica_id}, {"error", std::string(e.what())}});
    st.last_error = e.what();
    st.store.reset();
  }
  return interval;
}

lease_keeper_actor::behavior_type keeper_impl(self_ptr self, LeaseKeeperOptions options) {
  auto& st = self->state;
  st.options = std::move(options);
  st.me.owner = st.options.store.owner;
  st.me.replica_id = st.options.replica_id;
  st.me.host = st.options.host;
  st.me.pid = st.options.pid;
  self->delayed_send(self, renew(self), tick_atom::value);
  return {
      [=](tick_atom) {
        const auto next = renew(self);
        if (!self->state.released) self->delayed_send(self, next, tick_atom::value);
      },
      [=](cluster_atom) {
        auto& s = self->state;
        ClusterView view;
        view.replica_id = s.me.replica_id;
        view.owner = s.me.owner;
        view.settings = s.options.settings;
        view.renew_interval = s.options.renew_interval.count();
        view.error = s.last_error;
        try {
          view.table = store_of(self).read_leases();
        } catch (const std::exception& e) {
          s.store.reset();
          view.table = s.last;  // what the last renewal saw
          view.error = e.what();
        }
        return view;
      },
      [=](release_atom, bool clean) {
        auto& s = self->state;
        s.released = true;
        try {
          store_of(self).release_all_leases(s.me.owner, clean);
          log::info("bucket leases given up", {{"replica_id", s.me.replica_id},
                                               {"buckets", s.held.size()},
                                               {"others_may_start", clean ? "at once" : "after the grace"}});
          s.held.clear();
          return true;
        } catch (const std::exception& e) {
          log::warn("bucket leases not given up; they end by themselves",
                    {{"replica_id", s.me.replica_id}, {"error", std::string(e.what())}});
          return false;
        }
      },
      [=](status_atom) {
        auto& s = self->state;
        auto out = make_status("lease-keeper", "lease-keeper", s.last_error.empty() ? "renewing" : "failing",
                               self->mailbox().size(), s.started);
        out.details = {{"replica_id", s.me.replica_id},
                       {"buckets_held", s.held.size()},
                       {"renewals", s.renewals},
                       {"failed_renewals", s.failed_renewals},
                       {"claimed", s.claimed},
                       {"released", s.given_back},
                       {"lost", s.lost},
                       {"last_error", s.last_error}};
        return out;
      },
  };
}

}  // namespace

lease_keeper_actor spawn_lease_keeper(caf::actor_system& system, LeaseKeeperOptions options) {
  return system.spawn<caf::detached>(keeper_impl, std::move(options));
}

std::string make_owner_token(const std::string& replica_id) {
  return replica_id + "/" + std::to_string(now_millis()) + "/" + new_uuid().substr(0, 8);
}

}  // namespace tasks
