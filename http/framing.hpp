#pragma once

// HTTP/1.1 message framing as pure functions (RFC 9112): reading a request head strictly and
// incrementally (so that garbage is refused on its first bad byte, not after a timeout), what
// the head says about the body and the connection, and writing an answer. The connection
// (http/connection.cpp) only moves bytes between these and the socket.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/request.hpp"

namespace tasks::http {

struct FramingLimits {
  size_t max_head_bytes = 16 * 1024;   // request line and fields (431 above)
  size_t max_fields = 100;             // header fields (431 above)
  size_t max_target_bytes = 8 * 1024;  // the request-target (414 above)
  size_t max_body_bytes = 64 * 1024;   // the body (413 above)
};

// A framing error: the status to answer (the connection is closed after it) and why.
struct FramingError {
  int status = 400;
  std::string detail;
};

// A request head read whole: the request line and the fields, syntactically valid.
struct ParsedHead {
  std::string method, target;
  unsigned version = 11;  // 10 * major + minor
  Headers fields;
};

// What the bytes received so far of a request head amount to.
struct HeadScan {
  enum class State { need_more, complete, bad } state = State::need_more;
  size_t skipped = 0;  // complete: bytes of empty lines before the request line (ignored)
  size_t length = 0;   // complete: bytes of the head after them, its final empty line included
  ParsedHead head;     // complete
  FramingError error;  // bad
};

// Scans the start of `bytes` for one request head. Refuses as soon as a byte cannot belong to a
// valid head (a bad method character, a control byte, a bare CR or LF, a field line without a
// colon or with white space before it, obsolete line folding, a head over the limits), so a
// client sending garbage is answered at once.
HeadScan scan_head(std::string_view bytes, const FramingLimits& limits);

// How the body of a request is framed.
struct BodyFraming {
  enum class Kind { none, length, chunked } kind = Kind::none;
  std::uint64_t length = 0;  // Kind::length
};

// The head's meaning for the connection, checked: version, method, Host, Content-Length and
// Transfer-Encoding (request smuggling is refused), Expect, Connection.
struct HeadMeaning {
  std::string path, query;
  BodyFraming body;
  bool keep_alive = true;
  bool expect_continue = false;
};

std::variant<HeadMeaning, FramingError> interpret_head(const ParsedHead& head, const FramingLimits& limits);

// A Host field value: empty, or a reg-name / IPv4 / [IPv6] with an optional port (RFC 3986).
bool valid_host(std::string_view host);

// The IMF-fixdate of `t` (RFC 9110 §5.6.7), for the Date field.
std::string http_date(std::time_t t);

// The bytes of an answer: status line, fields (Content-Length, Date and Connection added), and
// the body unless it answers a HEAD request (whose Content-Length is still the body's).
std::string serialize_answer(const Answer& answer, bool head_request, bool keep_alive, std::string_view date);

// The standard reason phrase of a status code.
const char* status_reason(int status);

}  // namespace tasks::http
