#pragma once

// Who is at the keyboard, for the record a discard leaves ("by"): the OS user name and the
// host, "alice@ops-laptop". Not an authentication (the admin token is that): a name that lets
// the next operator ask the right person why an event was given up on.

#include <functional>
#include <string>
#include <string_view>

namespace tasks::shell {

// The admin API keeps at most this many characters of "by".
inline constexpr size_t identity_limit = 200;

// "user@host", "user" without a host, "unknown@host" without a user name; cut to the limit.
std::string compose_identity(std::string_view user, std::string_view host);

// $USER, else the password database's name for the effective uid; then "@" and the host name.
std::string operator_identity(const std::function<const char*(const char*)>& getenv);

}  // namespace tasks::shell
