#include "core/validation.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/list_cursor.hpp"
#include "core/time.hpp"

namespace tasks {

namespace {

using json = nlohmann::json;

InputError unprocessable(std::string field, std::string detail) {
  return InputError{422, std::move(field), std::move(detail)};
}

// --- Unicode, as far as titles and descriptions need it ---------------------------------------

// The code points of UTF-8 text, or nothing when it is ill-formed (overlong forms, surrogates,
// values above U+10FFFF, truncated sequences). The JSON parser already refuses such text; this
// check keeps the functions below honest for any caller.
std::optional<std::u32string> decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    char32_t cp = 0, min = 0;
    if (lead < 0x80) {
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (extra >= text.size() - i) return std::nullopt;  // the sequence is cut short
    for (size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

std::string encode_utf8(std::u32string_view cps) {
  std::string out;
  out.reserve(cps.size());
  for (char32_t cp : cps) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

struct Range {
  char32_t first, last;
};

bool in(const Range* begin, const Range* end, char32_t cp) {
  for (const Range* r = begin; r != end; ++r)
    if (cp >= r->first && cp <= r->last) return true;
  return false;
}

// Unicode's White_Space property (PropList.txt, unchanged since Unicode 6.3): trimmed from both
// ends of a title, and a title of nothing else is refused.
constexpr Range white_space[] = {{0x0009, 0x000D}, {0x0020, 0x0020}, {0x0085, 0x0085}, {0x00A0, 0x00A0},
                                 {0x1680, 0x1680}, {0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F},
                                 {0x205F, 0x205F}, {0x3000, 0x3000}};

// Characters that show nothing on their own, so a title made only of them (and white space)
// looks empty in every list. The set is, from Unicode 15:
// - Default_Ignorable_Code_Point (DerivedCoreProperties.txt): soft hyphen, combining grapheme
//   joiner, Arabic letter mark, Hangul fillers, Khmer inherent vowels, Mongolian variation
//   selectors and vowel separator, zero-width space/joiners and direction marks, bidi
//   embeddings, overrides and isolates, word joiner and invisible operators, variation
//   selectors, BOM / zero-width no-break space, the unassigned U+FFF0-FFF8, shorthand format
//   controls, musical symbol format controls and the whole tag/variation-selector plane block
//   U+E0000-E0FFF;
// - the other format characters (general category Cf) that render nothing: the interlinear
//   annotation controls U+FFF9-FFFB and the Egyptian hieroglyph format controls U+13430-1343F
//   (the Prepended_Concatenation_Marks such as U+0600 ARABIC NUMBER SIGN are Cf too but are
//   drawn, so they count as visible);
// - U+2800 BRAILLE PATTERN BLANK, which is drawn as an empty cell.
// Invisible characters next to visible ones (a ZWJ in an emoji sequence, a direction mark in
// mixed-script text) are legitimate and kept.
constexpr Range invisible[] = {
    {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x061C, 0x061C},   {0x115F, 0x1160},   {0x17B4, 0x17B5},
    {0x180B, 0x180F},   {0x200B, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x206F},   {0x2800, 0x2800},
    {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

bool is_white_space(char32_t cp) {
  return in(std::begin(white_space), std::end(white_space), cp);
}

bool is_invisible(char32_t cp) {
  return in(std::begin(invisible), std::end(invisible), cp);
}

// C0 controls, DEL and the C1 controls U+0080-U+009F are refused: they break logs and terminals
// (C1 ones such as U+009B CSI start escape sequences), and PostgreSQL refuses NUL.
bool is_control(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool has_control(std::u32string_view cps, bool allow_line_breaks_and_tabs) {
  for (char32_t cp : cps) {
    if (allow_line_breaks_and_tabs && (cp == '\n' || cp == '\t' || cp == '\r')) continue;
    if (is_control(cp)) return true;
  }
  return false;
}

std::u32string_view trim_white_space(std::u32string_view cps) {
  size_t b = 0, e = cps.size();
  while (b < e && is_white_space(cps[b])) ++b;
  while (e > b && is_white_space(cps[e - 1])) --e;
  return cps.substr(b, e - b);
}

bool has_visible(std::u32string_view cps) {
  for (char32_t cp : cps)
    if (!is_white_space(cp) && !is_invisible(cp)) return true;
  return false;
}

// Parses the body as one JSON object; nlohmann's parser also refuses ill-formed UTF-8.
std::variant<json, InputError> parse_object(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return InputError{400, "", "the body is not well-formed JSON"};
  if (!doc.is_object()) return unprocessable("", "the body must be a JSON object");
  return doc;
}

// The title as stored: White_Space trimmed from both ends. Controls are looked for in the text
// as sent (a C1 control is refused even at an end, where trimming would hide U+0085); tab, CR
// and LF at the ends are trimmed as before.
std::variant<std::string, InputError> read_title(const json& value) {
  if (!value.is_string()) return unprocessable("title", "title must be a string");
  const auto cps = decode_utf8(value.get_ref<const std::string&>());
  if (!cps) return unprocessable("title", "title must be valid UTF-8");
  const std::u32string_view title = trim_white_space(*cps);
  // Tab, LF, VT, FF and CR are White_Space and may stand at the ends (they are trimmed); any
  // other control, C1 included, is refused wherever it stands.
  const bool stray_control = std::any_of(
      cps->begin(), cps->end(), [](char32_t cp) { return is_control(cp) && !(cp < 0x20 && is_white_space(cp)); });
  if (stray_control || has_control(title, false))
    return unprocessable("title", "title must not contain control characters (U+0000-U+001F, U+007F-U+009F)");
  if (title.empty()) return unprocessable("title", "title must not be empty");
  if (title.size() > max_title_chars) return unprocessable("title", "title must be at most 255 characters");
  if (!has_visible(title))
    return unprocessable("title", "title must contain a visible character, not only spaces or invisible characters");
  return encode_utf8(title);
}

std::variant<std::optional<std::string>, InputError> read_description(const json& value) {
  if (value.is_null()) return std::optional<std::string>{};
  if (!value.is_string()) return unprocessable("description", "description must be a string or null");
  auto text = value.get<std::string>();
  const auto cps = decode_utf8(text);
  if (!cps) return unprocessable("description", "description must be valid UTF-8");
  if (cps->size() > max_description_chars)
    return unprocessable("description", "description must be at most 4000 characters");
  if (has_control(*cps, true))
    return unprocessable("description",
                         "description must not contain control characters (U+0000-U+001F, U+007F-U+009F) other than "
                         "tab, carriage return and newline");
  return std::optional<std::string>{std::move(text)};
}

std::variant<std::optional<millis>, InputError> read_due_date(const json& value) {
  if (value.is_null()) return std::optional<millis>{};
  if (!value.is_string()) return unprocessable("due_date", "due_date must be an RFC 3339 date-time string or null");
  auto parsed = parse_rfc3339(value.get_ref<const std::string&>());
  if (!parsed)
    return unprocessable("due_date",
                         "due_date must be an RFC 3339 date-time such as 2026-12-01T09:00:00Z, from "
                         "0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z once its offset is applied");
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
    } else if (key == "after") {
      auto position = decode_list_cursor(value);
      if (!position)
        return InputError{400, key,
                          "after must be a cursor from a previous page (X-Next-Cursor or Link: rel=\"next\")"};
      query.after = *position;
    } else {
      return InputError{400, key, "unknown query parameter '" + key + "'; allowed: completed, limit, offset, after"};
    }
  }
  // A page is either by offset or after a cursor; both at once has no single meaning.
  if (params.count("after") && params.count("offset"))
    return InputError{400, "after", "after and offset cannot be used together"};
  return query;
}

}  // namespace tasks
