#include "core/config.hpp"

#include <algorithm>
#include <charconv>

#include "core/uri_passwords.hpp"

namespace tasks {

std::string HostPort::to_string() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

const std::vector<Setting>& settings() {
  static const std::vector<Setting> all = {
      {"TASKS_HTTP_ADDR", "--http-addr", "0.0.0.0:8080", "public REST API (host:port)"},
      {"TASKS_ADMIN_ADDR", "--admin-addr", "127.0.0.1:9090", "admin API and /metrics; loopback by default"},
      {"TASKS_ADMIN_TOKEN", "--admin-token", "",
       "bearer token for the admin API; required when it binds a non-loopback address", true},
      {"TASKS_DB", "--db", "sqlite:./data/tasks.db", "sqlite:PATH or postgresql://user:pass@host:port/db"},
      {"TASKS_JWT_SECRET", "--jwt-secret", "",
       "HS256 secret; unset: dev mode with a random secret and a printed demo token", true},
      {"DAPR_HTTP_ENDPOINT", "--dapr-endpoint", "http://localhost:3500",
       "Dapr sidecar; DAPR_HTTP_PORT overrides the port when this is unset"},
      {"DAPR_API_TOKEN", "--dapr-api-token", "", "sent as the dapr-api-token header when set", true},
      {"TASKS_PUBSUB_NAME", "--pubsub-name", "pubsub-kafka", "Dapr pub/sub component"},
      {"TASKS_EVENT_SOURCE", "--event-source", "tasks-backend", "CloudEvents source"},
      {"TASKS_LOG_FORMAT", "--log-format", "json", "json (one object a line) or text"},
      {"TASKS_LOG_LEVEL", "--log-level", "info", "trace, debug, info, warn or error"},
      {"TASKS_HTTP_THREADS", "--http-threads", "2", "HTTP worker threads"},
      {"TASKS_USER_IDLE_TIMEOUT", "--user-idle-timeout", "60s",
       "a user's actor stops after this long without requests"},
      {"TASKS_REQUEST_TIMEOUT", "--request-timeout", "10s",
       "one deadline per request from its arrival (100ms to 60s): answered by then, 503 when nothing was written"},
      {"TASKS_SQLITE_SYNCHRONOUS", "--sqlite-synchronous", "full",
       "SQLite durability: full (survives power loss) or normal (survives crashes)"},
      {"TASKS_MAX_IN_FLIGHT", "--max-in-flight", "512",
       "API requests with the actors at once; past it a fast 503 with Retry-After"},
      {"TASKS_USER_QUEUE_LIMIT", "--user-queue-limit", "32",
       "one user's requests waiting or running; past it a fast 503 with Retry-After"},
      {"TASKS_HTTP_MAX_CONNECTIONS", "--http-max-connections", "10000",
       "open connections on the public port (capped by the open-file limit); past it 503 and close"},
      {"TASKS_HTTP_IDLE_TIMEOUT", "--http-idle-timeout", "60s", "a keep-alive connection with no request is closed"},
      {"TASKS_HTTP_READ_TIMEOUT", "--http-read-timeout", "10s",
       "a request must arrive whole this long after its first byte, and its answer be taken as long"},
      {"TASKS_IDEMPOTENCY_TTL", "--idempotency-ttl", "24h", "how long an Idempotency-Key's first answer is kept"},
      {"TASKS_MAX_TASKS_PER_USER", "--max-tasks-per-user", "10000", "tasks one user may have; a create past it is 409"},
      {"TASKS_JWT_LEEWAY", "--jwt-leeway", "30s", "clock skew allowed on a token's exp and nbf (at most 5m)"},
      {"TASKS_JWT_ISSUER", "--jwt-issuer", "", "when set, a token's iss must equal it"},
      {"TASKS_JWT_AUDIENCE", "--jwt-audience", "", "when set, a token's aud must be or contain it"},
      {"TASKS_DB_STATEMENT_TIMEOUT", "--db-statement-timeout", "15s",
       "PostgreSQL: statement_timeout of every session (a stuck query fails instead of blocking)"},
      {"TASKS_DB_TCP_USER_TIMEOUT", "--db-tcp-user-timeout", "10s",
       "PostgreSQL: unacknowledged data this long drops the connection (network partitions)"},
      {"TASKS_DB_KEEPALIVE_IDLE", "--db-keepalive-idle", "10s",
       "PostgreSQL: TCP keepalive probes after this much silence (3 probes, a third of it apart)"},
      {"TASKS_PUBLISH_BACKOFF_INITIAL", "--publish-backoff-initial", "250ms", "first retry delay of a failed publish"},
      {"TASKS_PUBLISH_BACKOFF_FACTOR", "--publish-backoff-factor", "2", "growth of the retry delay per attempt"},
      {"TASKS_PUBLISH_BACKOFF_MAX", "--publish-backoff-max", "30s", "cap of the retry delay (full jitter below it)"},
      {"TASKS_PUBLISH_MAX_AGE", "--publish-max-age", "24h",
       "an event failing for itself (others of its topic go through) this long is dead-lettered; outages never count"},
      {"TASKS_DEAD_LETTER_RETENTION", "--dead-letter-retention", "0",
       "dead letters older than this are discarded (recorded, by 'retention') and their lanes go on; 0 keeps them"},
      {"TASKS_PUBLISH_TIMEOUT", "--publish-timeout", "5s", "one publish call's timeout"},
      {"TASKS_PUBLISH_POLL_INTERVAL", "--publish-poll-interval", "1s",
       "how often publishers look at the outbox without a nudge"},
      {"TASKS_PUBLISH_CONCURRENCY", "--publish-concurrency", "32",
       "publish calls in flight per topic (one per user at a time)"},
      {"TASKS_PUBLISH_MODE", "--publish-mode", "bulk",
       "bulk (one request per user's due events, /v1.0/publish/bulk) or single (one request per event); a sidecar "
       "without the bulk route turns a publisher to single"},
      {"TASKS_SHUTDOWN_DRAIN", "--shutdown-drain", "5s", "on SIGTERM, how long publishers may keep delivering"},
      {"TASKS_REPLICA_ID", "--replica-id", "",
       "this replica's name in the cluster view and logs (stable per pod); unset: hostname-pid"},
      {"TASKS_LEASE_DURATION", "--lease-duration", "10s",
       "a publishing bucket lease holds this long after its last renewal; a dead replica's buckets wait it out"},
      {"TASKS_LEASE_RENEW_INTERVAL", "--lease-renew-interval", "3s",
       "how often a replica renews its leases and rebalances (at most a third of TASKS_LEASE_DURATION)"},
      {"TASKS_LEASE_BUCKETS", "--lease-buckets", "",
       "buckets the users are hashed into for sharing publishing (2 to 4096); fixed at the database's first start "
       "(unset: 256, or what the database has)"},
      {"TASKS_FAULT_INJECTION", "--fault-injection", "off",
       "tests only: on enables POST /admin/faults/crash/publisher/{topic} and /admin/faults/mangle/{topic}/{user}"},
  };
  return all;
}

HostPort parse_host_port(const std::string& variable, const std::string& text) {
  const auto bad = [&] { return ConfigError(variable, "'" + text + "' is not host:port (for example 0.0.0.0:8080)"); };
  HostPort out;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') throw bad();
    out.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) throw bad();
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) throw bad();
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) throw bad();
  out.port = static_cast<unsigned short>(value);
  return out;
}

std::chrono::milliseconds parse_duration(const std::string& variable, const std::string& text) {
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string unit(ptr, text.data() + text.size());
  long long scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s" || unit.empty())
    scale = 1000;
  else if (unit == "m")
    scale = 60'000;
  else if (unit == "h")
    scale = 3'600'000;
  if (text.empty() || ec != std::errc{} || ptr == text.data() || value < 0 || scale == 0 || value > 1'000'000'000LL)
    throw ConfigError(variable, "'" + text + "' is not a duration (for example 500ms, 10s, 2m, 24h)");
  return std::chrono::milliseconds(value * scale);
}

namespace {

int parse_int(const std::string& variable, const std::string& text, int lo, int hi) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < lo || value > hi)
    throw ConfigError(variable,
                      "'" + text + "' is not a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
  return value;
}

double parse_factor(const std::string& variable, const std::string& text) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < 1.0 || value > 10.0)
    throw ConfigError(variable, "'" + text + "' is not a number from 1 to 10");
  return value;
}

std::string one_of(const std::string& variable, const std::string& text, std::initializer_list<const char*> allowed) {
  std::string list;
  for (const char* a : allowed) {
    if (text == a) return text;
    list += list.empty() ? a : std::string(", ") + a;
  }
  throw ConfigError(variable, "'" + text + "' is not one of " + list);
}

void check_endpoint(const std::string& variable, const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    throw ConfigError(variable, "'" + url + "' is not an http:// or https:// URL");
}

void check_db(const std::string& variable, const std::string& db) {
  if (db.rfind("sqlite:", 0) == 0) {
    if (db.size() == 7) throw ConfigError(variable, "sqlite: needs a file path, as in sqlite:./data/tasks.db");
    return;
  }
  if (db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0) return;
  throw ConfigError(variable,
                    "unknown database scheme in '" + db + "'; use sqlite:PATH or postgresql://user:pass@host:port/db");
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

Config make_config(const std::map<std::string, std::string>& values) {
  auto get = [&](const std::string& name) {
    if (auto it = values.find(name); it != values.end()) return it->second;
    for (const auto& s : settings())
      if (s.env == name) return s.default_value;
    return std::string{};
  };
  Config c;
  c.http_addr = parse_host_port("TASKS_HTTP_ADDR", get("TASKS_HTTP_ADDR"));
  c.admin_addr = parse_host_port("TASKS_ADMIN_ADDR", get("TASKS_ADMIN_ADDR"));
  c.admin_token = get("TASKS_ADMIN_TOKEN");
  if (!is_loopback(c.admin_addr.host) && c.admin_token.empty())
    throw ConfigError("TASKS_ADMIN_ADDR", "binding the admin API to non-loopback address '" + c.admin_addr.host +
                                              "' requires TASKS_ADMIN_TOKEN");
  c.db = get("TASKS_DB");
  check_db("TASKS_DB", c.db);
  c.jwt_secret = get("TASKS_JWT_SECRET");
  // HS256 with a short key is brute-forceable offline from any one token (RFC 7518 §3.2).
  if (!c.jwt_secret.empty() && c.jwt_secret.size() < 32)
    throw ConfigError("TASKS_JWT_SECRET", "must be at least 32 bytes (it has " + std::to_string(c.jwt_secret.size()) +
                                              "); for example: openssl rand -hex 32");
  c.jwt_leeway = parse_duration("TASKS_JWT_LEEWAY", get("TASKS_JWT_LEEWAY"));
  if (c.jwt_leeway > std::chrono::minutes(5)) throw ConfigError("TASKS_JWT_LEEWAY", "must be at most 5m");
  c.jwt_issuer = get("TASKS_JWT_ISSUER");
  c.jwt_audience = get("TASKS_JWT_AUDIENCE");
  if (values.count("DAPR_HTTP_ENDPOINT")) {
    c.dapr_endpoint = get("DAPR_HTTP_ENDPOINT");
  } else if (values.count("DAPR_HTTP_PORT")) {
    auto port = parse_int("DAPR_HTTP_PORT", get("DAPR_HTTP_PORT"), 1, 65535);
    c.dapr_endpoint = "http://localhost:" + std::to_string(port);
  } else {
    c.dapr_endpoint = get("DAPR_HTTP_ENDPOINT");
  }
  check_endpoint("DAPR_HTTP_ENDPOINT", c.dapr_endpoint);
  while (!c.dapr_endpoint.empty() && c.dapr_endpoint.back() == '/') c.dapr_endpoint.pop_back();
  c.dapr_api_token = get("DAPR_API_TOKEN");
  c.pubsub_name = get("TASKS_PUBSUB_NAME");
  if (c.pubsub_name.empty()) throw ConfigError("TASKS_PUBSUB_NAME", "must not be empty");
  c.event_source = get("TASKS_EVENT_SOURCE");
  if (c.event_source.empty()) throw ConfigError("TASKS_EVENT_SOURCE", "must not be empty");
  c.log_format = one_of("TASKS_LOG_FORMAT", get("TASKS_LOG_FORMAT"), {"json", "text"});
  c.log_level = one_of("TASKS_LOG_LEVEL", get("TASKS_LOG_LEVEL"), {"trace", "debug", "info", "warn", "error"});
  c.http_threads = parse_int("TASKS_HTTP_THREADS", get("TASKS_HTTP_THREADS"), 1, 64);
  c.user_idle_timeout = parse_duration("TASKS_USER_IDLE_TIMEOUT", get("TASKS_USER_IDLE_TIMEOUT"));
  c.request_timeout = parse_duration("TASKS_REQUEST_TIMEOUT", get("TASKS_REQUEST_TIMEOUT"));
  // The upper bound stays below the 60 s read timeout of common proxies and ingresses, so that
  // taskd's own answer (2xx, or 503 with nothing written) always reaches the client first.
  if (c.request_timeout < std::chrono::milliseconds(100) || c.request_timeout > std::chrono::seconds(60))
    throw ConfigError("TASKS_REQUEST_TIMEOUT", "must be from 100ms to 60s");
  c.max_in_flight = parse_int("TASKS_MAX_IN_FLIGHT", get("TASKS_MAX_IN_FLIGHT"), 1, 1'000'000);
  c.user_queue_limit = parse_int("TASKS_USER_QUEUE_LIMIT", get("TASKS_USER_QUEUE_LIMIT"), 1, 100'000);
  c.http_max_connections = parse_int("TASKS_HTTP_MAX_CONNECTIONS", get("TASKS_HTTP_MAX_CONNECTIONS"), 1, 1'000'000);
  c.http_idle_timeout = parse_duration("TASKS_HTTP_IDLE_TIMEOUT", get("TASKS_HTTP_IDLE_TIMEOUT"));
  if (c.http_idle_timeout < std::chrono::milliseconds(100))
    throw ConfigError("TASKS_HTTP_IDLE_TIMEOUT", "must be at least 100ms");
  c.http_read_timeout = parse_duration("TASKS_HTTP_READ_TIMEOUT", get("TASKS_HTTP_READ_TIMEOUT"));
  if (c.http_read_timeout < std::chrono::milliseconds(100) || c.http_read_timeout > std::chrono::minutes(5))
    throw ConfigError("TASKS_HTTP_READ_TIMEOUT", "must be from 100ms to 5m");
  c.idempotency_ttl = parse_duration("TASKS_IDEMPOTENCY_TTL", get("TASKS_IDEMPOTENCY_TTL"));
  if (c.idempotency_ttl < std::chrono::minutes(1))
    throw ConfigError("TASKS_IDEMPOTENCY_TTL", "must be at least 1m (clients retry for minutes)");
  c.max_tasks_per_user = parse_int("TASKS_MAX_TASKS_PER_USER", get("TASKS_MAX_TASKS_PER_USER"), 1, 100'000'000);
  c.db_statement_timeout = parse_duration("TASKS_DB_STATEMENT_TIMEOUT", get("TASKS_DB_STATEMENT_TIMEOUT"));
  if (c.db_statement_timeout < std::chrono::milliseconds(100))
    throw ConfigError("TASKS_DB_STATEMENT_TIMEOUT", "must be at least 100ms");
  c.db_tcp_user_timeout = parse_duration("TASKS_DB_TCP_USER_TIMEOUT", get("TASKS_DB_TCP_USER_TIMEOUT"));
  if (c.db_tcp_user_timeout < std::chrono::seconds(1))
    throw ConfigError("TASKS_DB_TCP_USER_TIMEOUT", "must be at least 1s");
  c.db_keepalive_idle = parse_duration("TASKS_DB_KEEPALIVE_IDLE", get("TASKS_DB_KEEPALIVE_IDLE"));
  if (c.db_keepalive_idle < std::chrono::seconds(1))
    throw ConfigError("TASKS_DB_KEEPALIVE_IDLE", "must be at least 1s");
  c.sqlite_synchronous = one_of("TASKS_SQLITE_SYNCHRONOUS", get("TASKS_SQLITE_SYNCHRONOUS"), {"full", "normal"});
  c.publish_backoff_initial = parse_duration("TASKS_PUBLISH_BACKOFF_INITIAL", get("TASKS_PUBLISH_BACKOFF_INITIAL"));
  c.publish_backoff_factor = parse_factor("TASKS_PUBLISH_BACKOFF_FACTOR", get("TASKS_PUBLISH_BACKOFF_FACTOR"));
  c.publish_backoff_max = parse_duration("TASKS_PUBLISH_BACKOFF_MAX", get("TASKS_PUBLISH_BACKOFF_MAX"));
  if (c.publish_backoff_max < c.publish_backoff_initial)
    throw ConfigError("TASKS_PUBLISH_BACKOFF_MAX", "must not be below TASKS_PUBLISH_BACKOFF_INITIAL");
  c.publish_max_age = parse_duration("TASKS_PUBLISH_MAX_AGE", get("TASKS_PUBLISH_MAX_AGE"));
  c.dead_letter_retention = parse_duration("TASKS_DEAD_LETTER_RETENTION", get("TASKS_DEAD_LETTER_RETENTION"));
  if (c.dead_letter_retention.count() != 0 && c.dead_letter_retention < std::chrono::minutes(1))
    throw ConfigError("TASKS_DEAD_LETTER_RETENTION", "must be 0 (keep) or at least 1m");
  c.publish_timeout = parse_duration("TASKS_PUBLISH_TIMEOUT", get("TASKS_PUBLISH_TIMEOUT"));
  if (c.publish_timeout.count() == 0) throw ConfigError("TASKS_PUBLISH_TIMEOUT", "must be above zero");
  c.publish_poll_interval = parse_duration("TASKS_PUBLISH_POLL_INTERVAL", get("TASKS_PUBLISH_POLL_INTERVAL"));
  if (c.publish_poll_interval.count() == 0) throw ConfigError("TASKS_PUBLISH_POLL_INTERVAL", "must be above zero");
  c.publish_concurrency = parse_int("TASKS_PUBLISH_CONCURRENCY", get("TASKS_PUBLISH_CONCURRENCY"), 1, 1024);
  c.publish_mode = one_of("TASKS_PUBLISH_MODE", get("TASKS_PUBLISH_MODE"), {"bulk", "single"});
  c.shutdown_drain = parse_duration("TASKS_SHUTDOWN_DRAIN", get("TASKS_SHUTDOWN_DRAIN"));
  c.replica_id = get("TASKS_REPLICA_ID");
  if (c.replica_id.size() > 200) throw ConfigError("TASKS_REPLICA_ID", "must be at most 200 characters");
  c.lease_duration = parse_duration("TASKS_LEASE_DURATION", get("TASKS_LEASE_DURATION"));
  if (c.lease_duration < std::chrono::seconds(1) || c.lease_duration > std::chrono::minutes(10))
    throw ConfigError("TASKS_LEASE_DURATION", "must be from 1s to 10m");
  c.lease_renew_interval = parse_duration("TASKS_LEASE_RENEW_INTERVAL", get("TASKS_LEASE_RENEW_INTERVAL"));
  if (c.lease_renew_interval < std::chrono::milliseconds(100) || 3 * c.lease_renew_interval > c.lease_duration)
    throw ConfigError("TASKS_LEASE_RENEW_INTERVAL",
                      "must be at least 100ms and at most a third of TASKS_LEASE_DURATION (a lease must survive a "
                      "missed renewal)");
  if (!get("TASKS_LEASE_BUCKETS").empty())
    c.lease_buckets = parse_int("TASKS_LEASE_BUCKETS", get("TASKS_LEASE_BUCKETS"), 2, 4096);
  c.fault_injection = one_of("TASKS_FAULT_INJECTION", get("TASKS_FAULT_INJECTION"), {"off", "on"}) == "on";
  return c;
}

std::map<std::string, std::string> describe(const Config& c) {
  auto redact = [](const std::string& s) { return s.empty() ? std::string("(unset)") : std::string("(set)"); };
  auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  // A PostgreSQL URI's passwords: the user information's and any ?password= parameter's.
  const std::string db = hide_passwords(c.db);
  return {
      {"TASKS_HTTP_ADDR", c.http_addr.to_string()},
      {"TASKS_ADMIN_ADDR", c.admin_addr.to_string()},
      {"TASKS_ADMIN_TOKEN", redact(c.admin_token)},
      {"TASKS_DB", db},
      {"TASKS_JWT_SECRET", c.dev_mode() ? "(unset: dev mode)" : "(set)"},
      {"DAPR_HTTP_ENDPOINT", c.dapr_endpoint},
      {"DAPR_API_TOKEN", redact(c.dapr_api_token)},
      {"TASKS_PUBSUB_NAME", c.pubsub_name},
      {"TASKS_EVENT_SOURCE", c.event_source},
      {"TASKS_LOG_FORMAT", c.log_format},
      {"TASKS_LOG_LEVEL", c.log_level},
      {"TASKS_HTTP_THREADS", std::to_string(c.http_threads)},
      {"TASKS_USER_IDLE_TIMEOUT", ms(c.user_idle_timeout)},
      {"TASKS_REQUEST_TIMEOUT", ms(c.request_timeout)},
      {"TASKS_SQLITE_SYNCHRONOUS", c.sqlite_synchronous},
      {"TASKS_MAX_IN_FLIGHT", std::to_string(c.max_in_flight)},
      {"TASKS_USER_QUEUE_LIMIT", std::to_string(c.user_queue_limit)},
      {"TASKS_HTTP_MAX_CONNECTIONS", std::to_string(c.http_max_connections)},
      {"TASKS_HTTP_IDLE_TIMEOUT", ms(c.http_idle_timeout)},
      {"TASKS_HTTP_READ_TIMEOUT", ms(c.http_read_timeout)},
      {"TASKS_IDEMPOTENCY_TTL", ms(c.idempotency_ttl)},
      {"TASKS_MAX_TASKS_PER_USER", std::to_string(c.max_tasks_per_user)},
      {"TASKS_JWT_LEEWAY", ms(c.jwt_leeway)},
      {"TASKS_JWT_ISSUER", c.jwt_issuer.empty() ? "(not checked)" : c.jwt_issuer},
      {"TASKS_JWT_AUDIENCE", c.jwt_audience.empty() ? "(not checked)" : c.jwt_audience},
      {"TASKS_DB_STATEMENT_TIMEOUT", ms(c.db_statement_timeout)},
      {"TASKS_DB_TCP_USER_TIMEOUT", ms(c.db_tcp_user_timeout)},
      {"TASKS_DB_KEEPALIVE_IDLE", ms(c.db_keepalive_idle)},
      {"TASKS_PUBLISH_BACKOFF_INITIAL", ms(c.publish_backoff_initial)},
      {"TASKS_PUBLISH_BACKOFF_FACTOR", std::to_string(c.publish_backoff_factor)},
      {"TASKS_PUBLISH_BACKOFF_MAX", ms(c.publish_backoff_max)},
      {"TASKS_PUBLISH_MAX_AGE", ms(c.publish_max_age)},
      {"TASKS_DEAD_LETTER_RETENTION", ms(c.dead_letter_retention)},
      {"TASKS_PUBLISH_TIMEOUT", ms(c.publish_timeout)},
      {"TASKS_PUBLISH_POLL_INTERVAL", ms(c.publish_poll_interval)},
      {"TASKS_PUBLISH_CONCURRENCY", std::to_string(c.publish_concurrency)},
      {"TASKS_PUBLISH_MODE", c.publish_mode},
      {"TASKS_SHUTDOWN_DRAIN", ms(c.shutdown_drain)},
      {"TASKS_REPLICA_ID", c.replica_id.empty() ? "(unset: hostname-pid)" : c.replica_id},
      {"TASKS_LEASE_DURATION", ms(c.lease_duration)},
      {"TASKS_LEASE_RENEW_INTERVAL", ms(c.lease_renew_interval)},
      {"TASKS_LEASE_BUCKETS", c.lease_buckets ? std::to_string(c.lease_buckets) : "(unset: as stored, 256 when new)"},
      {"TASKS_FAULT_INJECTION", c.fault_injection ? "on" : "off"},
  };
}

}  // namespace tasks
