#include "tests/support/delivery_check.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <unordered_map>

namespace tasks::testing {

namespace {

using nlohmann::json;

const char* const task_events = "task-events";
const char* const task_updates = "task-updates";
const char* const reminders = "reminders";

const char* task_event_type(MutationKind kind) {
  switch (kind) {
    case MutationKind::create: return "task.created";
    case MutationKind::complete: return "task.completed";
    case MutationKind::uncomplete: return "task.uncompleted";
    case MutationKind::remove: return "task.deleted";
    default: return "task.updated";
  }
}

const char* sync_action(MutationKind kind) {
  switch (kind) {
    case MutationKind::create: return "created";
    case MutationKind::complete: return "completed";
    case MutationKind::uncomplete: return "uncompleted";
    case MutationKind::remove: return "deleted";
    default: return "updated";
  }
}

// The `sequence` extension: 20 decimal digits; nothing when absent or not that.
std::optional<unsigned long long> sequence_of(const json& event) {
  auto it = event.find("sequence");
  if (it == event.end() || !it->is_string()) return std::nullopt;
  const std::string text = it->get<std::string>();
  if (text.size() != 20 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(text);
}

long long version_of(const json& event) {
  const auto& data = event.value("data", json::object());
  auto it = data.find("version");
  return it != data.end() && it->is_number_integer() ? it->get<long long>() : -1;
}

// Contract §4: a reminder is active while the task exists, has a due date and is not completed.
bool reminder_active(const json& task) {
  return task.is_object() && !task.value("completed", false) && task.contains("due_date") &&
         !task["due_date"].is_null();
}

// The reminder event a change from `before` to `after` must make ("" when none); a task that
// does not exist (before a create, after a delete) is null.
std::string reminder_change(const json& before, const json& after) {
  const bool was = reminder_active(before), is = reminder_active(after);
  if (!was && is) return "reminder.scheduled";
  if (was && is && before["due_date"] != after["due_date"]) return "reminder.rescheduled";
  if (was && !is) return "reminder.cancelled";
  return "";
}

std::string name(const Mutation& m) {
  return std::string(to_string(m.outcome)) + " " + to_string(m.kind) + " #" + std::to_string(m.order) + " of " +
         m.user + " (task " + (m.task_id.empty() ? "?" : m.task_id) + ", correlation " + m.correlation_id +
         ", status " + std::to_string(m.status) + ", via " + m.replica + ")";
}

// One request's distinct events, per topic.
using RequestEvents = std::map<std::string, std::vector<const json*>>;

// What the client knew of a task just before a mutation: its state (null: it does not exist),
// or nothing when a request of unknown outcome touched it since the last answer.
using Before = std::optional<json>;

// The events an acknowledged mutation must have made: one of its type and version on
// task-events, one sync of its action on task-updates, and the reminder change (checked only
// when the state before is known).
void check_acknowledged(const Mutation& m, const RequestEvents& got, const Before& before, DeliveryReport& rep) {
  long long version = -1;
  if (m.kind != MutationKind::remove && m.task.is_object()) version = m.task.value("version", -1LL);
  if (m.kind == MutationKind::remove && before && before->is_object()) version = before->value("version", -1LL) + 1;

  auto expect = [&](const char* topic, const std::string& type, const char* action) {
    auto it = got.find(topic);
    if (it == got.end() || it->second.empty()) {
      rep.lost.add(name(m) + ": no " + type + " on " + topic);
      return;
    }
    const json& e = *it->second.front();
    if (e.value("type", "") != type)
      rep.unexpected.add(name(m) + ": " + e.value("type", "?") + " on " + topic + ", expected " + type);
    const auto data = e.value("data", json::object());
    if (action && data.value("action", "") != action)
      rep.unexpected.add(name(m) + ": action " + data.value("action", "?") + " on " + topic + ", expected " + action);
    if (!m.task_id.empty() && data.value("task_id", "") != m.task_id)
      rep.unexpected.add(name(m) + ": an event about task " + data.value("task_id", "?") + " on " + topic);
    if (version >= 0 && version_of(e) != version)
      rep.unexpected.add(name(m) + ": version " + std::to_string(version_of(e)) + " on " + topic + ", expected " +
                         std::to_string(version));
  };
  expect(task_events, task_event_type(m.kind), nullptr);
  expect(task_updates, "task.sync", sync_action(m.kind));

  const json after = m.kind == MutationKind::remove ? json() : m.task;
  if (!before) return;  // the reminder's state before is unknown: any one reminder event is fine
  const std::string change = reminder_change(*before, after);
  auto it = got.find(reminders);
  const bool has = it != got.end() && !it->second.empty();
  if (change.empty() && has)
    rep.unexpected.add(name(m) + ": " + it->second.front()->value("type", "?") + " on reminders, expected none");
  if (!change.empty()) expect(reminders, change, nullptr);
}

}  // namespace

std::string DeliveryReport::summary() const {
  std::ostringstream os;
  os << acknowledged << " acknowledged, " << unknown << " of unknown outcome (" << unknown_committed << " committed), "
     << rejected << " rejected; " << deliveries << " deliveries of " << distinct << " events, " << duplicates
     << " duplicates; problems: " << lost.count << " lost, " << unexpected.count << " unexpected, " << disorder.count
     << " out of order, " << malformed.count << " malformed";
  return os.str();
}

std::string DeliveryReport::details() const {
  std::ostringstream os;
  os << summary();
  if (!lost.empty()) os << "\n  lost: " << lost;
  if (!unexpected.empty()) os << "\n  unexpected: " << unexpected;
  if (!disorder.empty()) os << "\n  out of order: " << disorder;
  if (!malformed.empty()) os << "\n  malformed: " << malformed;
  return os.str();
}

DeliveryReport check_delivery(const std::vector<Mutation>& mutations, const std::vector<DeliveredEvent>& events) {
  DeliveryReport rep;
  std::map<std::string, std::vector<const Mutation*>> per_user;
  for (const auto& m : mutations) {
    per_user[m.user].push_back(&m);
    if (m.outcome == Outcome::acknowledged) ++rep.acknowledged;
    if (m.outcome == Outcome::unknown) ++rep.unknown;
    if (m.outcome == Outcome::rejected) ++rep.rejected;
  }

  // First deliveries in arrival order: the order checks per lane, and each request's events.
  std::unordered_map<std::string, const json*> first_by_id;
  std::map<std::pair<std::string, std::string>, unsigned long long> last_sequence;  // (user, topic)
  std::map<std::pair<std::string, std::string>, long long> last_version;            // (task, topic)
  std::unordered_map<std::string, RequestEvents> by_request;                        // correlation id
  for (const auto& d : events) {
    const json& e = d.event;
    if (!e.is_object()) continue;
    const json data = e.value("data", json::object());
    const std::string user = data.is_object() ? data.value("user_id", "") : "";
    if (!per_user.count(user)) continue;
    ++rep.deliveries;
    const std::string id = e.value("id", "");
    auto [first, fresh] = first_by_id.emplace(id, &e);
    if (!fresh) {
      ++rep.duplicates;
      rep.duplicated_ids.push_back(id);
      if (*first->second != e) rep.malformed.add("event " + id + " delivered again with other content");
      continue;
    }
    ++rep.distinct;
    const std::string where = " (" + e.value("type", "?") + " of " + user + " on " + d.topic + ", event " + id + ")";
    if (auto seq = sequence_of(e)) {
      auto& last = last_sequence[{user, d.topic}];
      if (*seq <= last) rep.disorder.add("sequence " + std::to_string(*seq) + " after " + std::to_string(last) + where);
      last = *seq;
    } else {
      rep.malformed.add("no valid sequence: " + (e.contains("sequence") ? e["sequence"].dump() : "absent") + where);
    }
    const std::string task = data.value("task_id", "");
    const long long version = version_of(e);
    auto& last = last_version[{task, d.topic}];
    if (version <= last)
      rep.disorder.add("version " + std::to_string(version) + " after " + std::to_string(last) + " of task " + task +
                       where);
    last = version;
    by_request[e.value("correlationid", "")][d.topic].push_back(&e);
  }

  std::set<std::string> matched;
  for (auto& [user, ops] : per_user) {
    std::sort(ops.begin(), ops.end(), [](const Mutation* a, const Mutation* b) { return a->order < b->order; });
    std::map<std::string, json> state;  // task → as the last answer showed it (null: deleted)
    std::set<std::string> uncertain;    // tasks a request of unknown outcome touched since
    unsigned long long last_commit = 0;
    std::string last_commit_name = "none";
    for (const Mutation* m : ops) {
      auto found = by_request.find(m->correlation_id);
      const RequestEvents none;
      const RequestEvents& got = found == by_request.end() ? none : found->second;
      if (found != by_request.end()) matched.insert(m->correlation_id);
      const bool committed = !got.empty();

      // One event per topic, one sequence per commit.
      std::optional<unsigned long long> commit_sequence;
      bool one_sequence = true;
      for (const auto& [topic, list] : got) {
        if (list.size() > 1) rep.unexpected.add(name(*m) + ": " + std::to_string(list.size()) + " events on " + topic);
        for (const json* e : list) {
          auto seq = sequence_of(*e);
          if (!seq) continue;
          if (commit_sequence && *commit_sequence != *seq) one_sequence = false;
          if (!commit_sequence) commit_sequence = seq;
        }
      }
      if (!one_sequence) rep.malformed.add(name(*m) + ": its events carry different sequences");

      switch (m->outcome) {
        case Outcome::rejected:
          if (committed) rep.unexpected.add(name(*m) + ": a rejected request has events");
          break;
        case Outcome::unknown:
          if (committed) {
            ++rep.unknown_committed;
            if (!got.count(task_events) || !got.count(task_updates))
              rep.lost.add(name(*m) + ": it committed, but its events reached only some topics");
          }
          break;
        case Outcome::acknowledged: {
          Before before = json();  // a create: nothing before
          if (m->kind != MutationKind::create) {
            auto it = state.find(m->task_id);
            before = it != state.end() && !uncertain.count(m->task_id) ? Before(it->second) : std::nullopt;
          }
          check_acknowledged(*m, got, before, rep);
          break;
        }
      }

      // Commit order: one user's commits were made one after another in the order the client
      // sent them, so their sequences must rise in that order too.
      if (committed && commit_sequence) {
        if (*commit_sequence <= last_commit)
          rep.disorder.add(name(*m) + ": sequence " + std::to_string(*commit_sequence) + " not after " +
                           std::to_string(last_commit) + " of " + last_commit_name);
        last_commit = *commit_sequence;
        last_commit_name = m->correlation_id;
      }

      if (m->outcome == Outcome::acknowledged) {
        state[m->task_id] = m->kind == MutationKind::remove ? json() : m->task;
        uncertain.erase(m->task_id);
      } else if (m->outcome == Outcome::unknown && !m->task_id.empty()) {
        uncertain.insert(m->task_id);
      }
    }
  }
  for (const auto& [correlation, got] : by_request)
    if (!matched.count(correlation))
      for (const auto& [topic, list] : got)
        for (const json* e : list)
          rep.unexpected.add("an event no request made: " + e->value("type", "?") + " on " + topic + ", correlation " +
                             correlation + ", event " + e->value("id", "?"));
  return rep;
}

}  // namespace tasks::testing
