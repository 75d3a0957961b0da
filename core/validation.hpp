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

// Titles: Unicode White_Space trimmed from both ends, then 1..255 code points with at least one
// visible character (not only white space and invisible/format characters); no C0/C1 control or
// DEL anywhere (tab, CR, LF, VT, FF may only stand at the ends, where they are trimmed).
// Descriptions: at most 4000 code points, no C0/C1 control or DEL except tab, CR and LF; kept as
// sent. Due dates: RFC 3339 within years 0000..9999 once the offset is applied (core/time.hpp).
Validated<NewTask> parse_new_task(std::string_view body);
Validated<TaskPatch> parse_task_patch(std::string_view body);
// completed, limit (1..1000), offset (>= 0) or after (a cursor from core/list_cursor), not
// offset and after together; anything else is 400.
Validated<ListQuery> parse_list_query(const std::map<std::string, std::string>& params);

// Number of Unicode code points in valid UTF-8 text.
size_t utf8_length(std::string_view text);

}  // namespace tasks
