#include "http/percent.hpp"

#include <curl/curl.h>

#include <climits>
#include <memory>
#include <new>

#include "core/utf8.hpp"

namespace tasks::http {

namespace {

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

InputError refused(std::string detail) {
  return InputError{400, "", std::move(detail)};
}

bool is_utf8(std::string_view s) {
  return utf8_prefix(s, s.size()) == s;  // unchanged: nothing was replaced or cut
}

InputError in_query(const InputError& e) {
  return refused("the query string is not valid percent-encoding: " + e.detail);
}

}  // namespace

Validated<std::string> percent_decode(std::string_view text, PlusSign plus) {
  for (size_t at = text.find('%'); at != std::string_view::npos; at = text.find('%', at + 1)) {
    if (at + 2 >= text.size() || !is_hex(text[at + 1]) || !is_hex(text[at + 2]))
      return refused("\"" + std::string(text.substr(at, 3)) +
                     "\" is no escape (a '%' is followed by two hex digits; a '%' itself is %25)");
    if (text[at + 1] == '0' && text[at + 2] == '0') return refused("%00 (a NUL byte) is not allowed");
  }
  // A raw NUL too (found by fuzz_list_query): the HTTP front refuses one in a target, a caller
  // with other text may not.
  if (text.find('\0') != std::string_view::npos) return refused("a NUL byte is not allowed");
  std::string raw(text);
  if (plus == PlusSign::space)
    for (auto& c : raw)
      if (c == '+') c = ' ';    // before decoding, so that %2B stays a '+'
  if (raw.empty()) return raw;  // libcurl would take a length of 0 as "up to the NUL"
  if (raw.size() > INT_MAX) return refused("is too long to decode");
  int length = 0;
  const std::unique_ptr<char, void (*)(void*)> decoded(
      curl_easy_unescape(nullptr, raw.data(), static_cast<int>(raw.size()), &length), curl_free);
  if (!decoded) throw std::bad_alloc();
  return std::string(decoded.get(), static_cast<size_t>(length));
}

Validated<std::map<std::string, std::string>> query_parameters(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), PlusSign::space);
    if (auto* e = std::get_if<InputError>(&key)) return in_query(*e);
    auto value =
        percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), PlusSign::space);
    if (auto* e = std::get_if<InputError>(&value)) return in_query(*e);
    auto& k = std::get<std::string>(key);
    auto& v = std::get<std::string>(value);
    if (!is_utf8(k)) return in_query(refused("a parameter name does not decode to UTF-8"));
    if (!is_utf8(v)) return in_query(refused("the value of '" + utf8_prefix(k, 100) + "' does not decode to UTF-8"));
    params.emplace(std::move(k), std::move(v));
  }
  return params;
}

}  // namespace tasks::http
