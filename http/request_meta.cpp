#include "http/request_meta.hpp"

#include "core/ids.hpp"

namespace tasks::http {

namespace {

bool all_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool all_zero(std::string_view s) {
  return s.find_first_not_of('0') == std::string_view::npos;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string correlation_id_from(const std::optional<std::string>& header) {
  if (header && !header->empty() && header->size() <= 128) {
    bool visible = true;
    for (unsigned char c : *header) visible = visible && c > 0x20 && c < 0x7f;
    if (visible) return *header;
  }
  return new_uuid();
}

std::string traceparent_from(const std::optional<std::string>& header) {
  if (!header) return {};
  std::string_view v = trim(*header);
  // version "-" trace-id "-" parent-id "-" flags; version ff is invalid; ids must not be all zero.
  if (v.size() != 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return {};
  auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16), flags = v.substr(53, 2);
  if (!all_hex(version) || version == "ff" || !all_hex(trace) || !all_hex(parent) || !all_hex(flags)) return {};
  if (all_zero(trace) || all_zero(parent)) return {};
  return std::string(v);
}

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::optional<std::string> url_decode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size() || hex(text[i + 1]) < 0 || hex(text[i + 2]) < 0) return std::nullopt;
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string>> query_parameters(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq));
    auto value = url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    params.emplace(std::move(*key), std::move(*value));
  }
  return params;
}

std::optional<std::string> bearer_token(const std::optional<std::string>& header) {
  if (!header) return std::nullopt;
  std::string_view v = trim(*header);
  if (v.size() < 7 || lower(v.substr(0, 7)) != "bearer ") return std::nullopt;
  return std::string(trim(v.substr(7)));
}

}  // namespace tasks::http
