#include "persistence/db_url.hpp"

#include <algorithm>

#include "core/config.hpp"

namespace tasks {

namespace {

ConfigError bad(const std::string& why) {
  return ConfigError("TASKS_DB", why);
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !isxdigit(static_cast<unsigned char>(s[i + 1])) ||
          !isxdigit(static_cast<unsigned char>(s[i + 2])))
        throw bad("bad percent-encoding in the PostgreSQL URI");
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// libpq keyword values: single-quoted, with backslash escapes.
std::string quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

DbTarget parse_db_url(const std::string& url, const DbSessionSettings& settings) {
  DbTarget t;
  if (url.rfind("sqlite:", 0) == 0) {
    t.dialect = Dialect::sqlite;
    t.path = url.substr(7);
    if (t.path.empty()) throw bad("sqlite: needs a file path, as in sqlite:./data/tasks.db");
    // SOCI splits its connect string on spaces; quote the path.
    t.connect = "db=\"" + t.path + "\" timeout=5";
    if (t.path.find('"') != std::string::npos) throw bad("the SQLite path must not contain '\"'");
    return t;
  }
  std::string rest;
  if (url.rfind("postgresql://", 0) == 0)
    rest = url.substr(13);
  else if (url.rfind("postgres://", 0) == 0)
    rest = url.substr(11);
  else
    throw bad("unknown database scheme; use sqlite:PATH or postgresql://user:pass@host:port/db");
  t.dialect = Dialect::postgresql;

  std::string query;
  if (auto q = rest.find('?'); q != std::string::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string dbname;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    dbname = percent_decode(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  std::string user, password;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string::npos) {
      user = percent_decode(userinfo.substr(0, colon));
      password = percent_decode(userinfo.substr(colon + 1));
    } else {
      user = percent_decode(userinfo);
    }
  }
  std::string host = rest, port;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw bad("unterminated [IPv6] host in the PostgreSQL URI");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (!port.empty() && port.find_first_not_of("0123456789") != std::string::npos)
    throw bad("the port in the PostgreSQL URI is not a number");

  std::string c;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) c += (c.empty() ? "" : " ") + k + "=" + quote(v);
  };
  add("host", percent_decode(host));
  add("port", port);
  add("dbname", dbname);
  add("user", user);
  add("password", password);
  bool has_options = false;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    start = amp == std::string::npos ? query.size() : amp + 1;
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string::npos) throw bad("query parameter '" + pair + "' has no value");
    std::string key = percent_decode(pair.substr(0, eq));
    if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
      throw bad("bad query parameter name '" + key + "'");
    std::string value = percent_decode(pair.substr(eq + 1));
    if (key == "options") {
      value += " -c client_min_messages=warning";
      if (value.find("statement_timeout") == std::string::npos)
        value += " -c statement_timeout=" + std::to_string(settings.statement_timeout.count());
      has_options = true;
    }
    add(key, value);
  }
  // Silence NOTICEs (libpq prints them to stderr) from IF NOT EXISTS and friends.
  if (!has_options)
    add("options",
        "-c client_min_messages=warning -c statement_timeout=" + std::to_string(settings.statement_timeout.count()));
  // An unreachable server fails start-up (or a reconnect) quickly instead of hanging, and a dead
  // network path drops the connection in seconds instead of blocking the writer for minutes.
  auto has = [&](const std::string& key) { return (("&" + query).find("&" + key + "=")) != std::string::npos; };
  if (!has("connect_timeout")) add("connect_timeout", "5");
  const auto idle_s = std::max<long long>(1, settings.keepalive_idle.count() / 1000);
  if (!has("keepalives")) add("keepalives", "1");
  if (!has("keepalives_idle")) add("keepalives_idle", std::to_string(idle_s));
  if (!has("keepalives_interval")) add("keepalives_interval", std::to_string(std::max<long long>(1, idle_s / 3)));
  if (!has("keepalives_count")) add("keepalives_count", "3");
  if (!has("tcp_user_timeout")) add("tcp_user_timeout", std::to_string(settings.tcp_user_timeout.count()));
  t.connect = c;
  return t;
}

}  // namespace tasks
