#include "persistence/db_url.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/uri_passwords.hpp"

namespace tasks {

namespace {

ConfigError bad(const std::string& why) {
  return ConfigError("TASKS_DB", why);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
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

// The URI's passwords as written in it (core/uri_passwords). libpq reads the URI as a C string,
// up to a NUL, and its messages quote what it read: the passwords of that part count as well.
std::vector<std::string> secrets_of(const std::string& uri) {
  std::vector<std::string> out;
  for (const std::string_view text : {std::string_view(uri), std::string_view(uri.c_str())})
    for (const auto& span : password_spans(text)) {
      const auto secret = text.substr(span.at, span.size);
      out.emplace_back(secret);
      out.emplace_back(secret.substr(0, secret.find('\0')));  // what of it libpq read and may quote
    }
  std::erase_if(out, [](const std::string& s) { return s.empty(); });
  // The longest first: a shorter one replaced inside it would leave the rest of it shown.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

// libpq's parse errors quote the offending token, or the whole URI, password included. The
// message goes to logs: it loses the URI's secrets wherever they stand, and its line breaks.
// (Only the quoted parts were redacted once, but a quote in the URI itself, as in a user name
// u"x, shifts libpq's quotes so that the password stood outside them.)
std::string redacted(std::string message, const std::string& uri) {
  for (const auto& secret : secrets_of(uri))
    for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at + 3))
      message.replace(at, secret.size(), "***");
  for (auto& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  while (!message.empty() && message.back() == ' ') message.pop_back();
  return message;
}

// The names of the run-time parameters set in a libpq `options` value: the server reads it as
// command-line switches (split at white space, a backslash escapes the next character), where
// `-c name=value`, `-cname=value` and `--name=value` set a parameter; names are
// case-insensitive and '-' stands for '_'.
std::set<std::string> parameters_set_in(const std::string& options) {
  std::vector<std::string> words;
  std::string word;
  bool escaped = false;
  for (char c : options) {
    if (escaped) {
      word += c;
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  std::set<std::string> names;
  auto add = [&](const std::string& setting) {
    std::string name = setting.substr(0, setting.find('='));
    for (auto& c : name) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!name.empty()) names.insert(name);
  };
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& w = words[i];
    if (w == "-c" && i + 1 < words.size())
      add(words[++i]);
    else if (starts_with(w, "--"))
      add(w.substr(2));
    else if (starts_with(w, "-c"))
      add(w.substr(2));
  }
  return names;
}

// The URI's connection parameters, as libpq itself reads them (percent-decoding, IPv6 hosts,
// several hosts, the query parameters it knows), in libpq's order. Only what the URI sets.
std::vector<std::pair<std::string, std::string>> parse_uri(const std::string& uri) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)> options(PQconninfoParse(uri.c_str(), &error),
                                                                         PQconninfoFree);
  if (!options) {
    std::string why = error ? error : "out of memory";
    if (error) PQfreemem(error);
    throw bad("not a valid PostgreSQL URI: " + redacted(why, uri));
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (auto* o = options.get(); o->keyword; ++o)
    if (o->val && *o->val) out.emplace_back(o->keyword, o->val);
  return out;
}

}  // namespace

DbTarget parse_db_url(const std::string& url, const DbSessionSettings& settings) {
  DbTarget t;
  if (starts_with(url, "sqlite:")) {
    t.dialect = Dialect::sqlite;
    t.path = url.substr(7);
    if (t.path.empty()) throw bad("sqlite: needs a file path, as in sqlite:./data/tasks.db");
    // SOCI splits its connect string on spaces; quote the path.
    t.connect = "db=\"" + t.path + "\" timeout=5";
    if (t.path.find('"') != std::string::npos) throw bad("the SQLite path must not contain '\"'");
    return t;
  }
  if (!starts_with(url, "postgresql://") && !starts_with(url, "postgres://"))
    throw bad("unknown database scheme; use sqlite:PATH or postgresql://user:pass@host:port/db");
  t.dialect = Dialect::postgresql;

  auto params = parse_uri(url);
  auto find = [&](const std::string& key) -> std::string* {
    for (auto& [k, v] : params)
      if (k == key) return &v;
    return nullptr;
  };
  // libpq checks the port only when it connects; a typo should stop start-up with a clear word.
  // Several hosts have a port each (comma-separated, empty: the default).
  if (const auto* port = find("port"))
    for (size_t from = 0; from <= port->size();) {
      const auto comma = std::min(port->find(',', from), port->size());
      const auto one = port->substr(from, comma - from);
      if (one.find_first_not_of("0123456789") != std::string::npos)
        throw bad("the port in the PostgreSQL URI is not a number");
      long value = 0;  // as libpq reads it (leading zeros are fine), capped above the range
      for (char c : one) value = std::min(value * 10 + (c - '0'), 100'000L);
      if (!one.empty() && (value < 1 || value > 65535))
        throw bad("the port in the PostgreSQL URI must be from 1 to 65535");
      from = comma + 1;
    }

  // The session settings, each unless the URI sets it itself. Server parameters go in
  // `options`, after the URI's own ones: NOTICEs silenced (libpq prints them to stderr, and
  // IF NOT EXISTS and friends send them), and a statement that runs too long fails.
  std::string options;
  if (const auto* own = find("options")) options = *own;
  const auto own_parameters = parameters_set_in(options);
  auto add_parameter = [&](const std::string& name, const std::string& value) {
    if (own_parameters.count(name)) return;
    options += (options.empty() ? "" : " ") + std::string("-c ") + name + "=" + value;
  };
  add_parameter("client_min_messages", "warning");
  add_parameter("statement_timeout", std::to_string(settings.statement_timeout.count()));
  if (auto* own = find("options"))
    *own = options;
  else
    params.emplace_back("options", options);
  // An unreachable server fails start-up (or a reconnect) quickly instead of hanging, and a dead
  // network path drops the connection in seconds instead of blocking the writer for minutes:
  // TCP keepalives after `keepalive_idle` of silence (3 probes a third of that apart), and
  // tcp_user_timeout for data sent but never acknowledged.
  auto add_default = [&](const std::string& key, const std::string& value) {
    if (!find(key)) params.emplace_back(key, value);
  };
  const auto idle_s = std::max<long long>(1, settings.keepalive_idle.count() / 1000);
  add_default("connect_timeout", "5");
  add_default("keepalives", "1");
  add_default("keepalives_idle", std::to_string(idle_s));
  add_default("keepalives_interval", std::to_string(std::max<long long>(1, idle_s / 3)));
  add_default("keepalives_count", "3");
  add_default("tcp_user_timeout", std::to_string(settings.tcp_user_timeout.count()));

  for (const auto& [key, value] : params) t.connect += (t.connect.empty() ? "" : " ") + key + "=" + quote(value);
  return t;
}

}  // namespace tasks
