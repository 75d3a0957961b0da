#pragma once

// Each command's JSON answer as the operator sees it: a table, with a line or two around it
// where a table alone would hide something (a paused publisher, an empty answer). Pure
// functions; unexpected shapes give empty cells, never an exception.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "shell/metrics_text.hpp"
#include "shell/table.hpp"

namespace tasks::shell {

struct View {
  std::vector<std::string> lead;   // lines before the table
  Table table;                     // not shown when it has no columns
  std::vector<std::string> notes;  // lines after it
};

// Lead lines, the table, notes: the text to print.
std::string render(const View& view);

// GET /admin/actors, keeping those whose id contains `filter` or whose kind is it (any case).
View actors_view(const nlohmann::json& answer, std::string_view filter = "");
// The actors of an answer that `actors <filter>` keeps (also what --json prints), ordered as
// the supervision tree is (supervisor, persistence, registry, publishers, users), then by id.
nlohmann::json filter_actors(const nlohmann::json& answer, std::string_view filter);
// GET /admin/actors/{id}: one field a line, the kind-specific details flattened ("details.topic").
View actor_view(const nlohmann::json& actor);
// GET /admin/publishers, by topic: a paused one says PAUSED, carries the "||" marker and gets a
// note; one probing (a topic-wide backoff) is marked and says when it probes next; one backing
// off otherwise says when it retries. The backoff counts tell topic-wide from one user's trouble.
View publishers_view(const nlohmann::json& answer);
// GET /admin/outbox: the backlog per topic, by topic, with its lanes (backing off, blocked by a
// dead letter) and dead letters; a note points at `lanes` when some lane is blocked.
View outbox_view(const nlohmann::json& answer);
// GET /admin/outbox/{topic}: its backlog and the next rows; a row waiting behind a dead letter
// says so instead of a next attempt.
View outbox_topic_view(const nlohmann::json& answer);
// GET /admin/dead-letters.
View dead_letters_view(const nlohmann::json& answer);
// GET /admin/lanes: the lanes stopped by a dead letter, and how to act on one.
View lanes_view(const nlohmann::json& answer);
// GET /admin/discarded: the record of dead letters given up on, as the service orders it (newest
// first).
View discarded_view(const nlohmann::json& answer);
// GET /metrics, already reduced to a prefix: one sample a line.
View metrics_view(const std::vector<Sample>& samples, std::string_view prefix);
// POST .../pause or .../resume: "task-events: PAUSED".
std::string publisher_state_text(const nlohmann::json& answer);
// POST .../redrive: "redriven: 3".
std::string redriven_text(const nlohmann::json& answer);
// POST .../discard: "discarded <event id> (by alice@host): <reason>", and that the lane goes on.
std::string discarded_text(const nlohmann::json& answer);

// An event id short enough for a cell (a UUID's first 8 characters), whole when it is short.
std::string short_event_id(std::string_view event_id);

// A publisher or actor state as shown: "paused" is shouted, the rest as they come.
std::string shown_state(std::string_view state);
// 850ms, 12.3s, 4m12s, 2h03m, 3d04h.
std::string format_duration_ms(long long ms);
// A member as text: strings as they are, numbers and booleans written out, null and absent "".
std::string text_of(const nlohmann::json& object, std::string_view key);
// A member that is an array, else an empty one.
const nlohmann::json& array_member(const nlohmann::json& object, std::string_view key);
// A member that is a number, else 0.
long long number_of(const nlohmann::json& object, std::string_view key);

// The `detail` of a problem+json error answer, else "HTTP <status>" and the body's first line.
std::string error_detail(long status, std::string_view body);

}  // namespace tasks::shell
