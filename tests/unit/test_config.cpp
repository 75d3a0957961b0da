#include <boost/test/unit_test.hpp>

#include "core/config.hpp"
#include "http/server.hpp"
#include "persistence/db_url.hpp"

using namespace tasks;

namespace {

std::string error_of(const std::map<std::string, std::string>& values) {
  try {
    make_config(values);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(defaults_follow_the_contract) {
  auto c = make_config({});
  BOOST_TEST(c.http_addr.to_string() == "0.0.0.0:8080");
  BOOST_TEST(c.admin_addr.to_string() == "127.0.0.1:9090");
  BOOST_TEST(c.db == "sqlite:./data/tasks.db");
  BOOST_TEST(c.dev_mode());
  BOOST_TEST(c.dapr_endpoint == "http://localhost:3500");
  BOOST_TEST(c.pubsub_name == "pubsub-kafka");
  BOOST_TEST(c.event_source == "tasks-backend");
  BOOST_TEST(c.log_format == "json");
  BOOST_TEST(c.user_idle_timeout.count() == 60'000);
  BOOST_TEST(describe(c).size() == settings().size());
}

BOOST_AUTO_TEST_CASE(dapr_http_port_overrides_only_an_unset_endpoint) {
  BOOST_TEST(make_config({{"DAPR_HTTP_PORT", "3601"}}).dapr_endpoint == "http://localhost:3601");
  BOOST_TEST(make_config({{"DAPR_HTTP_PORT", "3601"}, {"DAPR_HTTP_ENDPOINT", "http://dapr:3500/"}}).dapr_endpoint ==
             "http://dapr:3500");
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_variable) {
  BOOST_TEST(error_of({{"TASKS_HTTP_ADDR", "nonsense"}}).rfind("TASKS_HTTP_ADDR: ", 0) == 0);
  BOOST_TEST(error_of({{"TASKS_HTTP_ADDR", "0.0.0.0:99999"}}).rfind("TASKS_HTTP_ADDR: ", 0) == 0);
  BOOST_TEST(error_of({{"TASKS_DB", "mysql://x"}}).rfind("TASKS_DB: ", 0) == 0);
  BOOST_TEST(error_of({{"TASKS_LOG_FORMAT", "xml"}}).rfind("TASKS_LOG_FORMAT: ", 0) == 0);
  BOOST_TEST(error_of({{"TASKS_USER_IDLE_TIMEOUT", "soon"}}).rfind("TASKS_USER_IDLE_TIMEOUT: ", 0) == 0);
  BOOST_TEST(error_of({{"DAPR_HTTP_ENDPOINT", "localhost:3500"}}).rfind("DAPR_HTTP_ENDPOINT: ", 0) == 0);
  BOOST_TEST(error_of({{"DAPR_HTTP_PORT", "x"}}).rfind("DAPR_HTTP_PORT: ", 0) == 0);
  BOOST_TEST(error_of({{"TASKS_PUBLISH_BACKOFF_MAX", "1ms"}}).rfind("TASKS_PUBLISH_BACKOFF_MAX: ", 0) == 0);
  // A single line: no newline in any message.
  BOOST_TEST(error_of({{"TASKS_HTTP_ADDR", "x"}}).find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(admin_api_off_loopback_needs_a_token) {
  BOOST_TEST(error_of({{"TASKS_ADMIN_ADDR", "0.0.0.0:9090"}}).rfind("TASKS_ADMIN_ADDR: ", 0) == 0);
  BOOST_TEST(make_config({{"TASKS_ADMIN_ADDR", "0.0.0.0:9090"}, {"TASKS_ADMIN_TOKEN", "t"}}).admin_addr.port == 9090);
  BOOST_TEST(make_config({{"TASKS_ADMIN_ADDR", "[::1]:9090"}}).admin_addr.host == "::1");
}

BOOST_AUTO_TEST_CASE(durations) {
  BOOST_TEST(parse_duration("X", "500ms").count() == 500);
  BOOST_TEST(parse_duration("X", "10s").count() == 10'000);
  BOOST_TEST(parse_duration("X", "10").count() == 10'000);
  BOOST_TEST(parse_duration("X", "2m").count() == 120'000);
  BOOST_TEST(parse_duration("X", "24h").count() == 86'400'000);
  BOOST_CHECK_THROW(parse_duration("X", "-1s"), ConfigError);
  BOOST_CHECK_THROW(parse_duration("X", "1d"), ConfigError);
  BOOST_CHECK_THROW(parse_duration("X", ""), ConfigError);
}

BOOST_AUTO_TEST_CASE(secrets_are_redacted) {
  auto d = describe(make_config({{"TASKS_JWT_SECRET", "s3cret-0123456789abcdef0123456789abcdef"},
                                 {"TASKS_DB", "postgresql://tasks:hunter2@db:5432/tasks"},
                                 {"DAPR_API_TOKEN", "tok"}}));
  for (const auto& [k, v] : d) {
    BOOST_TEST(v.find("s3cret") == std::string::npos, k);
    BOOST_TEST(v.find("hunter2") == std::string::npos, k);
    BOOST_TEST(v.find("tok") == std::string::npos, k);
  }
  BOOST_TEST(d["TASKS_DB"] == "postgresql://tasks:***@db:5432/tasks");
}

BOOST_AUTO_TEST_CASE(postgres_uris_become_keyword_strings) {
  auto t = parse_db_url("postgresql://tasks:p%40ss@db.example:5433/tasks?sslmode=require");
  BOOST_TEST((t.dialect == Dialect::postgresql));
  BOOST_TEST(t.connect.find("host='db.example'") != std::string::npos);
  BOOST_TEST(t.connect.find("port='5433'") != std::string::npos);
  BOOST_TEST(t.connect.find("dbname='tasks'") != std::string::npos);
  BOOST_TEST(t.connect.find("user='tasks'") != std::string::npos);
  BOOST_TEST(t.connect.find("password='p@ss'") != std::string::npos);
  BOOST_TEST(t.connect.find("sslmode='require'") != std::string::npos);
  BOOST_TEST(t.connect.find("connect_timeout='5'") != std::string::npos);
  BOOST_TEST(parse_db_url("postgres://u@h/d").connect.find("user='u'") != std::string::npos);
  BOOST_TEST(parse_db_url("postgresql://it's:x@h/d").connect.find(R"(user='it\'s')") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sqlite_urls) {
  auto t = parse_db_url("sqlite:./data/tasks.db");
  BOOST_TEST((t.dialect == Dialect::sqlite));
  BOOST_TEST(t.path == "./data/tasks.db");
  BOOST_CHECK_THROW(parse_db_url("sqlite:"), ConfigError);
  BOOST_CHECK_THROW(parse_db_url("oracle://x"), ConfigError);
  BOOST_CHECK_THROW(parse_db_url("postgresql://h:port/d"), ConfigError);
}

BOOST_AUTO_TEST_CASE(issue_9_limits_have_bounds_and_defaults) {
  auto c = make_config({});
  BOOST_TEST(c.request_timeout.count() == 10'000);
  BOOST_TEST(c.max_in_flight == 512);
  BOOST_TEST(c.user_queue_limit == 32);
  BOOST_TEST(c.http_max_connections == 10'000);
  BOOST_TEST(c.http_idle_timeout.count() == 60'000);
  BOOST_TEST(c.http_read_timeout.count() == 10'000);
  BOOST_TEST(c.idempotency_ttl.count() == 24 * 3'600'000LL);
  BOOST_TEST(c.max_tasks_per_user == 10'000);
  BOOST_TEST(c.jwt_leeway.count() == 30'000);
  BOOST_TEST(error_of({{"TASKS_REQUEST_TIMEOUT", "60s"}}).empty());
  BOOST_TEST(error_of({{"TASKS_REQUEST_TIMEOUT", "61s"}}).rfind("TASKS_REQUEST_TIMEOUT:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_REQUEST_TIMEOUT", "99ms"}}).rfind("TASKS_REQUEST_TIMEOUT:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_JWT_SECRET", std::string(31, 'k')}}).rfind("TASKS_JWT_SECRET:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_JWT_SECRET", std::string(32, 'k')}}).empty());
  BOOST_TEST(error_of({{"TASKS_JWT_LEEWAY", "5m"}}).empty());
  BOOST_TEST(error_of({{"TASKS_JWT_LEEWAY", "301s"}}).rfind("TASKS_JWT_LEEWAY:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_MAX_IN_FLIGHT", "0"}}).rfind("TASKS_MAX_IN_FLIGHT:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_IDEMPOTENCY_TTL", "59s"}}).rfind("TASKS_IDEMPOTENCY_TTL:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_HTTP_READ_TIMEOUT", "6m"}}).rfind("TASKS_HTTP_READ_TIMEOUT:", 0) == 0u);
  auto described = describe(make_config({{"TASKS_JWT_ISSUER", "https://issuer"}}));
  BOOST_TEST(described["TASKS_JWT_ISSUER"] == "https://issuer");
  BOOST_TEST(described["TASKS_JWT_AUDIENCE"] == "(not checked)");
}

BOOST_AUTO_TEST_CASE(replica_and_lease_settings_have_bounds_and_defaults) {
  auto c = make_config({});
  BOOST_TEST(c.replica_id.empty());  // hostname-pid at start
  BOOST_TEST(c.lease_duration.count() == 10'000);
  BOOST_TEST(c.lease_renew_interval.count() == 3'000);
  BOOST_TEST(c.lease_buckets == 0);  // what the database has
  BOOST_TEST(make_config({{"TASKS_LEASE_BUCKETS", "64"}}).lease_buckets == 64);
  BOOST_TEST(error_of({{"TASKS_LEASE_BUCKETS", "1"}}).rfind("TASKS_LEASE_BUCKETS:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_LEASE_BUCKETS", "5000"}}).rfind("TASKS_LEASE_BUCKETS:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_LEASE_DURATION", "500ms"}}).rfind("TASKS_LEASE_DURATION:", 0) == 0u);
  // A lease must survive a missed renewal.
  BOOST_TEST(error_of({{"TASKS_LEASE_RENEW_INTERVAL", "4s"}}).rfind("TASKS_LEASE_RENEW_INTERVAL:", 0) == 0u);
  BOOST_TEST(error_of({{"TASKS_LEASE_DURATION", "2s"}, {"TASKS_LEASE_RENEW_INTERVAL", "500ms"}}).empty());
  BOOST_TEST(error_of({{"TASKS_REPLICA_ID", std::string(201, 'r')}}).rfind("TASKS_REPLICA_ID:", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(connections_are_capped_below_the_open_file_limit) {
  BOOST_TEST(tasks::http::connection_cap(10'000, 20'000) == 10'000);
  BOOST_TEST(tasks::http::connection_cap(10'000, 1024) == 896);
  BOOST_TEST(tasks::http::connection_cap(10'000, 100) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
