#include "events/bulk.hpp"

#include <cstdint>
#include <vector>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "core/json_text.hpp"
#include "core/utf8.hpp"
#include "events/failure_model.hpp"

namespace tasks {

namespace {

constexpr size_t kept_body = 2048;  // of an answer copied into a result (logs, last_error)

// The entry without its event: the event goes between the two halves as stored.
std::string entry_head(const OutboxRow& row) {
  return R"({"entryId":")" + std::to_string(row.id) + R"(","event":)";
}

std::string entry_tail(const OutboxRow& row) {
  std::string out = R"(,"contentType":"application/cloudevents+json","metadata":{"partitionKey":)";
  append_json_string(out, row.event.partition_key);
  out += "}}";
  return out;
}

struct FailedEntry {
  std::string id, error;
};

// daprd's partial failure (onBulkPublish in pkg/api/http/http.go): 500, errorCode
// ERR_PUBSUB_PUBLISH_MESSAGE, a non-empty failedEntries list of {entryId, error}. Anything else is
// not one, and nothing in it is trusted.
std::optional<std::vector<FailedEntry>> failed_entries(const AttemptResult& answer) {
  if (answer.http_status != 500 || error_code_of(answer.body) != "ERR_PUBSUB_PUBLISH_MESSAGE") return std::nullopt;
  const auto parsed = nlohmann::json::parse(answer.body, nullptr, false);
  if (!parsed.is_object()) return std::nullopt;
  const auto list = parsed.find("failedEntries");
  if (list == parsed.end() || !list->is_array() || list->empty()) return std::nullopt;
  std::vector<FailedEntry> out;
  for (const auto& e : *list) {
    if (!e.is_object()) return std::nullopt;
    const auto id = e.find("entryId"), error = e.find("error");
    if (id == e.end() || !id->is_string()) return std::nullopt;
    FailedEntry f{id->get<std::string>(), ""};
    // Cut at a character: the error goes into a JSON text (failed_entry), and dump throws on a
    // split one.
    if (error != e.end() && error->is_string()) f.error = utf8_prefix(error->get<std::string>(), kept_body);
    out.push_back(std::move(f));
  }
  return out;
}

AttemptResult delivered_entry() {
  AttemptResult r;
  r.http_status = 204;
  return r;
}

// The failed entry as single publish would have been answered for it.
AttemptResult failed_entry(const std::string& error) {
  AttemptResult r;
  r.http_status = 500;
  r.body = nlohmann::json{{"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}, {"message", error}}.dump();
  return r;
}

}  // namespace

// One object whose brackets balance outside strings, nothing after it. Not a full JSON check
// (a full parse of every payload on every attempt was 11 % of a create's instructions): the
// payloads are this service's own, so what it catches is a cut payload (the mangle switch); a
// request daprd still finds unreadable is sent again one event at a time (publisher, bulk
// "bad event" answers).
bool bulk_embeddable(const std::string& payload) {
  const auto start = payload.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || payload[start] != '{') return false;
  // The open brackets as bits (1: an object), deep enough for any event of ours; a deeper
  // payload goes by single publish. No allocation: this runs for every row of every attempt.
  std::uint64_t objects = 0;
  int depth = 0;
  const char* p = payload.data() + start;
  const char* const end = payload.data() + payload.size();
  for (; p < end; ++p) {
    const char c = *p;
    if (c == '"') {
      // The string's end: the next quote not escaped; a raw control character is no JSON.
      for (++p; p < end && *p != '"'; ++p) {
        if (static_cast<unsigned char>(*p) < 0x20) return false;
        if (*p == '\\' && ++p == end) return false;
      }
      if (p == end) return false;
      continue;
    }
    if (c == '{' || c == '[') {
      if (depth == 64) return false;
      objects = (objects << 1) | (c == '{' ? 1U : 0U);
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0 || (objects & 1U) != (c == '}' ? 1U : 0U)) return false;
      objects >>= 1;
      if (--depth == 0)
        return payload.find_first_not_of(" \t\r\n", static_cast<size_t>(p - payload.data()) + 1) == std::string::npos;
    }
  }
  return false;  // never closed
}

size_t bulk_entry_size(const OutboxRow& row) {
  return entry_head(row).size() + row.event.payload.size() + entry_tail(row).size() + 1;
}

size_t bulk_part_size(const Lane& lane, size_t first, size_t max_bytes) {
  size_t n = 0, bytes = 2;  // the brackets
  for (size_t i = first; i < lane.rows.size(); ++i) {
    const auto& row = lane.rows[i];
    if (!bulk_embeddable(row.event.payload)) break;
    bytes += bulk_entry_size(row);
    if (n > 0 && bytes > max_bytes) break;
    ++n;
  }
  return n;
}

std::string bulk_body(const std::vector<Lane>& lanes, const std::vector<BulkPart>& parts) {
  size_t size = 2;
  for (const auto& p : parts)
    for (size_t i = p.first; i < p.first + p.count; ++i) size += bulk_entry_size(lanes[p.lane].rows[i]);
  std::string body;
  body.reserve(size);
  body += '[';
  bool first = true;
  for (const auto& p : parts)
    for (size_t i = p.first; i < p.first + p.count; ++i) {
      const auto& row = lanes[p.lane].rows[i];
      if (!first) body += ',';
      first = false;
      body += entry_head(row);
      body += row.event.payload;  // embedded as stored: no second JSON pass
      body += entry_tail(row);
    }
  body += ']';
  return body;
}

BulkAnswer read_bulk_answer(const std::vector<Lane>& lanes, const std::vector<BulkPart>& parts,
                            const AttemptResult& answer) {
  BulkAnswer out;
  out.parts.resize(parts.size());
  auto row_of = [&](size_t p, size_t k) -> const OutboxRow& { return lanes[parts[p].lane].rows[parts[p].first + k]; };
  if (is_delivered(answer)) {
    for (size_t p = 0; p < parts.size(); ++p)
      for (size_t k = 0; k < parts[p].count; ++k)
        out.parts[p].attempts.emplace_back(row_of(p, k).id, delivered_entry());
    return out;
  }
  // The same answer for the first row of every part: each lane stops at its first row.
  auto whole_request = [&] {
    AttemptResult first = answer;
    first.body = first.body.substr(0, kept_body);
    for (size_t p = 0; p < parts.size(); ++p)
      if (parts[p].count > 0) out.parts[p].attempts.emplace_back(row_of(p, 0).id, first);
    return out;
  };
  const auto failed = failed_entries(answer);
  if (!failed) return whole_request();
  std::unordered_map<std::string, std::pair<size_t, size_t>> where;  // entry id -> (part, row in part)
  for (size_t p = 0; p < parts.size(); ++p)
    for (size_t k = 0; k < parts[p].count; ++k) where[std::to_string(row_of(p, k).id)] = {p, k};
  // Per part: its failed rows (row in part -> error). An entry we did not send means the answer
  // is not about this request: nothing in it is believed.
  std::vector<std::map<size_t, std::string>> failed_in(parts.size());
  for (const auto& f : *failed) {
    const auto it = where.find(f.id);
    if (it == where.end()) return whole_request();
    failed_in[it->second.first].emplace(it->second.second, f.error);
  }
  for (size_t p = 0; p < parts.size(); ++p) {
    auto& attempts = out.parts[p].attempts;
    const auto& failures = failed_in[p];
    const size_t first_failed = failures.empty() ? parts[p].count : failures.begin()->first;
    for (size_t k = 0; k < first_failed; ++k) attempts.emplace_back(row_of(p, k).id, delivered_entry());
    if (first_failed == parts[p].count) continue;
    attempts.emplace_back(row_of(p, first_failed).id, failed_entry(failures.begin()->second));
    // Written by the broker behind their lane's failed entry: they go again after it.
    for (size_t k = first_failed + 1; k < parts[p].count; ++k) out.reorder_risks += failures.count(k) == 0;
  }
  return out;
}

bool bulk_route_refused(const AttemptResult& answer) {
  return (answer.http_status == 404 || answer.http_status == 405) && error_code_of(answer.body).empty();
}

bool bulk_answer_needs_single(const AttemptResult& answer, size_t entries) {
  // "Others flow" is assumed: the question is only whether the answer blames one event.
  return entries > 1 && answer.http_status != 0 && decide(answer, true).scope == Scope::poison;
}

}  // namespace tasks
