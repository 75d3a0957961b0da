#include "tests/support/load_driver.hpp"

#include <algorithm>
#include <memory>
#include <random>

#include "core/ids.hpp"
#include "core/time.hpp"
#include "http/jwt.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/wait.hpp"

namespace tasks::testing {

namespace {

using nlohmann::json;

// What the user believes of one of its tasks: enough to choose a mutation that changes
// something (uncomplete a completed task, move a due date that is set).
struct KnownTask {
  std::string id;
  bool completed = false;
  bool has_due = false;
};

// The next mutation and the task it is about (an index into `tasks`; unused for a create).
// The weights give every kind its share; creates stop at the cap and deletes bring a user back
// under it, so that the mix keeps all kinds going however long the run.
MutationKind choose(std::mt19937& rng, const std::vector<KnownTask>& tasks, size_t max_tasks, size_t& index) {
  std::uniform_int_distribution<int> percent(0, 99);
  if (tasks.size() < 2 || (tasks.size() < max_tasks && percent(rng) < 20)) return MutationKind::create;
  index = std::uniform_int_distribution<size_t>(0, tasks.size() - 1)(rng);
  const KnownTask& t = tasks[index];
  const int roll = percent(rng);
  if (roll < 15) return MutationKind::patch_title;
  if (roll < 25) return MutationKind::patch_description;
  if (roll < 45) return MutationKind::patch_due;
  if (roll < 55) return t.has_due ? MutationKind::clear_due : MutationKind::patch_due;
  if (roll < 85) return t.completed ? MutationKind::uncomplete : MutationKind::complete;
  return MutationKind::remove;
}

// A due date never used before by this user, so that every due-date patch moves it (a
// reminder is rescheduled, not left alone).
std::string next_due(long long& counter) {
  constexpr millis base = 1'830'297'600'000LL;  // 2028-01-01T00:00:00Z: always in the future
  return format_rfc3339(base + (++counter) * 60'000);
}

}  // namespace

LoadDriver::LoadDriver(LoadOptions options, Endpoints endpoints)
    : options_(std::move(options)), endpoints_(std::move(endpoints)) {
  for (int u = 0; u < options_.users; ++u)
    users_.push_back(options_.user_prefix + "-" + std::to_string(u) + "-" + new_uuid().substr(0, 8));
  log_.resize(users_.size());
}

LoadDriver::~LoadDriver() {
  stop();
  wait();
}

void LoadDriver::start() {
  started_ = std::chrono::steady_clock::now();
  deadline_ = started_ + options_.max_duration;
  for (size_t u = 0; u < users_.size(); ++u) threads_.emplace_back([this, u] { run_user(u); });
}

void LoadDriver::stop() {
  stop_ = true;
}

void LoadDriver::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  if (!threads_.empty() && finished_ == 0)
    finished_ = (std::chrono::steady_clock::now() - started_).count() + 1;  // +1: 0 means "running"
}

std::chrono::milliseconds LoadDriver::elapsed() const {
  const auto took =
      finished_ != 0 ? std::chrono::steady_clock::duration(finished_ - 1) : std::chrono::steady_clock::now() - started_;
  return std::chrono::duration_cast<std::chrono::milliseconds>(took);
}

size_t LoadDriver::acknowledged_by(const std::string& base_url) const {
  std::lock_guard lock(mutex_);
  auto it = acknowledged_by_.find(base_url);
  return it == acknowledged_by_.end() ? 0 : it->second;
}

std::vector<Mutation> LoadDriver::mutations() const {
  std::lock_guard lock(mutex_);
  std::vector<Mutation> out;
  for (const auto& user : log_) out.insert(out.end(), user.begin(), user.end());
  return out;
}

void LoadDriver::record(size_t user, Mutation m) {
  std::lock_guard lock(mutex_);
  if (m.outcome == Outcome::acknowledged) ++acknowledged_by_[m.replica];
  log_[user].push_back(std::move(m));
}

void LoadDriver::run_user(size_t index) {
  const std::string user = users_[index];
  const std::string token = "Authorization: Bearer " +
                            http::mint_token(user, options_.jwt_secret, std::chrono::hours(2), now_millis() / 1000);
  std::mt19937 rng(options_.seed * 7919u + static_cast<unsigned>(index));
  std::map<std::string, std::unique_ptr<HttpClient>> clients;  // one keep-alive connection per replica
  std::vector<KnownTask> tasks;
  size_t turn = index;  // users start on different replicas
  long long due_counter = 0;

  for (size_t order = 0;; ++order) {
    if (stop_ || std::chrono::steady_clock::now() >= deadline_) break;
    if (tickets_.fetch_add(1) >= options_.mutations) break;
    std::vector<std::string> live = endpoints_();
    if (live.empty()) {
      // Every replica is down for a moment (a restart): wait for one, within the run's time.
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
      if (!wait_until([&] { return !(live = endpoints_()).empty() || stop_; }, left) || stop_) break;
    }
    // Connections to replicas that are gone are dropped, not kept for ever.
    for (auto it = clients.begin(); it != clients.end();)
      it = std::find(live.begin(), live.end(), it->first) == live.end() ? clients.erase(it) : std::next(it);
    const std::string base = live[turn++ % live.size()];
    auto& client = clients[base];
    if (!client) client = std::make_unique<HttpClient>(base, options_.request_timeout_ms);

    size_t target = 0;
    Mutation m;
    m.user = user;
    m.order = order;
    m.kind = choose(rng, tasks, options_.max_tasks_per_user, target);
    m.correlation_id = user + "-" + std::to_string(order);
    m.replica = base;
    if (m.kind != MutationKind::create) m.task_id = tasks[target].id;
    const std::vector<std::string> headers = {token, "X-Correlation-ID: " + m.correlation_id,
                                              "Content-Type: application/json"};
    const std::string path = "/api/v1/tasks/" + m.task_id;
    HttpResponse r;
    switch (m.kind) {
      case MutationKind::create: {
        json body = {{"title", "task " + std::to_string(order)}};
        if (rng() % 2) body["due_date"] = next_due(due_counter);
        if (rng() % 3 == 0) body["description"] = "made by request " + std::to_string(order);
        r = client->request("POST", "/api/v1/tasks", body.dump(), headers);
        break;
      }
      case MutationKind::patch_title:
        r = client->request("PATCH", path, json{{"title", "title " + std::to_string(order)}}.dump(), headers);
        break;
      case MutationKind::patch_description:
        r = client->request("PATCH", path, json{{"description", "text " + std::to_string(order)}}.dump(), headers);
        break;
      case MutationKind::patch_due:
        r = client->request("PATCH", path, json{{"due_date", next_due(due_counter)}}.dump(), headers);
        break;
      case MutationKind::clear_due:
        r = client->request("PATCH", path, json{{"due_date", nullptr}}.dump(), headers);
        break;
      case MutationKind::complete: r = client->request("POST", path + "/complete", "", headers); break;
      case MutationKind::uncomplete: r = client->request("POST", path + "/uncomplete", "", headers); break;
      case MutationKind::remove: r = client->request("DELETE", path, "", headers); break;
    }
    ++sent_;
    m.status = r.status;
    if (r.status >= 200 && r.status < 300) {
      m.outcome = Outcome::acknowledged;
      if (m.kind != MutationKind::remove) m.task = json::parse(r.body, nullptr, false);
    } else if (r.status >= 400 && r.status < 500) {
      m.outcome = Outcome::rejected;
    } else {
      m.outcome = Outcome::unknown;  // no answer (the replica went away), a 503 or worse
    }

    // What the user believes next: the answer's task when there is one; a delete whose answer
    // never came is forgotten all the same (it may have happened), a rejected one too.
    if (m.kind == MutationKind::create) {
      if (m.outcome == Outcome::acknowledged && m.task.is_object()) {
        m.task_id = m.task.value("id", "");
        tasks.push_back({m.task_id, m.task.value("completed", false), !m.task.value("due_date", json()).is_null()});
      }
    } else if (m.kind == MutationKind::remove || m.outcome == Outcome::rejected) {
      tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(target));
    } else if (m.outcome == Outcome::acknowledged && m.task.is_object()) {
      tasks[target].completed = m.task.value("completed", false);
      tasks[target].has_due = !m.task.value("due_date", json()).is_null();
    }
    if (m.outcome == Outcome::acknowledged) ++acknowledged_;
    record(index, std::move(m));
  }
}

}  // namespace tasks::testing
