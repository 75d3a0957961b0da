#include "shell/views.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace tasks::shell {

using nlohmann::json;

namespace {

constexpr std::string_view paused_marker = "||";

const json& member(const json& object, std::string_view key) {
  static const json absent;
  if (!object.is_object()) return absent;
  auto it = object.find(key);
  return it == object.end() ? absent : *it;
}

// Strings as they are, null as nothing, everything else (numbers, booleans, arrays, the empty
// object) as compact JSON.
std::string as_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Actors in the order of the supervision tree: supervisor, persistence, registry, publishers,
// users, then kinds this shell does not know yet.
size_t kind_rank(std::string_view kind) {
  static constexpr std::string_view order[] = {"supervisor", "persistence", "registry", "publisher", "user"};
  return static_cast<size_t>(std::find(std::begin(order), std::end(order), kind) - std::begin(order));
}

// Sorted by topic: the service answers in no particular order, and `watch` should not shuffle.
json by_topic(json items) {
  std::stable_sort(items.begin(), items.end(),
                   [](const json& a, const json& b) { return text_of(a, "topic") < text_of(b, "topic"); });
  return items;
}

// The age column of a backlog: nothing pending has no age.
std::string age_text(const json& topic) {
  if (number_of(topic, "pending") == 0) return "-";
  return format_duration_ms(number_of(topic, "oldest_pending_age_ms"));
}

// The age of a topic's oldest dead letter: none has no age.
std::string dead_age_text(const json& topic) {
  if (number_of(topic, "dead_letters") == 0) return "-";
  return format_duration_ms(number_of(topic, "oldest_dead_letter_age_ms"));
}

// "1 lane", "3 lanes".
std::string count_of(long long n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

void flatten(const json& value, const std::string& prefix, std::vector<std::vector<std::string>>& rows) {
  if (value.is_object() && !value.empty()) {
    for (auto it = value.begin(); it != value.end(); ++it) flatten(it.value(), prefix + "." + it.key(), rows);
    return;
  }
  rows.push_back({prefix, as_text(value)});
}

}  // namespace

std::string render(const View& view) {
  std::string out;
  for (const auto& line : view.lead) out += line + "\n";
  if (!view.table.columns.empty()) out += render(view.table);
  for (const auto& line : view.notes) out += line + "\n";
  return out;
}

std::string text_of(const json& object, std::string_view key) {
  return as_text(member(object, key));
}

const json& array_member(const json& object, std::string_view key) {
  static const json empty = json::array();
  const json& value = member(object, key);
  return value.is_array() ? value : empty;
}

long long number_of(const json& object, std::string_view key) {
  const json& value = member(object, key);
  return value.is_number() ? value.get<long long>() : 0;
}

std::string shown_state(std::string_view state) {
  return state == "paused" ? "PAUSED" : std::string(state);
}

std::string format_duration_ms(long long ms) {
  char buf[32];
  if (ms < 0) ms = 0;
  if (ms < 1'000) {
    std::snprintf(buf, sizeof buf, "%lldms", ms);
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms / 100) / 10.0);
  } else {
    const long long s = ms / 1000;
    if (s < 3600)
      std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
      std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    else
      std::snprintf(buf, sizeof buf, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
  }
  return buf;
}

json filter_actors(const json& answer, std::string_view filter) {
  json kept = json::array();
  const std::string wanted = lower(filter);
  for (const auto& actor : array_member(answer, "actors"))
    if (wanted.empty() || lower(text_of(actor, "id")).find(wanted) != std::string::npos ||
        lower(text_of(actor, "kind")) == wanted)
      kept.push_back(actor);
  // The service lists them in no particular order; a fixed one keeps `watch actors` still.
  std::stable_sort(kept.begin(), kept.end(), [](const json& a, const json& b) {
    const auto rank_a = kind_rank(text_of(a, "kind")), rank_b = kind_rank(text_of(b, "kind"));
    return rank_a != rank_b ? rank_a < rank_b : text_of(a, "id") < text_of(b, "id");
  });
  return json{{"actors", kept}};
}

View actors_view(const json& answer, std::string_view filter) {
  View view;
  view.table.columns = {left("ID", 60),   left("KIND"),    left("STATE"),
                        right("MAILBOX"), right("UPTIME"), right("RESTARTS")};
  const json kept = filter_actors(answer, filter);
  for (const auto& actor : kept["actors"])
    view.table.rows.push_back({text_of(actor, "id"), text_of(actor, "kind"), shown_state(text_of(actor, "state")),
                               text_of(actor, "mailbox"), format_duration_ms(number_of(actor, "uptime_ms")),
                               text_of(actor, "restarts")});
  if (view.table.rows.empty())
    view.notes.push_back(filter.empty() ? "no actors" : "no actor matches \"" + std::string(filter) + "\"");
  return view;
}

View actor_view(const json& actor) {
  View view;
  view.table.columns = {left("FIELD"), left("VALUE", 100)};
  auto& rows = view.table.rows;
  rows.push_back({"id", text_of(actor, "id")});
  rows.push_back({"kind", text_of(actor, "kind")});
  rows.push_back({"state", shown_state(text_of(actor, "state"))});
  rows.push_back({"mailbox", text_of(actor, "mailbox")});
  rows.push_back({"uptime", format_duration_ms(number_of(actor, "uptime_ms")) + " (" +
                                std::to_string(number_of(actor, "uptime_ms")) + " ms)"});
  rows.push_back({"restarts", text_of(actor, "restarts")});
  const json& details = member(actor, "details");
  if (details.is_object())
    for (auto it = details.begin(); it != details.end(); ++it) flatten(it.value(), "details." + it.key(), rows);
  return view;
}

namespace {

// A topic in a topic-wide backoff: why, and when it tries again.
std::string probing_note(const json& publisher) {
  std::string note = text_of(publisher, "topic") +
                     " is PROBING: its events fail alike (a topic-wide backoff), so it tries one event at a time";
  if (const std::string next = text_of(publisher, "next_retry_at"); !next.empty()) note += ", next at " + next;
  if (const std::string error = text_of(publisher, "last_error"); !error.empty())
    note += "; last error: " + fit_cell(error, 80);
  return note;
}

}  // namespace

View publishers_view(const json& answer) {
  View view;
  view.table.columns = {left(""),           left("TOPIC"),          left("STATE"),           left("PROBING"),
                        right("IN-FLIGHT"), right("DELIVERED"),     right("FAILED"),         right("RETRIED"),
                        right("DEAD"),      right("LANE BACKOFFS"), right("TOPIC BACKOFFS"), right("MAILBOX"),
                        right("RESTARTS"),  left("LAST ERROR", 48)};
  std::vector<std::string> paused;
  for (const auto& p : by_topic(array_member(answer, "publishers"))) {
    const std::string topic = text_of(p, "topic"), state = text_of(p, "state");
    const bool probing = member(p, "probing") == true;
    if (state == "paused") paused.push_back(topic);
    view.table.rows.push_back({state == "paused" ? std::string(paused_marker) : "", topic, shown_state(state),
                               probing ? "yes" : "", text_of(p, "in_flight"), text_of(p, "delivered"),
                               text_of(p, "failed"), text_of(p, "retried"), text_of(p, "dead_lettered"),
                               text_of(p, "lane_backoffs"), text_of(p, "topic_backoffs"), text_of(p, "mailbox"),
                               text_of(p, "restarts"), text_of(p, "last_error")});
    if (probing)
      view.notes.push_back(probing_note(p));
    else if (state == "backing off" && !text_of(p, "next_retry_at").empty())
      view.notes.push_back(topic + ": backing off, next retry at " + text_of(p, "next_retry_at"));
  }
  for (const auto& topic : paused)
    view.notes.push_back(std::string(paused_marker) + " " + topic +
                         " is PAUSED: its events wait in the outbox (resume " + topic + " to deliver them)");
  if (view.table.rows.empty()) view.notes.push_back("no publishers");
  return view;
}

View outbox_view(const json& answer) {
  View view;
  view.table.columns = {left("TOPIC"),        right("PENDING"), right("OLDEST"),       right("LANES"),
                        right("BACKING OFF"), right("BLOCKED"), right("DEAD LETTERS"), right("OLDEST DEAD")};
  for (const auto& t : by_topic(array_member(answer, "topics"))) {
    view.table.rows.push_back({text_of(t, "topic"), text_of(t, "pending"), age_text(t), text_of(t, "lanes"),
                               text_of(t, "lanes_backing_off"), text_of(t, "lanes_blocked"), text_of(t, "dead_letters"),
                               dead_age_text(t)});
    // A blocked lane holds a user's events back until someone acts: say where to look.
    if (const long long blocked = number_of(t, "lanes_blocked"); blocked > 0)
      view.notes.push_back(text_of(t, "topic") + ": " + count_of(blocked, "lane") +
                           " stopped by a dead letter (lanes " + text_of(t, "topic") + " shows them)");
  }
  return view;
}

namespace {

// A row's next attempt, or the dead letter its lane waits behind (then it has no attempt due).
std::string next_attempt_text(const json& row) {
  const std::string behind = text_of(row, "waiting_behind");
  if (!behind.empty()) return "waiting behind " + short_event_id(behind);
  return text_of(row, "next_attempt_at");
}

}  // namespace

View outbox_topic_view(const json& answer) {
  View view;
  const std::string topic = text_of(answer, "topic");
  const long long pending = number_of(answer, "pending");
  std::string lead = topic + ": " + std::to_string(pending) + " pending";
  if (pending > 0) lead += ", oldest " + age_text(answer);
  if (const long long blocked = number_of(answer, "lanes_blocked"); blocked > 0)
    lead += ", " + count_of(blocked, "lane") + " blocked";
  view.lead.push_back(lead);
  const json& rows = array_member(answer, "rows");
  if (rows.empty()) return view;
  view.table.columns = {right("ID"),       left("EVENT ID"), left("TYPE"),         left("USER"),
                        right("ATTEMPTS"), left("CREATED"),  left("NEXT ATTEMPT"), left("LAST ERROR", 48)};
  bool waiting = false;
  for (const auto& r : rows) {
    waiting = waiting || !text_of(r, "waiting_behind").empty();
    view.table.rows.push_back({text_of(r, "id"), text_of(r, "event_id"), text_of(r, "event_type"),
                               text_of(r, "user_id"), text_of(r, "attempts"), text_of(r, "created_at"),
                               next_attempt_text(r), text_of(r, "last_error")});
  }
  if (static_cast<long long>(rows.size()) < pending)
    view.notes.push_back("(the first " + std::to_string(rows.size()) + " of " + std::to_string(pending) + ")");
  if (waiting)
    view.notes.push_back("rows waiting behind a dead letter go once it is redriven or discarded (lanes " + topic + ")");
  return view;
}

namespace {

// A table of `answer[member]`: each field a column (its header, width, alignment) and the item's
// field of that name as the cell; `empty` when there is none.
View list_view(const json& answer, const char* member, const char* empty,
               const std::vector<std::pair<Column, const char*>>& fields) {
  View view;
  const json& items = array_member(answer, member);
  if (items.empty()) {
    view.notes.push_back(empty);
    return view;
  }
  for (const auto& [column, _] : fields) view.table.columns.push_back(column);
  for (const auto& item : items) {
    std::vector<std::string> row;
    for (const auto& [_, key] : fields) row.push_back(text_of(item, key));
    view.table.rows.push_back(std::move(row));
  }
  return view;
}

}  // namespace

View dead_letters_view(const json& answer) {
  return list_view(answer, "dead_letters", "no dead letters",
                   {{right("ID"), "id"},
                    {left("TOPIC"), "topic"},
                    {left("EVENT ID"), "event_id"},
                    {left("TYPE"), "event_type"},
                    {left("USER"), "user_id"},
                    {right("ATTEMPTS"), "attempts"},
                    {left("DEAD AT"), "dead_at"},
                    {left("REASON", 48), "reason"}});
}

View lanes_view(const json& answer) {
  View view = list_view(answer, "blocked_lanes", "no blocked lanes",
                        {{left("TOPIC"), "topic"},
                         {left("USER"), "user_id"},
                         {left("TYPE"), "event_type"},
                         {left("EVENT ID"), "event_id"},
                         {left("SINCE"), "since"},
                         {right("WAITING"), "waiting"},
                         {left("REASON", 48), "reason"}});
  if (!view.table.rows.empty())
    view.notes.push_back(
        "act: redrive <event-id> (send it again, once the cause is fixed) or discard <event-id> <reason...> (give it "
        "up; the lane goes on)");
  return view;
}

View discarded_view(const json& answer) {
  return list_view(answer, "discarded", "nothing discarded",
                   {{left("DISCARDED AT"), "discarded_at"},
                    {left("BY"), "discarded_by"},
                    {left("NOTE", 48), "note"},
                    {left("TOPIC"), "topic"},
                    {left("USER"), "user_id"},
                    {left("TYPE"), "event_type"},
                    {left("EVENT ID"), "event_id"}});
}

View metrics_view(const std::vector<Sample>& samples, std::string_view prefix) {
  View view;
  if (samples.empty()) {
    view.notes.push_back(prefix.empty() ? "no metrics" : "no metric starts with \"" + std::string(prefix) + "\"");
    return view;
  }
  view.table.columns = {left("METRIC", 160), right("VALUE")};
  for (const auto& s : samples) view.table.rows.push_back({s.name + s.labels, s.value});
  return view;
}

std::string publisher_state_text(const json& answer) {
  const std::string topic = text_of(answer, "topic"), state = text_of(answer, "state");
  if (state == "paused") return std::string(paused_marker) + " " + topic + ": PAUSED (its events wait in the outbox)";
  return topic + ": " + state;
}

std::string redriven_text(const json& answer) {
  return "redriven: " + std::to_string(number_of(answer, "redriven"));
}

std::string discarded_text(const json& answer) {
  return "discarded " + text_of(answer, "discarded") + " (by " + text_of(answer, "by") +
         "): " + text_of(answer, "note") + "\nits lane goes on with the user's next event";
}

std::string short_event_id(std::string_view event_id) {
  constexpr size_t shown = 8;  // a UUID's first group: enough to tell dead letters apart
  return std::string(event_id.substr(0, shown));
}

std::string error_detail(long status, std::string_view body) {
  try {
    const json problem = json::parse(body);
    const std::string detail = text_of(problem, "detail");
    if (!detail.empty()) return detail;
    const std::string title = text_of(problem, "title");
    if (!title.empty()) return "HTTP " + std::to_string(status) + " " + title;
  } catch (const json::exception&) {
    // Not problem+json (a proxy's page, say): show where it starts.
  }
  std::string first_line(body.substr(0, body.find('\n')));
  if (first_line.size() > 200) first_line = first_line.substr(0, 200);
  return "HTTP " + std::to_string(status) + (first_line.empty() ? "" : ": " + first_line);
}

}  // namespace tasks::shell
