#pragma once

// Validation of everything a client sends in a body or a query: pure functions from text to
// domain values, or to an InputError that names the offending field.

#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "core/task.hpp"

namespace tasks {

// 400 for input that cannot be read at all, 422 for well-formed input that breaks a rule.
struct InputError {
  int status = 422;
  std::string field;  // empty when the error is not about one field
  std::string detail;
};

template <class T>
using Validated = std::variant<T, InputError>;

inline constexpr size_t max_title_chars = 255;
inline constexpr size_t max_description_chars = 4000;
inline constexpr std::int64_t max_list_limit = 1000;

Validated<NewTask> parse_new_task(std::string_view body);
Validated<TaskPatch> parse_task_patch(std::string_view body);
Validated<ListQuery> parse_list_query(const std::map<std::string, std::string>& params);

// Number of Unicode code points in valid UTF-8 text.
size_t utf8_length(std::string_view text);

}  // namespace tasks
