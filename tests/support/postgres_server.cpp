#include "tests/support/postgres_server.hpp"

#include <pwd.h>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "tests/support/http_client.hpp"
#include "tests/support/taskd_process.hpp"

namespace tasks::testing {

namespace {

std::string pg_bin() {
  if (const char* dir = std::getenv("PG_BIN")) return dir;
  return "/usr/lib/postgresql/15/bin";
}

}  // namespace

PostgresServer::PostgresServer() {
  dir_ = make_temp_dir("tasks-pg");
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (!pw) throw std::runtime_error("running as root but there is no postgres user to run PostgreSQL");
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown of the data dir failed");
  }
  port_ = free_port();
  run(pg_bin() + "/initdb -D " + dir_ + "/data -U tasks --auth=trust -E UTF8 --no-locale > " + dir_ +
      "/initdb.log 2>&1");
  start();
  run(pg_bin() + "/createdb -h 127.0.0.1 -p " + std::to_string(port_) + " -U tasks tasks");
}

PostgresServer::~PostgresServer() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::uri() const {
  return "postgresql://tasks@127.0.0.1:" + std::to_string(port_) + "/tasks";
}

void PostgresServer::start() {
  // fsync off: a test server, thrown away at the end.
  run(pg_bin() + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o \"-p " + std::to_string(port_) +
      " -k " + dir_ + " -c listen_addresses=127.0.0.1 -c fsync=off " +
      "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50\" start > /dev/null");
  running_ = true;
}

void PostgresServer::stop() {
  if (!running_) return;
  run(pg_bin() + "/pg_ctl -D " + dir_ + "/data -m fast -w -t 60 stop > /dev/null");
  running_ = false;
}

std::string PostgresServer::run(const std::string& command) const {
  std::string full = geteuid() == 0 ? "runuser -u postgres -- sh -c '" + command + "'" : command;
  if (std::system(full.c_str()) != 0) throw std::runtime_error("failed: " + command);
  return {};
}

}  // namespace tasks::testing
