#include "events/failure_model.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>

namespace tasks {

namespace {

// daprd's codes that hold for every event of the topic (pkg/api/errors/pubsub.go).
constexpr std::array<std::string_view, 6> topic_wide_codes = {
    "ERR_PUBSUB_NOT_CONFIGURED",    // no pub/sub adapter (unreachable over HTTP in daprd 1.18.3)
    "ERR_PUBSUB_NOT_FOUND",         // no component of that name, also when none is loaded at all
    "ERR_PUBSUB_EMPTY",             // empty component name in the URL (our bug)
    "ERR_TOPIC_NAME_EMPTY",         // empty topic in the URL (our bug)
    "ERR_PUBSUB_REQUEST_METADATA",  // a bad metadata.* parameter (our request)
    "ERR_PUBSUB_FORBIDDEN",         // the topic is not allowed for this app id
};

// daprd could not read or re-marshal this CloudEvent: the event's own fault.
constexpr std::array<std::string_view, 2> event_codes = {"ERR_PUBSUB_EVENTS_SER", "ERR_PUBSUB_CLOUD_EVENTS_SER"};

template <size_t N>
bool among(const std::array<std::string_view, N>& codes, const std::string& code) {
  for (auto c : codes)
    if (c == code) return true;
  return false;
}

FailureDecision lane_or_topic(bool flowing, bool ages, std::string reason) {
  if (flowing) return {Scope::lane, ages, std::move(reason)};
  return {Scope::topic, false, std::move(reason)};
}

FailureDecision poison_or_topic(bool flowing, std::string reason) {
  if (flowing) return {Scope::poison, true, std::move(reason)};
  return {Scope::topic, false, std::move(reason)};
}

FailureDecision transport(const AttemptResult& r, bool flowing) {
  switch (r.transport) {
    case Transport::connect:  // nothing listens: the sidecar is down for everyone
      return {Scope::topic, false, "connect"};
    case Transport::timeout:  // maybe one slow partition: never the event's own failure
      return lane_or_topic(flowing, false, "timeout");
    default:  // the connection broke mid-answer
      return lane_or_topic(flowing, false, "transport");
  }
}

}  // namespace

const char* to_string(Scope scope) {
  switch (scope) {
    case Scope::delivered: return "delivered";
    case Scope::lane: return "lane";
    case Scope::topic: return "topic";
    case Scope::poison: return "poison";
  }
  return "?";
}

bool others_flowing(const TopicRecent& recent, millis now, std::chrono::milliseconds window) {
  return recent.last_delivered_at > 0 && now - recent.last_delivered_at <= window.count();
}

std::string error_code_of(const std::string& body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_object()) return "";
  auto it = parsed.find("errorCode");
  if (it == parsed.end() || !it->is_string()) return "";
  // It becomes a metric label: daprd's codes are short upper-case words; anything else is one
  // label, not a new series per answer.
  const auto code = it->get<std::string>();
  const bool plain = !code.empty() && code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  return plain ? code : "UNRECOGNISED_ERROR_CODE";
}

bool is_delivered(const AttemptResult& r) {
  return r.http_status >= 200 && r.http_status < 300;
}

FailureDecision decide(const AttemptResult& r, bool flowing) {
  if (r.http_status == 0) return transport(r, flowing);
  const long s = r.http_status;
  if (is_delivered(r)) return {Scope::delivered, false, ""};
  const std::string code = error_code_of(r.body);
  if (!code.empty()) {
    if (among(topic_wide_codes, code)) return {Scope::topic, false, code};
    if (among(event_codes, code)) return poison_or_topic(flowing, code);
    // ERR_PUBSUB_PUBLISH_MESSAGE (the broker refused: a partition offline, a record too large)
    // and codes we do not know yet: the user's if others flow, else everyone's.
    return lane_or_topic(flowing, true, code);
  }
  const std::string reason = "http_" + std::to_string(s);
  // Without a code: a bare 400 or 413 is about this request's body; 408 and 5xx may be one
  // partition's; every other status (401, 403, 404, 405, 429, 3xx, ...) is the sidecar's answer to
  // every event alike.
  if (s == 400 || s == 413) return poison_or_topic(flowing, reason);
  if (s == 408 || s >= 500) return lane_or_topic(flowing, true, reason);
  return {Scope::topic, false, reason};
}

}  // namespace tasks
