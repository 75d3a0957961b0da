#include "tests/support/event_dump.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <unordered_set>

namespace tasks::testing {

namespace {

const char* dump_dir() {
  const char* dir = std::getenv("TASKS_EVENT_DUMP_DIR");
  return dir && *dir ? dir : nullptr;
}

std::mutex mutex;
std::unordered_set<size_t> seen;  // hashes of topic + text: events already written by this process

}  // namespace

void dump_event(const std::string& origin, const std::string& topic, const std::string& text) {
  const char* dir = dump_dir();
  if (!dir) return;
  std::lock_guard lock(mutex);
  if (!seen.insert(std::hash<std::string>{}(topic + '\n' + text)).second) return;
  auto event = nlohmann::json::parse(text, nullptr, false);
  if (event.is_discarded()) event = text;
  const std::string line = nlohmann::json{{"origin", origin}, {"topic", topic}, {"event", event}}.dump(
                               -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                           "\n";
  const std::string path = std::string(dir) + "/" + origin + "-" + std::to_string(::getpid()) + ".jsonl";
  // Opened for each line: a test process that dies still leaves every line it wrote whole.
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) throw std::runtime_error("TASKS_EVENT_DUMP_DIR: cannot append to " + path);
  std::fwrite(line.data(), 1, line.size(), f);
  std::fclose(f);
}

void expect_events(const std::string& origin) {
  const char* dir = dump_dir();
  if (!dir) return;
  const std::string path = std::string(dir) + "/" + origin + ".expected";
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("TASKS_EVENT_DUMP_DIR: cannot write " + path);
  std::fclose(f);
}

}  // namespace tasks::testing
