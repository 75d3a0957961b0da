#include "tests/support/replica_settle.hpp"

#include <set>

#include "tests/support/wait.hpp"

namespace tasks::testing {

using std::chrono::milliseconds;

std::map<std::string, std::string> replica_env() {
  return {
      {"TASKS_LEASE_DURATION", "2s"},
      {"TASKS_LEASE_RENEW_INTERVAL", "500ms"},
      {"TASKS_PUBLISH_TIMEOUT", "1s"},
      {"TASKS_PUBLISH_CONCURRENCY", std::to_string(publish_concurrency)},
      {"TASKS_PUBLISH_BACKOFF_INITIAL", "20ms"},
      {"TASKS_PUBLISH_BACKOFF_MAX", "200ms"},
      {"TASKS_PUBLISH_POLL_INTERVAL", "100ms"},
      {"TASKS_SHUTDOWN_DRAIN", "3s"},
  };
}

Settled settle(const ReplicaSet& replicas, bool balanced, milliseconds deadline) {
  Settled out;
  const auto from = std::chrono::steady_clock::now();
  bool absent = false;  // a 404: the admin API has no cluster view, waiting will not bring one
  out.ok = wait_until(
      [&] {
        out.problems.clear();
        out.view.reset();
        const auto ids = replicas.live_ids();
        const std::set<std::string> live(ids.begin(), ids.end());
        for (const auto& url : replicas.admin_urls()) {
          std::string why;
          auto view = fetch_cluster(url, &why);
          if (!view) {
            absent = absent || why.rfind("GET /admin/cluster: 404", 0) == 0;
            out.problems += url + ": " + why + "\n";
            continue;
          }
          for (const auto& p : unsettled(*view, live, balanced)) out.problems += view->self + ": " + p + "\n";
          if (!out.view) out.view = std::move(view);
        }
        return out.problems.empty() || absent;
      },
      deadline, milliseconds(100));
  out.ok = out.ok && out.problems.empty();
  out.took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - from);
  return out;
}

}  // namespace tasks::testing
