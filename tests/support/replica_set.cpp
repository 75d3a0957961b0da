#include "tests/support/replica_set.hpp"

#include <stdexcept>

namespace tasks::testing {

namespace {

// The last `n` characters of a log, from a line start: enough to see why a replica stopped.
std::string tail(const std::string& text, size_t n = 1500) {
  if (text.size() <= n) return text;
  auto from = text.find('\n', text.size() - n);
  return from == std::string::npos ? text.substr(text.size() - n) : text.substr(from + 1);
}

}  // namespace

ReplicaSet::ReplicaSet(ReplicaSetOptions options) : options_(std::move(options)), slots_(options_.replicas) {
  for (size_t i = 0; i < slots_.size(); ++i) start(i);
}

ReplicaSet::~ReplicaSet() {
  for (size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].process) terminate(i);
}

std::string ReplicaSet::id(size_t slot) const {
  std::lock_guard lock(mutex_);
  return slots_.at(slot).id;
}

bool ReplicaSet::live(size_t slot) const {
  std::lock_guard lock(mutex_);
  return slots_.at(slot).live;
}

TaskdProcess& ReplicaSet::process(size_t slot) {
  auto& s = slots_.at(slot);
  if (s.process) return *s.process;
  if (!retired_.empty()) return *retired_.back();
  throw std::logic_error("slot " + std::to_string(slot) + " never had a process");
}

std::string ReplicaSet::base_url(size_t slot) const {
  std::lock_guard lock(mutex_);
  return slots_.at(slot).base_url;
}

std::string ReplicaSet::admin_url(size_t slot) const {
  std::lock_guard lock(mutex_);
  return slots_.at(slot).admin_url;
}

std::vector<std::string> ReplicaSet::live_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& s : slots_)
    if (s.live) out.push_back(s.id);
  return out;
}

std::vector<std::string> ReplicaSet::endpoints() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& s : slots_)
    if (s.live) out.push_back(s.base_url);
  return out;
}

std::vector<std::string> ReplicaSet::admin_urls() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& s : slots_)
    if (s.live) out.push_back(s.admin_url);
  return out;
}

void ReplicaSet::kill_hard(size_t slot) {
  auto& s = slots_.at(slot);
  {
    // Out of the clients' rotation first: requests already on their way see the kill (their
    // outcome is unknown), no new one is sent to a process that is about to vanish.
    std::lock_guard lock(mutex_);
    s.live = false;
  }
  if (!s.process) return;
  s.process->kill_hard();
  retired_.push_back(std::move(s.process));
}

int ReplicaSet::terminate(size_t slot) {
  auto& s = slots_.at(slot);
  {
    // As a Kubernetes endpoint is removed when a pod starts terminating.
    std::lock_guard lock(mutex_);
    s.live = false;
  }
  if (!s.process) return 0;
  const int status = s.process->terminate();
  retired_.push_back(std::move(s.process));
  return status;
}

void ReplicaSet::start(size_t slot, std::string replica_id) {
  auto& s = slots_.at(slot);
  if (s.process) throw std::logic_error("slot " + std::to_string(slot) + " is running; stop it first");
  if (replica_id.empty()) replica_id = "r" + std::to_string(++last_id_);
  TaskdOptions o;
  o.env = options_.env;
  o.env["TASKS_DB"] = options_.db_url;
  o.env["DAPR_HTTP_ENDPOINT"] = options_.sidecar_endpoint;
  o.env["TASKS_REPLICA_ID"] = replica_id;
  o.workdir = make_temp_dir("replica-" + replica_id);
  // Started (and waited on until ready) outside the lock: the clients keep going meanwhile.
  auto process = std::make_unique<TaskdProcess>(o);
  if (secret_.empty()) secret_ = process->jwt_secret();
  std::lock_guard lock(mutex_);
  s.id = replica_id;
  s.base_url = process->base_url();
  s.admin_url = process->admin_url();
  s.live = true;
  s.process = std::move(process);
}

std::string ReplicaSet::describe() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (size_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    out += "slot " + std::to_string(i) + ": " + s.id + (s.live ? " (live)" : " (down)") + "\n";
    if (s.process) out += tail(s.process->stderr_text()) + "\n";
  }
  return out;
}

}  // namespace tasks::testing
