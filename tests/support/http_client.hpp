#pragma once

// A small blocking HTTP client for tests (libcurl; one connection kept alive per client), and
// a raw-socket exchange for requests no well-behaved client would send.

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tasks::testing {

struct HttpResponse {
  long status = 0;                             // 0: no answer (connection failed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;  // curl's error when status is 0

  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::string base_url, long timeout_ms = 15'000);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse request(const std::string& method, const std::string& path, const std::string& body = "",
                       const std::vector<std::string>& headers = {});

  const std::string& base_url() const { return base_; }

 private:
  std::string base_;
  long timeout_ms_;
  void* curl_;
};

struct HttpRequest {
  std::string method, path, body;
  std::vector<std::string> headers;
};

// Sends every request at once (one connection each, curl multi) and returns the responses in
// request order: real concurrency from one thread.
std::vector<HttpResponse> parallel_requests(const std::string& base_url, const std::vector<HttpRequest>& requests,
                                            long timeout_ms = 60'000);

// Sends `bytes` to 127.0.0.1:port and returns everything read until the peer closes, a full
// response has arrived, or `timeout_ms` passes.
std::string raw_exchange(int port, const std::string& bytes, int timeout_ms = 5'000);

// The status code of a raw HTTP response ("HTTP/1.1 404 ..."), 0 if none.
int raw_status(const std::string& response);

// A TCP port that was free a moment ago.
int free_port();

}  // namespace tasks::testing
