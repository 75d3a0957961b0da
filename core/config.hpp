#pragma once

// Configuration (contract §2): every setting has an environment variable, a flag that overrides
// it, and a default that is printed at start-up. Bad values end start-up with one line naming
// the variable.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tasks {

struct HostPort {
  std::string host;
  unsigned short port = 0;
  std::string to_string() const;
};

struct Config {
  HostPort http_addr;
  HostPort admin_addr;
  std::string admin_token;
  std::string db;
  std::string jwt_secret;  // empty: dev mode
  std::string dapr_endpoint;
  std::string dapr_api_token;
  std::string pubsub_name;
  std::string event_source;
  std::string log_format;  // json | text
  std::string log_level;   // trace | debug | info | warn | error
  int http_threads = 2;
  std::chrono::milliseconds user_idle_timeout{60'000};
  std::chrono::milliseconds request_timeout{10'000};  // one deadline per request, from its arrival
  std::string sqlite_synchronous;                     // full | normal
  // Admission and the HTTP front's limits (http/): what a hostile or overloaded client meets.
  int max_in_flight = 512;                              // requests with the actors at once, per process
  int user_queue_limit = 32;                            // one user's requests waiting or running
  int http_max_connections = 10'000;                    // open connections (capped by the fd limit)
  std::chrono::milliseconds http_idle_timeout{60'000};  // a keep-alive connection without a request
  std::chrono::milliseconds http_read_timeout{10'000};  // a whole request once its first byte came
  // Idempotency-Key records and the per-user quota (persistence/).
  std::chrono::milliseconds idempotency_ttl{24 * 3'600'000};
  std::int64_t max_tasks_per_user = 10'000;
  // Tokens (http/jwt): clock leeway for exp/nbf, and optional iss/aud checks (empty: not checked).
  std::chrono::milliseconds jwt_leeway{30'000};
  std::string jwt_issuer, jwt_audience;
  // PostgreSQL sessions: bounds on a stuck statement and on a dead network path.
  std::chrono::milliseconds db_statement_timeout{15'000};
  std::chrono::milliseconds db_tcp_user_timeout{10'000};
  std::chrono::milliseconds db_keepalive_idle{10'000};
  // Publishing (events/): retry policy and pacing.
  std::chrono::milliseconds publish_backoff_initial{250};
  double publish_backoff_factor = 2.0;
  std::chrono::milliseconds publish_backoff_max{30'000};
  std::chrono::milliseconds publish_max_age{24 * 3'600'000};  // of an event's own failures
  std::chrono::milliseconds dead_letter_retention{0};         // 0: kept until an operator acts
  std::chrono::milliseconds publish_timeout{5'000};
  std::chrono::milliseconds publish_poll_interval{1'000};
  int publish_concurrency = 32;
  std::string publish_mode = "bulk";  // bulk | single (events/dapr_client.hpp)
  std::chrono::milliseconds shutdown_drain{5'000};
  // Replicas (docs/replicas.md): this replica's name, and the publishing bucket leases.
  std::string replica_id;  // empty: hostname-pid
  std::chrono::milliseconds lease_duration{10'000};
  std::chrono::milliseconds lease_renew_interval{3'000};
  int lease_buckets = 0;         // 0: what the database has (256 when new)
  bool fault_injection = false;  // tests only: POST /admin/faults/crash/{actor} on the admin API

  bool dev_mode() const { return jwt_secret.empty(); }
};

// One setting: where it comes from and what it means (the README's table is made from this).
struct Setting {
  std::string env;
  std::string flag;
  std::string default_value;
  std::string meaning;
  bool secret = false;
};

const std::vector<Setting>& settings();

// A bad value: `variable` names the environment variable (the flag is named in `what`).
struct ConfigError : std::runtime_error {
  ConfigError(const std::string& variable, const std::string& message)
      : std::runtime_error(variable + ": " + message) {}
};

// Builds the configuration from the raw values found (env names as keys; flags already merged
// over the environment). Missing keys take their defaults. Throws ConfigError.
Config make_config(const std::map<std::string, std::string>& values);

// The effective values, secrets redacted, for the start-up log.
std::map<std::string, std::string> describe(const Config& config);

HostPort parse_host_port(const std::string& variable, const std::string& text);
std::chrono::milliseconds parse_duration(const std::string& variable, const std::string& text);

}  // namespace tasks
