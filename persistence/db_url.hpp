#pragma once

// TASKS_DB: `sqlite:PATH` or a `postgresql://user:pass@host:port/db?param=value` URI, turned into
// what SOCI wants (SOCI mangles URI connect strings, so PostgreSQL gets the keyword form).

#include <string>

namespace tasks {

enum class Dialect { sqlite, postgresql };

struct DbTarget {
  Dialect dialect = Dialect::sqlite;
  std::string connect;  // SOCI connect string
  std::string path;     // SQLite file
};

// Throws ConfigError naming TASKS_DB.
DbTarget parse_db_url(const std::string& url);

}  // namespace tasks
