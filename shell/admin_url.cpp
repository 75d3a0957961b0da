#include "shell/admin_url.hpp"

#include <cctype>

namespace tasks::shell {

std::string admin_url(std::string_view flag, const std::function<const char*(const char*)>& getenv) {
  if (!flag.empty()) return normalise_admin_url(flag);
  if (const char* url = getenv("TASKCTL_ADMIN"); url != nullptr && *url != '\0') return normalise_admin_url(url);
  if (const char* addr = getenv("TASKS_ADMIN_ADDR"); addr != nullptr && *addr != '\0') return normalise_admin_url(addr);
  return std::string(default_admin_url);
}

std::string normalise_admin_url(std::string_view url) {
  std::string out(url);
  if (out.find("://") == std::string::npos) out = "http://" + out;
  while (!out.empty() && out.back() == '/') out.pop_back();
  const size_t host = out.find("://") + 3;
  for (std::string_view wildcard : {"0.0.0.0", "[::]"})
    if (out.compare(host, wildcard.size(), wildcard) == 0 &&
        (out.size() == host + wildcard.size() || out[host + wildcard.size()] == ':'))
      out.replace(host, wildcard.size(), wildcard == "[::]" ? "[::1]" : "127.0.0.1");
  return out;
}

std::string encode_path_segment(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0x0F];
    }
  }
  return out;
}

}  // namespace tasks::shell
