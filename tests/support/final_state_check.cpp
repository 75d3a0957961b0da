#include "tests/support/final_state_check.hpp"

#include <algorithm>

namespace tasks::testing {

namespace {

using nlohmann::json;

// What the client may conclude about one task from its requests.
struct Fate {
  json last;              // the last acknowledged state (null: deleted)
  int unknown_after = 0;  // requests of unknown outcome on it since
  bool unknown_delete = false;
};

std::string describe(const PeekTask& row) {
  return "version " + std::to_string(row.version) + ", title \"" + row.title + "\", " +
         (row.completed ? "completed" : "open");
}

}  // namespace

Problems check_final_state(const std::vector<Mutation>& mutations,
                           const std::map<std::string, std::vector<PeekTask>>& rows) {
  Problems out;
  std::map<std::string, std::vector<const Mutation*>> per_user;
  for (const auto& m : mutations) per_user[m.user].push_back(&m);

  for (auto& [user, ops] : per_user) {
    std::sort(ops.begin(), ops.end(), [](const Mutation* a, const Mutation* b) { return a->order < b->order; });
    std::map<std::string, Fate> fates;
    int unknown_creates = 0;
    for (const Mutation* m : ops) {
      if (m->outcome == Outcome::rejected) continue;
      if (m->kind == MutationKind::create) {
        if (m->outcome == Outcome::unknown) ++unknown_creates;
        if (m->outcome == Outcome::acknowledged) fates[m->task_id] = Fate{m->task};
        continue;
      }
      Fate& f = fates[m->task_id];
      if (m->outcome == Outcome::acknowledged) {
        f = Fate{m->kind == MutationKind::remove ? json() : m->task};
      } else {
        ++f.unknown_after;
        f.unknown_delete = f.unknown_delete || m->kind == MutationKind::remove;
      }
    }

    std::map<std::string, const PeekTask*> stored;
    auto it = rows.find(user);
    if (it != rows.end())
      for (const auto& row : it->second) stored[row.id] = &row;

    for (const auto& [id, f] : fates) {
      auto row = stored.find(id);
      const PeekTask* r = row == stored.end() ? nullptr : row->second;
      if (r) stored.erase(row);
      const std::string task = "task " + id + " of " + user;
      const long long acked = f.last.is_object() ? f.last.value("version", 0LL) : 0;
      if (f.unknown_after == 0) {
        if (f.last.is_null()) {
          if (r) out.add(task + ": its delete was acknowledged, yet it is stored (" + describe(*r) + ")");
        } else if (!r) {
          out.add(task + ": gone, though its last acknowledged version was " + std::to_string(acked));
        } else if (r->version != acked || r->title != f.last.value("title", "") ||
                   r->completed != f.last.value("completed", false)) {
          out.add(task + ": stored " + describe(*r) + ", last acknowledged " + f.last.dump());
        }
        continue;
      }
      // Requests of unknown outcome since the last answer: each may or may not have happened.
      if (!r) {
        if (!f.unknown_delete) out.add(task + ": gone, and no delete of it was sent since its last answer");
      } else if (r->version < acked || r->version > acked + f.unknown_after) {
        out.add(task + ": stored " + describe(*r) + ", acknowledged up to version " + std::to_string(acked) + " and " +
                std::to_string(f.unknown_after) + " requests of unknown outcome since");
      }
    }
    // What is left was created by no acknowledged request: a create of unknown outcome may have.
    if (static_cast<int>(stored.size()) > unknown_creates)
      out.add(user + " has " + std::to_string(stored.size()) + " tasks no acknowledged create made, and only " +
              std::to_string(unknown_creates) + " creates of unknown outcome");
  }
  return out;
}

}  // namespace tasks::testing
