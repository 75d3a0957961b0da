#pragma once

// Structured logging: one JSON object a line (default) or readable text. Every line carries a
// message and the fields that apply: correlation_id, event_type, task_id, user_id, error, ...

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tasks::log {

enum class Level { trace, debug, info, warn, error };

using Fields = nlohmann::json;  // an object; keys are field names

// Sets the format ("json" or "text") and the lowest level written. Safe to call again.
void configure(const std::string& format, const std::string& level);

bool enabled(Level level);
void write(Level level, std::string_view message, const Fields& fields = Fields::object());

inline void debug(std::string_view m, const Fields& f = Fields::object()) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, const Fields& f = Fields::object()) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, const Fields& f = Fields::object()) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, const Fields& f = Fields::object()) {
  write(Level::error, m, f);
}

// The line as it would be written (for tests of the format).
std::string render(Level level, std::string_view message, const Fields& fields, bool json);

}  // namespace tasks::log
