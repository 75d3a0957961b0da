#include "shell/identity.hpp"

#include <pwd.h>
#include <unistd.h>

namespace tasks::shell {

namespace {

std::string user_name(const std::function<const char*(const char*)>& getenv) {
  if (const char* user = getenv("USER"); user != nullptr && *user != '\0') return user;
  // No $USER (cron, a container's bare environment): what the system calls this uid.
  if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr && entry->pw_name != nullptr)
    return entry->pw_name;
  return "";
}

std::string host_name() {
  char buf[256] = "";
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

std::string compose_identity(std::string_view user, std::string_view host) {
  std::string out(user.empty() ? "unknown" : user);
  if (!host.empty()) out += "@" + std::string(host);
  if (out.size() > identity_limit) out.resize(identity_limit);
  return out;
}

std::string operator_identity(const std::function<const char*(const char*)>& getenv) {
  return compose_identity(user_name(getenv), host_name());
}

}  // namespace tasks::shell
