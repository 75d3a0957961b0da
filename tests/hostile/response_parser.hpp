#pragma once

// An incremental HTTP/1.1 response parser for the hostile suite: bytes go in as they arrive,
// whole responses come out one at a time. It is strict on purpose (a response stream that is
// not exactly HTTP is what the suite looks for) and knows the framing rules a client needs:
// HEAD answers and 1xx/204/304 have no body, otherwise chunked, Content-Length, or until close.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tasks::hostile {

struct Response {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;

  bool interim() const { return status >= 100 && status < 200; }
  // The first value of a header ("" when absent) and how many times it appears.
  std::string header(std::string_view lower_name) const;
  std::size_t header_count(std::string_view lower_name) const;
  bool has_header(std::string_view lower_name) const { return header_count(lower_name) > 0; }
  // `Connection: close` among the Connection tokens.
  bool announces_close() const;
  bool is_problem_json() const;  // Content-Type application/problem+json (parameters allowed)
};

class ResponseParser {
 public:
  enum class Result { need_more, complete, malformed };

  // Bytes as they arrive from the socket.
  void feed(std::string_view bytes);
  // The peer closed: a response delimited by the close can now complete.
  void finish() { eof_ = true; }

  // Takes the next whole response out of the buffer. `answers_head` says it answers a HEAD request
  // (no body whatever its headers say). After `malformed`, error() says why and the parser stays
  // malformed (the stream cannot be resynchronised).
  Result next(Response& out, bool answers_head = false);

  bool has_buffered_bytes() const { return buffer_.size() > offset_; }
  std::string_view buffered() const { return std::string_view(buffer_).substr(offset_); }
  const std::string& error() const { return error_; }

  static constexpr std::size_t kMaxHeadBytes = 64 * 1024;
  static constexpr std::size_t kMaxBodyBytes = 64 * 1024 * 1024;

 private:
  Result fail(std::string why);
  void compact();

  std::string buffer_;
  std::size_t offset_ = 0;
  bool eof_ = false;
  bool broken_ = false;
  std::string error_;
};

// Lower-cases ASCII.
std::string lower(std::string_view s);

}  // namespace tasks::hostile
