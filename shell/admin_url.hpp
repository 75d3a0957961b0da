#pragma once

// Where the admin API is, and how ids travel in its paths.

#include <functional>
#include <string>
#include <string_view>

namespace tasks::shell {

inline constexpr std::string_view default_admin_url = "http://127.0.0.1:9090";

// --admin when given, else $TASKCTL_ADMIN, else http://$TASKS_ADMIN_ADDR (what taskd binds),
// else http://127.0.0.1:9090; then normalised.
std::string admin_url(std::string_view flag, const std::function<const char*(const char*)>& getenv);

// "127.0.0.1:9090" → "http://127.0.0.1:9090"; a trailing '/' dropped; a wildcard bind address
// (0.0.0.0, [::]) becomes the loopback one, which is where a local taskd can be reached.
std::string normalise_admin_url(std::string_view url);

// One path segment, percent-encoded (RFC 3986 unreserved characters stay): "user/alice" →
// "user%2Falice".
std::string encode_path_segment(std::string_view text);

}  // namespace tasks::shell
