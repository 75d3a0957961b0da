#include "core/event_sequence.hpp"

#include <cstdio>

namespace tasks {

std::string format_sequence(std::int64_t sequence) {
  char text[32];
  std::snprintf(text, sizeof text, "%020lld", static_cast<long long>(sequence < 0 ? 0 : sequence));
  return text;
}

std::string with_sequence(const std::string& payload, std::int64_t sequence) {
  const auto open = payload.find_first_not_of(" \t\r\n");
  if (open == std::string::npos || payload[open] != '{') return payload;
  const auto next = payload.find_first_not_of(" \t\r\n", open + 1);
  const bool empty_object = next != std::string::npos && payload[next] == '}';
  std::string out;
  out.reserve(payload.size() + 36);
  out.append(payload, 0, open + 1);
  out += "\"sequence\":\"" + format_sequence(sequence) + "\"";
  if (!empty_object) out += ',';
  out.append(payload, open + 1, std::string::npos);
  return out;
}

}  // namespace tasks
