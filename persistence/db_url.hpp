#pragma once

// TASKS_DB: `sqlite:PATH` or a `postgresql://user:pass@host:port/db?param=value` URI, turned into
// what SOCI wants (SOCI mangles URI connect strings, so PostgreSQL gets the keyword form).

#include <chrono>
#include <string>

namespace tasks {

// Session settings for PostgreSQL, added to the connect string unless the URI sets them itself:
// a statement that runs too long fails, and a dead network path is noticed in seconds.
struct DbSessionSettings {
  std::chrono::milliseconds statement_timeout{15'000};  // statement_timeout
  std::chrono::milliseconds tcp_user_timeout{10'000};   // tcp_user_timeout
  std::chrono::milliseconds keepalive_idle{10'000};     // keepalives_idle (interval a third, 3 probes)
};

enum class Dialect { sqlite, postgresql };

struct DbTarget {
  Dialect dialect = Dialect::sqlite;
  std::string connect;  // SOCI connect string
  std::string path;     // SQLite file
};

// Throws ConfigError naming TASKS_DB.
DbTarget parse_db_url(const std::string& url, const DbSessionSettings& settings = {});

}  // namespace tasks
