#include "core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <atomic>

#include "core/time.hpp"

namespace tasks::log {

namespace {

std::atomic<bool> json_format{true};
std::atomic<int> min_level{static_cast<int>(Level::info)};

const char* name(Level level) {
  switch (level) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

spdlog::logger& sink() {
  // spdlog serialises writers; the pattern is the bare line we render ourselves.
  static auto logger = [] {
    auto l = spdlog::stdout_logger_mt("tasks");
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

}  // namespace

void configure(const std::string& format, const std::string& level) {
  json_format = format != "text";
  for (Level l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error})
    if (level == name(l)) min_level = static_cast<int>(l);
}

bool enabled(Level level) {
  return static_cast<int>(level) >= min_level.load();
}

std::string render(Level level, std::string_view message, const Fields& fields, bool json) {
  const auto ts = format_rfc3339(now_millis());
  if (json) {
    nlohmann::ordered_json line = {{"ts", ts}, {"level", name(level)}, {"msg", message}};
    if (fields.is_object())
      for (const auto& [key, value] : fields.items()) line[key] = value;
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string line = ts + " " + name(level) + " " + std::string(message);
  if (fields.is_object())
    for (const auto& [key, value] : fields.items())
      line += " " + key + "=" +
              (value.is_string() ? value.get<std::string>()
                                 : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  // One event, one line, whatever the values hold.
  for (auto& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  return line;
}

void write(Level level, std::string_view message, const Fields& fields) {
  if (!enabled(level)) return;
  sink().info(render(level, message, fields, json_format.load()));
}

}  // namespace tasks::log
