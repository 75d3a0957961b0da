// 20 users x 50 concurrent mutations each: versions rise by exactly one per mutation per task,
// no update is lost, and each user's outbox order equals commit order.

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>

#include "tests/integration/fixture.hpp"

using namespace tasks::testing;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(twenty_users_fifty_concurrent_mutations_each) {
  constexpr int users = 20, mutations = 50, tasks_per_user = 5;
  auto& env = Environment::get();
  std::vector<std::unique_ptr<UserApi>> apis;
  std::map<std::string, std::vector<std::string>> task_ids;  // user -> tasks
  for (int u = 0; u < users; ++u) {
    apis.push_back(std::make_unique<UserApi>("conc"));
    for (int t = 0; t < tasks_per_user; ++t)
      task_ids[apis.back()->user()].push_back(apis.back()->create_id("task " + std::to_string(t)));
  }

  // Every request at once, users interleaved: patch, complete, uncomplete in turn.
  std::vector<HttpRequest> requests;
  std::vector<std::pair<std::string, std::string>> target;  // (user, task) of each request
  for (int m = 0; m < mutations; ++m) {
    for (auto& api : apis) {
      const auto& id = task_ids[api->user()][m % tasks_per_user];
      HttpRequest r;
      r.headers = api->auth({"X-Correlation-ID: " + api->user() + "-" + std::to_string(m)});
      switch (m % 3) {
        case 0:
          r = {"PATCH", "/api/v1/tasks/" + id, json({{"title", "title " + std::to_string(m)}}).dump(), r.headers};
          r.headers.push_back("Content-Type: application/json");
          break;
        case 1: r = {"POST", "/api/v1/tasks/" + id + "/complete", "", r.headers}; break;
        default: r = {"POST", "/api/v1/tasks/" + id + "/uncomplete", "", r.headers}; break;
      }
      requests.push_back(r);
      target.emplace_back(api->user(), id);
    }
  }
  auto responses = parallel_requests(env.taskd().base_url(), requests);

  std::map<std::string, std::set<long long>> versions_seen;  // task -> versions answered
  std::map<std::string, int> mutations_of;
  for (size_t i = 0; i < responses.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(responses[i].status == 200, "request " << i << ": " << responses[i].status << " "
                                                                 << responses[i].body << responses[i].error);
    const auto& [user, id] = target[i];
    auto v = responses[i].json()["version"].get<long long>();
    BOOST_TEST(versions_seen[id].insert(v).second, "version " << v << " of " << id << " answered twice");
    ++mutations_of[id];
  }

  auto peek = env.peek();
  for (auto& api : apis) {
    for (const auto& id : task_ids[api->user()]) {
      const long long n = mutations_of[id];
      // No lost update: the final version counts every mutation, and each answer saw its own.
      BOOST_TEST(api->get(id).json()["version"] == 1 + n);
      BOOST_TEST(versions_seen[id].size() == static_cast<size_t>(n));
      BOOST_TEST(*versions_seen[id].begin() == 2);
      BOOST_TEST(*versions_seen[id].rbegin() == 1 + n);
    }
    // Outbox order per user is commit order: per topic and task, versions 1, 2, 3, ... in id order.
    std::map<std::pair<std::string, std::string>, long long> last;  // (topic, task) -> version
    auto rows = peek->outbox(api->user());
    size_t sync_events = 0;
    for (const auto& row : rows) {
      auto key = std::make_pair(row.topic, row.task_id);
      const long long v = row.payload["data"]["version"];
      if (row.topic != "reminders") {
        BOOST_TEST(v == last[key] + 1, row.topic << " " << row.task_id << " jumps from " << last[key] << " to " << v);
      } else {
        BOOST_TEST(v > last[key]);
      }
      last[key] = v;
      if (row.topic == "task-updates") ++sync_events;
    }
    BOOST_TEST(sync_events == static_cast<size_t>(tasks_per_user + mutations));
  }
}

BOOST_AUTO_TEST_SUITE_END()
