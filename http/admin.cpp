#include "http/admin.hpp"

#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "core/topics.hpp"
#include "http/admin_routes.hpp"
#include "http/cluster_json.hpp"
#include "http/percent.hpp"
#include "http/request_meta.hpp"

namespace tasks::http {

namespace {

using json = nlohmann::ordered_json;
using exchange_ptr = std::shared_ptr<Exchange>;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void fail(const exchange_ptr& ex, const caf::error& err) {
  ex->send_problem({503, "the actors did not answer: " + to_string(err), ""});
}

json actor_json(const ActorStatus& s) {
  return json::parse(to_json(s).dump());  // keep the field order of to_json
}

constexpr std::int64_t metrics_backlog_reuse_ms = 500;

// A view's deadline: the monitor drops a request whose asker has stopped waiting.
Deadline view_deadline(std::chrono::milliseconds timeout) {
  return Deadline{std::chrono::steady_clock::now() + timeout};
}

json publisher_json(const ActorStatus& s) {
  const auto& d = s.details;
  auto get = [&](const char* key) { return d.contains(key) ? json::parse(d[key].dump()) : json(nullptr); };
  return {{"topic", get("topic")},
          {"state", s.state},
          {"probing", get("probing")},
          {"topic_backoffs", get("topic_backoffs")},
          {"lane_backoffs", get("lane_backoffs")},
          {"failures_by_scope", get("failures_by_scope")},
          {"in_flight", get("in_flight")},
          {"delivered", get("delivered")},
          {"failed", get("failed")},
          {"retried", get("retried")},
          {"dead_lettered", get("dead_lettered")},
          {"publish_mode", get("publish_mode")},
          {"requests", get("requests")},
          {"bulk_requests", get("bulk_requests")},
          {"reorder_risks", get("reorder_risks")},
          {"last_error", get("last_error")},
          {"last_error_at", get("last_error_at")},
          {"next_retry_at", get("next_retry_at")},
          {"restarts", s.restarts},
          {"mailbox", s.mailbox}};
}

// A stored event's identity (its outbox id first, the topic when the view mixes topics), then
// `details`, then when it was created: the shape every outbox, dead-letter and discard view shares.
json event_json(std::int64_t id, const OutboxEvent& e, bool with_topic, const json& details) {
  json out = {{"id", id}};
  if (with_topic) out["topic"] = e.topic;
  out["event_id"] = e.event_id;
  out["event_type"] = e.event_type;
  out["user_id"] = e.partition_key;
  out["task_id"] = e.task_id;
  out["correlation_id"] = e.correlation_id;
  for (const auto& [key, value] : details.items()) out[key] = value;
  out["created_at"] = format_rfc3339(e.created_at);
  return out;
}

json row_json(const OutboxRow& r) {
  return event_json(r.id, r.event, false,
                    {{"attempts", r.attempts},
                     {"last_error", r.last_error},
                     {"next_attempt_at", format_rfc3339(r.next_attempt_at)},
                     {"first_failed_at", r.first_failed_at ? format_rfc3339(r.first_failed_at) : ""},
                     {"lane_failures", r.lane_failures},
                     {"waiting_behind", r.waiting_behind}});
}

json lane_json(const BlockedLane& l) {
  return {{"topic", l.topic},
          {"user_id", l.user_id},
          {"dead_letter_id", l.dead_letter_id},
          {"event_id", l.event_id},
          {"event_type", l.event_type},
          {"task_id", l.task_id},
          {"since", format_rfc3339(l.since)},
          {"reason", l.reason},
          {"waiting", l.waiting}};
}

json discarded_json(const DiscardedEvent& d) {
  return event_json(d.id, d.event, true,
                    {{"attempts", d.attempts},
                     {"dead_reason", d.dead_reason},
                     {"dead_at", format_rfc3339(d.dead_at)},
                     {"discarded_at", format_rfc3339(d.discarded_at)},
                     {"discarded_by", d.discarded_by},
                     {"note", d.note}});
}

json dead_json(const DeadLetter& d) {
  return event_json(d.id, d.event, true,
                    {{"attempts", d.attempts}, {"reason", d.reason}, {"dead_at", format_rfc3339(d.dead_at)}});
}

// Backlog of every topic, the three listed even when empty.
json backlog_json(const std::vector<OutboxBacklog>& backlog, const std::string& only = "") {
  json topics = json::array();
  const millis now = now_millis();
  for (auto t : topics::all) {
    if (!only.empty() && only != t) continue;
    json entry = {{"topic", std::string(t)},    {"pending", 0},
                  {"oldest_pending_age_ms", 0}, {"lanes", 0},
                  {"lanes_backing_off", 0},     {"lanes_blocked", 0},
                  {"dead_letters", 0},          {"oldest_dead_letter_age_ms", 0}};
    for (const auto& b : backlog)
      if (b.topic == t) {
        entry["pending"] = b.pending;
        entry["oldest_pending_age_ms"] = b.pending && b.oldest_created_at ? now - b.oldest_created_at : 0;
        entry["lanes"] = b.lanes;
        entry["lanes_backing_off"] = b.lanes_backing_off;
        entry["lanes_blocked"] = b.lanes_blocked;
        entry["dead_letters"] = b.dead_letters;
        entry["oldest_dead_letter_age_ms"] = b.dead_letters ? now - b.oldest_dead_at : 0;
      }
    topics.push_back(entry);
  }
  return topics;
}

enum class ActorsView { all, one, publishers };

// Supervisor status plus every supervised actor's (the supervisor gathers the user actors).
void ask_actors(caf::event_based_actor* self, exchange_ptr ex, supervisor_actor supervisor,
                std::chrono::milliseconds timeout, ActorsView view, std::string wanted) {
  auto all = std::make_shared<std::vector<ActorStatus>>();
  self->request(supervisor, timeout, status_atom::value)
      .then(
          [=](ActorStatus& own) {
            all->push_back(std::move(own));
            self->request(supervisor, timeout, children_atom::value)
                .then(
                    [=](std::vector<ActorStatus>& children) {
                      for (auto& c : children) all->push_back(std::move(c));
                      if (view == ActorsView::one) {
                        for (const auto& s : *all)
                          if (s.id == wanted) return ex->send_json(200, dump(actor_json(s)));
                        return ex->send_problem({404, "no actor with id '" + wanted.substr(0, 200) + "'", ""});
                      }
                      json list = json::array();
                      for (const auto& s : *all) {
                        if (view == ActorsView::publishers && s.kind == "publisher") list.push_back(publisher_json(s));
                        if (view == ActorsView::all) list.push_back(actor_json(s));
                      }
                      ex->send_json(200, dump({{view == ActorsView::all ? "actors" : "publishers", list}}));
                    },
                    [=](caf::error& e) { fail(ex, e); });
          },
          [=](caf::error& e) { fail(ex, e); });
}

void ask_pause(caf::event_based_actor* self, exchange_ptr ex, publisher_actor publisher, std::string topic, bool pause,
               std::chrono::milliseconds timeout) {
  auto then_status = [=](bool) {
    self->request(publisher, timeout, status_atom::value)
        .then(
            [=](ActorStatus& s) {
              ex->send_json(200, dump({{"topic", topic}, {"state", s.state}}));
            },
            [=](caf::error& e) { fail(ex, e); });
  };
  if (pause)
    self->request(publisher, timeout, pause_atom::value).then(then_status, [=](caf::error& e) { fail(ex, e); });
  else
    self->request(publisher, timeout, resume_atom::value).then(then_status, [=](caf::error& e) { fail(ex, e); });
}

void ask_cluster(caf::event_based_actor* self, exchange_ptr ex, lease_keeper_actor keeper,
                 std::chrono::milliseconds timeout) {
  self->request(keeper, timeout, cluster_atom::value)
      .then([=](ClusterView& view) { ex->send_json(200, dump(cluster_json(view))); },
            [=](caf::error& e) { fail(ex, e); });
}

void ask_outbox(caf::event_based_actor* self, exchange_ptr ex, outbox_reader_actor reader, std::string topic,
                std::int64_t limit, std::chrono::milliseconds timeout) {
  self->request(reader, timeout, backlog_atom::value, std::int64_t{0}, view_deadline(timeout))
      .then(
          [=](std::vector<OutboxBacklog>& backlog) {
            if (topic.empty()) return ex->send_json(200, dump({{"topics", backlog_json(backlog)}}));
            auto summary = backlog_json(backlog, topic)[0];
            self->request(reader, timeout, pending_atom::value, topic, limit, view_deadline(timeout))
                .then(
                    [=](std::vector<OutboxRow>& rows) mutable {
                      json list = json::array();
                      for (const auto& r : rows) list.push_back(row_json(r));
                      summary["rows"] = list;
                      ex->send_json(200, dump(summary));
                    },
                    [=](caf::error& e) { fail(ex, e); });
          },
          [=](caf::error& e) { fail(ex, e); });
}

// A list view of the monitor (dead letters, blocked lanes, discarded events): asked with its
// deadline, answered as {"<key>": [each item as JSON]}.
template <class Atom, class Item>
void ask_list(caf::event_based_actor* self, exchange_ptr ex, outbox_reader_actor reader, std::string topic,
              std::int64_t limit, std::chrono::milliseconds timeout, const char* key, json (*to_json)(const Item&)) {
  self->request(reader, timeout, Atom::value, topic, limit, view_deadline(timeout))
      .then(
          [=](std::vector<Item>& items) {
            json list = json::array();
            for (const auto& item : items) list.push_back(to_json(item));
            ex->send_json(200, dump({{key, list}}));
          },
          [=](caf::error& e) { fail(ex, e); });
}

void ask_dead(caf::event_based_actor* self, exchange_ptr ex, outbox_reader_actor reader, std::string topic,
              std::int64_t limit, std::chrono::milliseconds timeout) {
  ask_list<dead_atom, DeadLetter>(self, ex, reader, topic, limit, timeout, "dead_letters", dead_json);
}

void ask_lanes(caf::event_based_actor* self, exchange_ptr ex, outbox_reader_actor reader, std::string topic,
               std::int64_t limit, std::chrono::milliseconds timeout) {
  ask_list<lanes_atom, BlockedLane>(self, ex, reader, topic, limit, timeout, "blocked_lanes", lane_json);
}

void ask_discarded(caf::event_based_actor* self, exchange_ptr ex, outbox_reader_actor reader, std::string topic,
                   std::int64_t limit, std::chrono::milliseconds timeout) {
  ask_list<discarded_atom, DiscardedEvent>(self, ex, reader, topic, limit, timeout, "discarded", discarded_json);
}

void ask_discard(caf::event_based_actor* self, exchange_ptr ex, persistence_actor persistence, std::string event_id,
                 std::string by, std::string note, std::chrono::milliseconds timeout) {
  self->request(persistence, timeout, discard_atom::value, event_id, by, note)
      .then(
          [=](bool found) {
            if (!found) return ex->send_problem({404, "no dead letter with event id " + event_id.substr(0, 100), ""});
            ex->send_json(200, dump({{"discarded", event_id}, {"by", by}, {"note", note}}));
          },
          [=](caf::error& e) { fail(ex, e); });
}

void ask_redrive(caf::event_based_actor* self, exchange_ptr ex, persistence_actor persistence, std::string topic,
                 std::string event_id, std::chrono::milliseconds timeout) {
  self->request(persistence, timeout, redrive_atom::value, topic, event_id)
      .then(
          [=](std::int64_t moved) {
            if (!event_id.empty() && moved == 0)
              return ex->send_problem({404, "no dead letter with event id " + event_id.substr(0, 100), ""});
            ex->send_json(200, dump({{"redriven", moved}}));
          },
          [=](caf::error& e) { fail(ex, e); });
}

// Answered once the publisher has the switch set, so that what the test sends next sees it.
void ask_mangle(caf::event_based_actor* self, exchange_ptr ex, publisher_actor publisher, std::string topic,
                std::string user, bool on, std::chrono::milliseconds timeout) {
  self->request(publisher, timeout, mangle_atom::value, user, on)
      .then(
          [=](bool) {
            ex->send_json(200, dump({{"mangle", on}, {"topic", topic}, {"user_id", user}}));
          },
          [=](caf::error& e) { fail(ex, e); });
}

// Scrape-time gauges first (backlog, live user actors), then the whole text.
void ask_metrics(caf::event_based_actor* self, exchange_ptr ex, outbox_reader_actor reader, registry_actor registry,
                 std::shared_ptr<PrometheusMetrics> metrics, std::chrono::milliseconds timeout) {
  auto render = [=] { ex->send(200, metrics->render(), "text/plain; version=0.0.4"); };
  // A scrape accepts backlog figures up to half a second old: scraping often costs no more.
  self->request(reader, timeout, backlog_atom::value, metrics_backlog_reuse_ms, view_deadline(timeout))
      .then(
          [=](std::vector<OutboxBacklog>& backlog) {
            for (const auto& t : backlog_json(backlog))
              metrics->set_outbox(OutboxGauges{
                  t["topic"], t["pending"].get<double>(), t["oldest_pending_age_ms"].get<double>() / 1000.0,
                  t["lanes"].get<double>(), t["lanes_backing_off"].get<double>(), t["lanes_blocked"].get<double>(),
                  t["dead_letters"].get<double>(), t["oldest_dead_letter_age_ms"].get<double>() / 1000.0});
            self->request(registry, timeout, status_atom::value)
                .then(
                    [=](ActorStatus& s) {
                      metrics->set_user_actors(s.details.value("user_actors", 0.0));
                      render();
                    },
                    [=](caf::error&) { render(); });
          },
          [=](caf::error&) { render(); });
}

std::string query_value(const Request& request, const std::string& name) {
  auto params = query_parameters(request.query);
  const auto* found = std::get_if<0>(&params);
  if (!found) return "";  // refused before, by query_refusal
  auto it = found->find(name);
  return it == found->end() ? "" : it->second;
}

std::int64_t limit_from(const Request& request, std::int64_t fallback) {
  auto raw = query_value(request, "limit");
  return raw.empty() ? fallback : std::stoll(raw);  // checked by query_refusal
}

bool is_topic(const std::string& topic) {
  return std::find(topics::all.begin(), topics::all.end(), topic) != topics::all.end();
}

// 400 for a `topic` that is none of the three or a `limit` that is not 1..1000. (Schemathesis
// found both taken silently: a mistyped topic showed nothing and redrove nothing.)
std::optional<Problem> query_refusal(const Request& request) {
  auto decoded = query_parameters(request.query);
  if (auto* e = std::get_if<InputError>(&decoded)) return Problem{e->status, e->detail, e->field};
  const auto* params = &std::get<0>(decoded);
  // Present means checked, empty included: `?topic=` is no topic, not every topic.
  if (auto it = params->find("topic"); it != params->end() && !is_topic(it->second))
    return Problem{400, "no topic '" + it->second.substr(0, 100) + "'; topics: task-events, task-updates, reminders",
                   "topic"};
  auto it = params->find("limit");
  if (it == params->end()) return std::nullopt;
  const auto& limit = it->second;
  const bool digits = !limit.empty() && limit.size() <= 4 &&
                      std::all_of(limit.begin(), limit.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoll(limit) < 1 || std::stoll(limit) > 1000)
    return Problem{400, "limit must be an integer from 1 to 1000", "limit"};
  return std::nullopt;
}

bool token_matches(const std::string& header, const std::string& token) {
  auto given = bearer_token(header);
  return given && given->size() == token.size() && CRYPTO_memcmp(given->data(), token.data(), token.size()) == 0;
}

}  // namespace

std::optional<Refusal> AdminHandler::screen(Request& head) {
  const auto& ctx = *context_;
  if (ctx.token.empty()) return std::nullopt;
  auto auth = head.header("Authorization");
  if (!auth || !token_matches(*auth, ctx.token))
    return Refusal{{401, "the admin API needs Authorization: Bearer <TASKS_ADMIN_TOKEN>", ""},
                   {{"WWW-Authenticate", "Bearer"}}};
  return std::nullopt;
}

void AdminHandler::handle(Request request, std::shared_ptr<Exchange> ex) {
  const auto& ctx = *context_;
  if (auto refusal = screen(request)) return ex->send_problem(refusal->problem, refusal->headers);
  const std::string method = request.is_head() ? "GET" : request.method;
  const std::string& path = request.path;
  auto& sys = ctx.system;
  const auto timeout = ctx.timeout;

  // During start-up and shutdown the actors may not be there to ask.
  if (!ctx.directory->supervisor() || !ctx.directory->persistence() || !ctx.directory->registry() ||
      !ctx.directory->outbox_reader())
    return ex->send_problem({503, "the actors are starting or stopping", ""});

  const auto route = match_admin_route(method, path, ctx.fault_injection);
  if (route.kind == AdminMatch::Kind::not_found)
    return ex->send_problem({404, "no admin route " + path.substr(0, 200), ""});
  if (route.kind == AdminMatch::Kind::method_not_allowed)
    return ex->send_problem({405, method + " is not allowed here; allowed: " + route.allow, ""},
                            {{"Allow", route.allow}});
  const auto& p = route.params;
  using E = AdminEndpoint;
  const auto e = route.endpoint;
  const bool filtered = e == E::dead_letters || e == E::redrive_all || e == E::lanes || e == E::discarded ||
                        e == E::outbox_topic;  // the routes that take ?topic= or ?limit=
  if (auto refusal = filtered ? query_refusal(request) : std::nullopt) return ex->send_problem(*refusal);
  auto publisher = [&](const std::string& topic) -> std::optional<publisher_actor> {
    auto publishers = ctx.directory->publishers();
    auto it = publishers.find(topic);
    if (it == publishers.end()) return std::nullopt;
    return it->second;
  };
  auto no_publisher = [&](const std::string& topic) {
    ex->send_problem({404, "no publisher for topic '" + topic.substr(0, 100) + "'", ""});
  };

  switch (route.endpoint) {
    case AdminEndpoint::metrics:
      return (void)sys.spawn(ask_metrics, ex, ctx.directory->outbox_reader(), ctx.directory->registry(), ctx.metrics,
                             timeout);
    case AdminEndpoint::actors:
      return (void)sys.spawn(ask_actors, ex, ctx.directory->supervisor(), timeout, ActorsView::all, std::string());
    case AdminEndpoint::actor:
      return (void)sys.spawn(ask_actors, ex, ctx.directory->supervisor(), timeout, ActorsView::one, p[0]);
    case AdminEndpoint::publishers:
      return (void)sys.spawn(ask_actors, ex, ctx.directory->supervisor(), timeout, ActorsView::publishers,
                             std::string());
    case AdminEndpoint::pause_publisher:
    case AdminEndpoint::resume_publisher: {
      auto actor = publisher(p[0]);
      if (!actor) return no_publisher(p[0]);
      return (void)sys.spawn(ask_pause, ex, *actor, p[0], route.endpoint == AdminEndpoint::pause_publisher, timeout);
    }
    case AdminEndpoint::cluster: {
      auto keeper = ctx.directory->lease_keeper();
      if (!keeper) return ex->send_problem({503, "the lease keeper is starting or stopping", ""});
      return (void)sys.spawn(ask_cluster, ex, keeper, timeout);
    }
    case AdminEndpoint::outbox:
    case AdminEndpoint::outbox_topic: {
      const std::string topic = p.empty() ? "" : p[0];
      if (!topic.empty() && !is_topic(topic))
        return ex->send_problem({404, "no topic '" + topic.substr(0, 100) + "'", ""});
      return (void)sys.spawn(ask_outbox, ex, ctx.directory->outbox_reader(), topic, limit_from(request, 20), timeout);
    }
    case AdminEndpoint::dead_letters:
      return (void)sys.spawn(ask_dead, ex, ctx.directory->outbox_reader(), query_value(request, "topic"),
                             limit_from(request, 100), timeout);
    case AdminEndpoint::redrive_all:
      return (void)sys.spawn(ask_redrive, ex, ctx.directory->persistence(), query_value(request, "topic"),
                             std::string(), timeout);
    case AdminEndpoint::redrive_one:
      return (void)sys.spawn(ask_redrive, ex, ctx.directory->persistence(), std::string(), p[0], timeout);
    case AdminEndpoint::discard: {
      auto body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
      auto text = [&](const char* key) {
        return body.is_object() && body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "";
      };
      if (!body.is_object()) return ex->send_problem({400, "the body must be a JSON object {\"by\", \"reason\"}", ""});
      const std::string by = text("by"), note = text("reason");
      if (note.empty() || note.size() > 1000)
        return ex->send_problem({400, "a discard needs a \"reason\" (1..1000 characters): it is recorded", ""});
      if (by.size() > 200) return ex->send_problem({400, "\"by\" is at most 200 characters", ""});
      return (void)sys.spawn(ask_discard, ex, ctx.directory->persistence(), p[0], by.empty() ? "admin-api" : by, note,
                             timeout);
    }
    case AdminEndpoint::lanes:
      return (void)sys.spawn(ask_lanes, ex, ctx.directory->outbox_reader(), query_value(request, "topic"),
                             limit_from(request, 100), timeout);
    case AdminEndpoint::discarded:
      return (void)sys.spawn(ask_discarded, ex, ctx.directory->outbox_reader(), query_value(request, "topic"),
                             limit_from(request, 100), timeout);
    case AdminEndpoint::mangle: {
      // That user's events go out as broken JSON (?on=false stops it).
      auto actor = publisher(p[0]);
      if (!actor) return no_publisher(p[0]);
      return (void)sys.spawn(ask_mangle, ex, *actor, p[0], p[1], query_value(request, "on") != "false", timeout);
    }
    case AdminEndpoint::crash_publisher: {
      auto actor = publisher(p[0]);
      if (!actor) return no_publisher(p[0]);
      caf::anon_send(*actor, crash_atom::value);
      return ex->send_json(202, R"({"crash":"sent"})");
    }
  }
}

}  // namespace tasks::http
