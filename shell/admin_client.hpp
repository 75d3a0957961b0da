#pragma once

// The admin API over HTTP: one libcurl handle for the whole session, so every command reuses
// one kept-alive connection. Sends `Authorization: Bearer <token>` when a token is set.

#include <string>

namespace tasks::shell {

struct AdminReply {
  bool reached = false;  // false: no HTTP answer at all (`error` says why)
  long status = 0;
  std::string body;
  std::string error;  // curl's message when not reached

  bool ok() const { return reached && status >= 200 && status < 300; }
};

class AdminClient {
 public:
  AdminClient(std::string base_url, std::string token, long timeout_ms = 10'000);
  ~AdminClient();
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;

  // `path` starts with '/' and may carry a query: "/admin/outbox/reminders?limit=5".
  AdminReply get(const std::string& path);
  AdminReply post(const std::string& path);
  // POST with a JSON body (sent as application/json).
  AdminReply post_json(const std::string& path, const std::string& body);

  const std::string& base_url() const { return base_url_; }

 private:
  // `body` is sent only with POST; "" is an empty POST without a content type.
  AdminReply perform(const char* method, const std::string& path, const std::string& body = "");

  std::string base_url_;
  std::string authorization_;  // the whole header line, or "" without a token
  long timeout_ms_;
  void* curl_;  // CURL*, kept for the connection it holds open
};

}  // namespace tasks::shell
