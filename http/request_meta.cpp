#include "http/request_meta.hpp"

#include <openssl/rand.h>

#include <random>
#include <set>

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

// W3C trace context, tracestate key: (lcalpha / DIGIT) 0*255(lcalpha / DIGIT / "_" / "-" / "*" /
// "/" / "@"). This is the Level 2 rule; every key of Level 1 (simple and multi-tenant) is one.
bool valid_tracestate_key(std::string_view key) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (key.empty() || key.size() > 256 || !lower_or_digit(key.front())) return false;
  for (char c : key)
    if (!lower_or_digit(c) && c != '_' && c != '-' && c != '*' && c != '/' && c != '@') return false;
  return true;
}

// tracestate value: 0*255(chr) nblk-chr, chr = 0x20 / nblk-chr, nblk-chr = 0x21-0x7E except
// "," and "=". Trailing spaces are optional white space and already trimmed off.
bool valid_tracestate_value(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value)
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  return true;
}

template <std::size_t N>
bool all_zero_bytes(const std::array<unsigned char, N>& bytes) {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

// N random bytes that are not all zero (an all-zero id is invalid). OpenSSL's CSPRNG; if it
// ever fails, the OS's random device (a trace id must be unique and hard to guess, not secret).
template <std::size_t N>
std::array<unsigned char, N> random_id() {
  std::array<unsigned char, N> id{};
  do {
    if (RAND_bytes(id.data(), static_cast<int>(N)) != 1) {
      std::random_device device;
      for (auto& b : id) b = static_cast<unsigned char>(device());
    }
  } while (all_zero_bytes(id));
  return id;
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

std::string tracestate_from(const std::optional<std::string>& header) {
  if (!header) return {};
  const std::string_view list = trim(*header);
  if (list.size() > 512) return {};
  std::set<std::string_view> keys;
  std::string_view rest = list;
  for (;;) {
    const auto comma = rest.find(',');
    const auto member = trim(rest.substr(0, comma));
    if (!member.empty()) {  // empty members are allowed (and not counted)
      const auto eq = member.find('=');
      if (eq == std::string_view::npos) return {};
      const auto key = member.substr(0, eq);
      if (!valid_tracestate_key(key) || !valid_tracestate_value(member.substr(eq + 1))) return {};
      if (!keys.insert(key).second || keys.size() > 32) return {};  // one entry per key, 32 at most
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (keys.empty()) return {};  // W3C: avoid sending an empty tracestate
  return std::string(list);
}

std::string format_traceparent(const std::array<unsigned char, 16>& trace_id,
                               const std::array<unsigned char, 8>& parent_id, unsigned char flags) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "00-";
  auto hex = [&](unsigned char b) {
    out += digits[b >> 4];
    out += digits[b & 0x0f];
  };
  for (auto b : trace_id) hex(b);
  out += '-';
  for (auto b : parent_id) hex(b);
  out += '-';
  hex(flags);
  return out;
}

std::string new_traceparent() {
  constexpr unsigned char sampled = 0x01;
  return format_traceparent(random_id<16>(), random_id<8>(), sampled);
}

TraceContext trace_context_from(const std::optional<std::string>& traceparent,
                                const std::optional<std::string>& tracestate) {
  if (auto own = traceparent_from(traceparent); !own.empty())
    return {std::move(own), tracestate_from(tracestate), false};
  return {new_traceparent(), "", true};
}

std::string media_type(std::string_view content_type) {
  return lower(trim(content_type.substr(0, content_type.find(';'))));
}

std::optional<std::string> bearer_token(const std::optional<std::string>& header) {
  if (!header) return std::nullopt;
  std::string_view v = trim(*header);
  if (v.size() < 7 || lower(v.substr(0, 7)) != "bearer ") return std::nullopt;
  return std::string(trim(v.substr(7)));
}

}  // namespace tasks::http
