#include "core/validation.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace tasks {

namespace {

using json = nlohmann::json;

InputError unprocessable(std::string field, std::string detail) {
  return InputError{422, std::move(field), std::move(detail)};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Control characters are refused: they break logs and terminals, and PostgreSQL refuses NUL.
bool has_control(std::string_view s, bool allow_whitespace) {
  for (unsigned char c : s) {
    if (c == 0x7f) return true;
    if (c < 0x20 && !(allow_whitespace && (c == '\n' || c == '\t' || c == '\r'))) return true;
  }
  return false;
}

// Parses the body as one JSON object; nlohmann's parser also refuses ill-formed UTF-8.
std::variant<json, InputError> parse_object(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return InputError{400, "", "the body is not well-formed JSON"};
  if (!doc.is_object()) return unprocessable("", "the body must be a JSON object");
  return doc;
}

std::variant<std::string, InputError> read_title(const json& value) {
  if (!value.is_string()) return unprocessable("title", "title must be a string");
  std::string title = trim(value.get<std::string>());
  const size_t n = utf8_length(title);
  if (n == 0) return unprocessable("title", "title must not be empty");
  if (n > max_title_chars) return unprocessable("title", "title must be at most 255 characters");
  if (has_control(title, false)) return unprocessable("title", "title must not contain control characters");
  return title;
}

std::variant<std::optional<std::string>, InputError> read_description(const json& value) {
  if (value.is_null()) return std::optional<std::string>{};
  if (!value.is_string()) return unprocessable("description", "description must be a string or null");
  auto text = value.get<std::string>();
  if (utf8_length(text) > max_description_chars)
    return unprocessable("description", "description must be at most 4000 characters");
  if (has_control(text, true))
    return unprocessable("description", "description must not contain control characters other than tab and newline");
  return std::optional<std::string>{std::move(text)};
}

std::variant<std::optional<millis>, InputError> read_due_date(const json& value) {
  if (value.is_null()) return std::optional<millis>{};
  if (!value.is_string()) return unprocessable("due_date", "due_date must be an RFC 3339 date-time string or null");
  auto parsed = parse_rfc3339(value.get_ref<const std::string&>());
  if (!parsed) return unprocessable("due_date", "due_date must be an RFC 3339 date-time such as 2026-12-01T09:00:00Z");
  return std::optional<millis>{*parsed};
}

std::optional<InputError> refuse_unknown_fields(const json& doc) {
  for (const auto& [key, value] : doc.items()) {
    if (key != "title" && key != "description" && key != "due_date")
      return unprocessable(key, "unknown field '" + key + "'; allowed: title, description, due_date");
  }
  return std::nullopt;
}

template <class T, class Out>
std::optional<InputError> take(std::variant<T, InputError>&& result, Out& out) {
  if (auto* err = std::get_if<InputError>(&result)) return std::move(*err);
  out = std::move(std::get<T>(result));
  return std::nullopt;
}

std::optional<std::int64_t> to_int(const std::string& text) {
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

Validated<NewTask> parse_new_task(std::string_view body) {
  auto parsed = parse_object(body);
  if (auto* err = std::get_if<InputError>(&parsed)) return *err;
  const json& doc = std::get<json>(parsed);
  if (auto err = refuse_unknown_fields(doc)) return *err;
  NewTask task;
  auto title = doc.find("title");
  if (title == doc.end()) return unprocessable("title", "title is required");
  if (auto err = take(read_title(*title), task.title)) return *err;
  if (auto it = doc.find("description"); it != doc.end())
    if (auto err = take(read_description(*it), task.description)) return *err;
  if (auto it = doc.find("due_date"); it != doc.end())
    if (auto err = take(read_due_date(*it), task.due_date)) return *err;
  return task;
}

Validated<TaskPatch> parse_task_patch(std::string_view body) {
  auto parsed = parse_object(body);
  if (auto* err = std::get_if<InputError>(&parsed)) return *err;
  const json& doc = std::get<json>(parsed);
  if (auto err = refuse_unknown_fields(doc)) return *err;
  TaskPatch patch;
  if (auto it = doc.find("title"); it != doc.end()) {
    std::string title;
    if (auto err = take(read_title(*it), title)) return *err;
    patch.title = std::move(title);
  }
  if (auto it = doc.find("description"); it != doc.end()) {
    std::optional<std::string> description;
    if (auto err = take(read_description(*it), description)) return *err;
    patch.description = std::move(description);
  }
  if (auto it = doc.find("due_date"); it != doc.end()) {
    std::optional<millis> due;
    if (auto err = take(read_due_date(*it), due)) return *err;
    patch.due_date = due;
  }
  return patch;
}

Validated<ListQuery> parse_list_query(const std::map<std::string, std::string>& params) {
  ListQuery query;
  for (const auto& [key, value] : params) {
    if (key == "completed") {
      if (value == "true")
        query.completed = true;
      else if (value == "false")
        query.completed = false;
      else
        return InputError{400, key, "completed must be true or false"};
    } else if (key == "limit") {
      auto n = to_int(value);
      if (!n || *n < 1 || *n > max_list_limit) return InputError{400, key, "limit must be an integer from 1 to 1000"};
      query.limit = *n;
    } else if (key == "offset") {
      auto n = to_int(value);
      if (!n || *n < 0) return InputError{400, key, "offset must be a non-negative integer"};
      query.offset = *n;
    } else {
      return InputError{400, key, "unknown query parameter '" + key + "'; allowed: completed, limit, offset"};
    }
  }
  return query;
}

}  // namespace tasks
