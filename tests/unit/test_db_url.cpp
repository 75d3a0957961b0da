// parse_db_url: TASKS_DB into SOCI's connect string. The PostgreSQL keyword string is read back
// with libpq's own parser, so the tests check what libpq will use, not how it is spelled.

#include <libpq-fe.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>

#include "core/config.hpp"
#include "core/uri_passwords.hpp"
#include "persistence/db_url.hpp"

using namespace tasks;
using namespace std::chrono_literals;

namespace {

// What libpq reads from a keyword connect string (only what it sets).
std::map<std::string, std::string> read_back(const std::string& connect) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(PQconninfoParse(connect.c_str(), &error),
                                                                         PQconninfoFree);
  if (!options) {
    std::string why = error ? error : "?";
    PQfreemem(error);
    BOOST_FAIL("libpq cannot read " + connect + ": " + why);
  }
  std::map<std::string, std::string> out;
  for (auto* o = options.get(); o->keyword; ++o)
    if (o->val) out[o->keyword] = o->val;
  return out;
}

std::map<std::string, std::string> params_of(const std::string& url, const DbSessionSettings& settings = {}) {
  auto t = parse_db_url(url, settings);
  BOOST_TEST((t.dialect == Dialect::postgresql));
  BOOST_TEST(t.connect.find("://") == std::string::npos);  // the keyword form, never a URI
  return read_back(t.connect);
}

// How often `keyword=` starts a parameter of the connect string.
size_t times_set(const std::string& connect, const std::string& keyword) {
  size_t n = 0;
  for (auto at = connect.find(keyword + "="); at != std::string::npos; at = connect.find(keyword + "=", at + 1))
    if (at == 0 || connect[at - 1] == ' ') ++n;
  return n;
}

std::string error_of(const std::string& url) {
  try {
    parse_db_url(url);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(db_url)

BOOST_AUTO_TEST_CASE(the_uri_parts_reach_libpq_decoded) {
  auto p = params_of("postgresql://tasks:p%40ss%20w@db.example:5433/tasks%2Dmain?sslmode=require&application_name=t");
  BOOST_TEST(p["host"] == "db.example");
  BOOST_TEST(p["port"] == "5433");
  BOOST_TEST(p["dbname"] == "tasks-main");
  BOOST_TEST(p["user"] == "tasks");
  BOOST_TEST(p["password"] == "p@ss w");
  BOOST_TEST(p["sslmode"] == "require");
  BOOST_TEST(p["application_name"] == "t");
  BOOST_TEST(params_of("postgres://u@h/d")["user"] == "u");
  BOOST_TEST(params_of("postgresql://h/d").count("user") == 0u);
  // Quotes and backslashes survive the keyword form.
  auto q = params_of(R"(postgresql://it's:a\b@h/d)");
  BOOST_TEST(q["user"] == "it's");
  BOOST_TEST(q["password"] == R"(a\b)");
}

BOOST_AUTO_TEST_CASE(ipv6_and_several_hosts) {
  auto v6 = params_of("postgresql://u@[2001:db8::1]:6432/d");
  BOOST_TEST(v6["host"] == "2001:db8::1");
  BOOST_TEST(v6["port"] == "6432");
  auto many = params_of("postgresql://u@h1:5432,h2:5433/d?target_session_attrs=read-write");
  BOOST_TEST(many["host"] == "h1,h2");
  BOOST_TEST(many["port"] == "5432,5433");
  BOOST_TEST(many["target_session_attrs"] == "read-write");
  BOOST_TEST(params_of("postgresql:///d?host=/run/postgresql")["host"] == "/run/postgresql");
}

BOOST_AUTO_TEST_CASE(session_settings_are_added) {
  auto p = params_of("postgresql://u@h/d");
  BOOST_TEST(p["connect_timeout"] == "5");
  BOOST_TEST(p["keepalives"] == "1");
  BOOST_TEST(p["keepalives_idle"] == "10");
  BOOST_TEST(p["keepalives_interval"] == "3");
  BOOST_TEST(p["keepalives_count"] == "3");
  BOOST_TEST(p["tcp_user_timeout"] == "10000");
  BOOST_TEST(p["options"] == "-c client_min_messages=warning -c statement_timeout=15000");
  auto custom = params_of("postgresql://u@h/d", DbSessionSettings{2500ms, 4000ms, 30s});
  BOOST_TEST(custom["options"] == "-c client_min_messages=warning -c statement_timeout=2500");
  BOOST_TEST(custom["tcp_user_timeout"] == "4000");
  BOOST_TEST(custom["keepalives_idle"] == "30");
  BOOST_TEST(custom["keepalives_interval"] == "10");
  // Below a second: keepalives count in whole seconds, at least 1.
  auto tiny = params_of("postgresql://u@h/d", DbSessionSettings{1000ms, 1000ms, 200ms});
  BOOST_TEST(tiny["keepalives_idle"] == "1");
  BOOST_TEST(tiny["keepalives_interval"] == "1");
}

BOOST_AUTO_TEST_CASE(the_uris_own_settings_win) {
  const std::string url =
      "postgresql://u@h/d?connect_timeout=2&keepalives=0&keepalives_idle=60&keepalives_interval=7&keepalives_count=9&"
      "tcp_user_timeout=500";
  auto connect = parse_db_url(url).connect;
  auto p = read_back(connect);
  BOOST_TEST(p["connect_timeout"] == "2");
  BOOST_TEST(p["keepalives"] == "0");
  BOOST_TEST(p["keepalives_idle"] == "60");
  BOOST_TEST(p["keepalives_interval"] == "7");
  BOOST_TEST(p["keepalives_count"] == "9");
  BOOST_TEST(p["tcp_user_timeout"] == "500");
  for (auto k : {"connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                 "tcp_user_timeout", "options"})
    BOOST_TEST(times_set(connect, k) == 1u, k);
}

BOOST_AUTO_TEST_CASE(the_users_options_are_kept_and_completed) {
  // Its own parameters first, ours after them, so that a parameter it sets is never overridden.
  BOOST_TEST(params_of("postgresql://u@h/d?options=-c%20search_path%3Dapp")["options"] ==
             "-c search_path=app -c client_min_messages=warning -c statement_timeout=15000");
  // A statement_timeout or client_min_messages of its own, in any of the server's spellings, stays alone.
  for (std::string own : {"-c%20statement_timeout%3D1s", "-cstatement_timeout%3D1s", "--statement-timeout%3D1s",
                          "-c%20STATEMENT_TIMEOUT%3D1s"}) {
    const std::string options = params_of("postgresql://u@h/d?options=" + own)["options"];
    BOOST_TEST(options.find("statement_timeout=15000") == std::string::npos, own);
    BOOST_TEST(options.find("client_min_messages=warning") != std::string::npos, own);
  }
  BOOST_TEST(params_of("postgresql://u@h/d?options=-c%20client_min_messages%3Dnotice")["options"] ==
             "-c client_min_messages=notice -c statement_timeout=15000");
  // A value with an escaped space is passed on as it was; a name that merely contains ours is not ours.
  BOOST_TEST(params_of(R"(postgresql://u@h/d?options=-c%20application_name%3Dmy\%20statement_timeout)")["options"] ==
             R"(-c application_name=my\ statement_timeout -c client_min_messages=warning -c statement_timeout=15000)");
  BOOST_TEST(params_of("postgresql://u@h/d?options=-c%20idle_statement_timeout_x%3D1")["options"].find(
                 "statement_timeout=15000") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_uris_are_one_line_errors_naming_tasks_db_without_the_password) {
  for (std::string url : {"oracle://x", "postgresql://u:s3cret@h:port/d", "postgresql://u:s3cret@h:5432x/d",
                          "postgresql://u:s3cret%zz@h/d", "postgresql://u:s3cret@[::1/d",
                          "postgresql://u:s3cret@h/d?nosuchparam=1", "postgresql://u:s3cret@h/d?sslmode",
                          "postgresql://u:s3cret@h/d?password=t0psecret%zz", "postgresql://u:s3cret@h/d%00x"}) {
    const auto error = error_of(url);
    BOOST_TEST_MESSAGE(error);
    BOOST_TEST(!error.empty(), url);
    BOOST_TEST(error.find("TASKS_DB") != std::string::npos, error);
    BOOST_TEST(error.find('\n') == std::string::npos, error);
    BOOST_TEST(error.find("s3cret") == std::string::npos, error);
    BOOST_TEST(error.find("t0psecret") == std::string::npos, error);
  }
  BOOST_TEST(error_of("postgresql://u@h/d?nosuchparam=1").find("nosuchparam") != std::string::npos);
  BOOST_TEST(error_of("postgresql://u@h:port/d").find("port") != std::string::npos);
}

// Found by fuzz_db_url: only the quoted parts of libpq's message were redacted, and a quote in the
// URI itself (here in the user name) shifted libpq's quotes, so that the password stood outside
// them in the start-up error.
BOOST_AUTO_TEST_CASE(a_quote_in_the_uri_does_not_uncover_the_password) {
  for (std::string url : {"postgresql://u\"x:s3cret@[::1/d", "postgresql://u\"x\":s3cret@[::1/d",
                          "postgresql://u:s3cret@h/d?a\"b=c&password=t0psecret&x\"y",
                          // libpq's password ends at the first '@' and may hold a '?'
                          "postgresql://u:s3cret%zz@h@x/d", "postgresql://u:s3?cret%zz@h/d"}) {
    const auto error = error_of(url);
    BOOST_TEST(error.find("TASKS_DB") != std::string::npos, error);
    BOOST_TEST(error.find("s3cret") == std::string::npos, error);
    BOOST_TEST(error.find("t0psecret") == std::string::npos, error);
  }
}

// Found by fuzz_db_url: the start-up log's TASKS_DB hid the user information's password but not
// a password parameter, which libpq takes as well.
BOOST_AUTO_TEST_CASE(the_logged_uri_hides_a_password_parameter) {
  Config config;
  config.db = "postgresql://u@h/d?sslmode=disable&password=t0psecret&application_name=x";
  BOOST_TEST(describe(config).at("TASKS_DB") == "postgresql://u@h/d?sslmode=disable&password=***&application_name=x");
  config.db = "postgresql://u:s3cret@h/d?password=t0psecret";
  BOOST_TEST(describe(config).at("TASKS_DB") == "postgresql://u:***@h/d?password=***");
  config.db = "postgresql://u:%z?z@h/d&password=t0psecret";  // the user information's cut took the '?'
  BOOST_TEST(describe(config).at("TASKS_DB").find("t0psecret") == std::string::npos);
  config.db = "postgresql://u@h/d?xpassword=shown";  // another parameter's name
  BOOST_TEST(describe(config).at("TASKS_DB") == "postgresql://u@h/d?xpassword=shown");
}

// core/uri_passwords: the one place that says where a URI's passwords are, for the log and the
// errors alike (they were found by two different hand-written rules before).
BOOST_AUTO_TEST_CASE(passwords_are_found_where_libpq_reads_them) {
  BOOST_TEST(hide_passwords("postgresql://u:p%40ss@h:5432/d") == "postgresql://u:***@h:5432/d");
  BOOST_TEST(hide_passwords("postgresql://u:a:b@h/d") == "postgresql://u:***@h/d");      // from the first ':'
  BOOST_TEST(hide_passwords("postgresql://u:a@b@h/d") == "postgresql://u:***@b@h/d");    // to libpq's first '@'
  BOOST_TEST(hide_passwords("postgresql://u:s?x@h/d") == "postgresql://u:***@h/d");      // a '?' in the password
  BOOST_TEST(hide_passwords("postgresql://h/d?a=b@c:d") == "postgresql://h/d?a=b@c:d");  // '@' past a '/'
  BOOST_TEST(hide_passwords("postgresql://u@h/d?password=x&password=y") ==
             "postgresql://u@h/d?password=***&password=***");
  BOOST_TEST(hide_passwords("postgresql://u@h/d?a=1?password=x") == "postgresql://u@h/d?a=1?password=***");
  BOOST_TEST(hide_passwords("postgresql://u@h/d?password=a?b&c=d") == "postgresql://u@h/d?password=***&c=d");
  BOOST_TEST(hide_passwords("postgresql://u:@h/d?password=") == "postgresql://u:@h/d?password=");  // nothing to hide
  BOOST_TEST(hide_passwords("postgresql://u:a?password=b@h/d") == "postgresql://u:***");  // overlapping: one span
  BOOST_TEST(hide_passwords("sqlite:./data/password=x.db") == "sqlite:./data/password=x.db");
}

// A libpq error quoting a NUL-cut URI: the password of what libpq read is hidden too, and a
// shorter secret never uncovers the rest of a longer one.
BOOST_AUTO_TEST_CASE(errors_hide_the_passwords_libpq_read_before_a_nul) {
  const std::string url = std::string("postgresql://u:s3cret%zz") + '\0' + "tail@h/d";
  const auto error = error_of(url);
  BOOST_TEST(error.find("TASKS_DB") != std::string::npos, error);
  BOOST_TEST(error.find("s3cret") == std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(ports_must_be_tcp_ports) {
  BOOST_TEST(params_of("postgresql://u@h1:1,h2,h3:65535/d")["port"] == "1,,65535");
  BOOST_TEST(params_of("postgresql://u@h:05432/d")["port"] == "05432");
  for (std::string url : {"postgresql://u@h:0/d", "postgresql://u@h:65536/d", "postgresql://u@h:5432,h2:99999/d",
                          "postgresql://u@h:99999999999999999999/d"})
    BOOST_TEST(error_of(url) == "TASKS_DB: the port in the PostgreSQL URI must be from 1 to 65535", url);
  BOOST_TEST(error_of("postgresql://u@h:54x/d") == "TASKS_DB: the port in the PostgreSQL URI is not a number");
  BOOST_TEST(error_of("postgresql://u@h/d?port=-1") == "TASKS_DB: the port in the PostgreSQL URI is not a number");
}

BOOST_AUTO_TEST_CASE(sqlite_urls) {
  auto t = parse_db_url("sqlite:./data/my tasks.db");
  BOOST_TEST((t.dialect == Dialect::sqlite));
  BOOST_TEST(t.path == "./data/my tasks.db");
  BOOST_TEST(t.connect == "db=\"./data/my tasks.db\" timeout=5");
  BOOST_CHECK_THROW(parse_db_url("sqlite:"), ConfigError);
  BOOST_CHECK_THROW(parse_db_url("sqlite:a\"b"), ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
