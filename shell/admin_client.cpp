#include "shell/admin_client.hpp"

#include <curl/curl.h>
#include <algorithm>
#include <stdexcept>

namespace tasks::shell {

namespace {

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

AdminClient::AdminClient(std::string base_url, std::string token, long timeout_ms)
    : base_url_(std::move(base_url)),
      authorization_(token.empty() ? "" : "Authorization: Bearer " + token),
      timeout_ms_(timeout_ms),
      curl_(curl_easy_init()) {
  if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

AdminClient::~AdminClient() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

AdminReply AdminClient::get(const std::string& path) {
  return perform("GET", path);
}

AdminReply AdminClient::post(const std::string& path) {
  return perform("POST", path);
}

AdminReply AdminClient::post_json(const std::string& path, const std::string& body) {
  return perform("POST", path, body);
}

AdminReply AdminClient::perform(const char* method, const std::string& path, const std::string& body) {
  CURL* curl = static_cast<CURL*>(curl_);
  curl_easy_reset(curl);  // forgets the options, keeps the open connection
  AdminReply reply;
  const std::string url = base_url_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms_, 3'000L));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "taskctl-shell");
  if (std::string(method) == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  // curl would label a POST body a form: an empty one gets no type, a JSON one its own.
  curl_slist* headers = curl_slist_append(nullptr, body.empty() ? "Content-Type:" : "Content-Type: application/json");
  if (!authorization_.empty()) headers = curl_slist_append(headers, authorization_.c_str());
  char error[CURL_ERROR_SIZE] = "";  // curl's own words ("Failed to connect to ... : Connection refused")
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    reply.error = error[0] != '\0' ? error : curl_easy_strerror(rc);
    return reply;
  }
  reply.reached = true;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

}  // namespace tasks::shell
