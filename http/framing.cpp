#include "http/framing.hpp"

#include <array>
#include <charconv>

namespace tasks::http {

namespace {

// tchar (RFC 9110 §5.6.2): the characters of methods and field names.
bool is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

// A field value's bytes: visible ASCII, obs-text, space and tab.
bool is_field_byte(unsigned char c) {
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The comma-separated elements of every field called `name`, trimmed, empty ones dropped.
std::vector<std::string_view> list_elements(const Headers& fields, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [n, v] : fields) {
    if (!iequals(n, name)) continue;
    std::string_view rest = v;
    while (true) {
      auto comma = rest.find(',');
      auto item = trim(rest.substr(0, comma));
      if (!item.empty()) out.push_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

size_t count_fields(const Headers& fields, std::string_view name) {
  size_t n = 0;
  for (const auto& [k, _] : fields) n += iequals(k, name);
  return n;
}

HeadScan bad(int status, std::string detail) {
  HeadScan s;
  s.state = HeadScan::State::bad;
  s.error = {status, std::move(detail)};
  return s;
}

bool is_unreserved_or_sub_delim(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  switch (c) {
    case '-':
    case '.':
    case '_':
    case '~':
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=': return true;
    default: return false;
  }
}

bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::optional<std::string> find_header(const Headers& fields, std::string_view name) {
  for (const auto& [n, v] : fields)
    if (iequals(n, name)) return v;
  return std::nullopt;
}

std::optional<std::string> combined_header(const Headers& fields, std::string_view name) {
  std::optional<std::string> out;
  for (const auto& [n, v] : fields)
    if (iequals(n, name)) out = out ? *out + "," + v : v;
  return out;
}

HeadScan scan_head(std::string_view bytes, const FramingLimits& limits) {
  size_t pos = 0;
  const auto need_more = [&]() -> HeadScan {
    if (bytes.size() > limits.max_head_bytes + 16) return bad(431, "the request head is larger than 16 KiB");
    return HeadScan{};
  };
  // A client may send empty lines between requests (RFC 9112 §2.2): skip a few.
  for (int i = 0; i < 8 && pos < bytes.size() && (bytes[pos] == '\r' || bytes[pos] == '\n'); ++i) {
    if (bytes[pos] == '\n') return bad(400, "a bare line feed where a request line should start");
    if (pos + 1 >= bytes.size()) return need_more();
    if (bytes[pos + 1] != '\n') return bad(400, "a carriage return without a line feed");
    pos += 2;
  }
  const size_t start = pos;
  ParsedHead head;

  // method SP
  while (true) {
    if (pos >= bytes.size()) return need_more();
    const auto c = static_cast<unsigned char>(bytes[pos]);
    if (c == ' ' && pos > start) break;
    if (!is_tchar(c)) return bad(400, "the request does not start with an HTTP method");
    if (pos - start >= 32) return bad(400, "the method is longer than any HTTP method");
    ++pos;
  }
  head.method.assign(bytes.substr(start, pos - start));
  ++pos;
  // request-target SP
  const size_t target_start = pos;
  while (true) {
    if (pos >= bytes.size()) return need_more();
    const auto c = static_cast<unsigned char>(bytes[pos]);
    if (c == ' ' && pos > target_start) break;
    if (c <= 0x20 || c >= 0x7f) return bad(400, "the request-target holds a character that is not allowed there");
    if (pos - target_start >= limits.max_target_bytes) return bad(414, "the request-target is longer than 8 KiB");
    ++pos;
  }
  head.target.assign(bytes.substr(target_start, pos - target_start));
  ++pos;
  // HTTP-version CRLF, checked byte by byte as it arrives
  static constexpr std::string_view prefix = "HTTP/";
  for (size_t i = 0; i < 10; ++i, ++pos) {
    if (pos >= bytes.size()) return need_more();
    const char c = bytes[pos];
    bool ok = false;
    if (i < 5)
      ok = c == prefix[i];
    else if (i == 5 || i == 7)
      ok = c >= '0' && c <= '9';
    else if (i == 6)
      ok = c == '.';
    else if (i == 8)
      ok = c == '\r';
    else
      ok = c == '\n';
    if (!ok) return bad(400, "the request line does not end in HTTP/<major>.<minor>");
  }
  head.version = static_cast<unsigned>((bytes[pos - 5] - '0') * 10 + (bytes[pos - 3] - '0'));

  // field-line CRLF ... CRLF
  while (true) {
    if (pos - start > limits.max_head_bytes) return bad(431, "the request head is larger than 16 KiB");
    if (pos >= bytes.size()) return need_more();
    if (bytes[pos] == '\r') {
      if (pos + 1 >= bytes.size()) return need_more();
      if (bytes[pos + 1] != '\n') return bad(400, "a carriage return without a line feed");
      pos += 2;
      HeadScan done;
      done.state = HeadScan::State::complete;
      done.skipped = start;
      done.length = pos - start;
      done.head = std::move(head);
      return done;
    }
    if (bytes[pos] == ' ' || bytes[pos] == '\t')
      return bad(400, "obsolete line folding (a field line starting with white space)");
    const size_t name_start = pos;
    while (true) {
      if (pos >= bytes.size()) return need_more();
      const auto c = static_cast<unsigned char>(bytes[pos]);
      if (c == ':' && pos > name_start) break;
      if (c == ' ' || c == '\t') {
        const auto line_end = bytes.find('\r', pos);
        const auto colon = bytes.find(':', pos);
        if (colon == std::string_view::npos && line_end == std::string_view::npos) return need_more();
        if (colon < line_end) return bad(400, "white space between a field name and its colon");
        return bad(400, "a header line without a colon");
      }
      if (c == '\r' || c == '\n') return bad(400, "a header line without a colon");
      if (!is_tchar(c)) return bad(400, "a field name holds a character that is not allowed there");
      ++pos;
      if (pos - start > limits.max_head_bytes) return bad(431, "the request head is larger than 16 KiB");
    }
    std::string name(bytes.substr(name_start, pos - name_start));
    ++pos;
    const size_t value_start = pos;
    while (true) {
      if (pos >= bytes.size()) return need_more();
      const auto c = static_cast<unsigned char>(bytes[pos]);
      if (c == '\r') break;
      if (c == '\n') return bad(400, "a bare line feed in a field line");
      if (!is_field_byte(c)) return bad(400, "a field value holds a control character");
      ++pos;
      if (pos - start > limits.max_head_bytes) return bad(431, "the request head is larger than 16 KiB");
    }
    if (pos + 1 >= bytes.size()) return need_more();
    if (bytes[pos + 1] != '\n') return bad(400, "a carriage return without a line feed");
    head.fields.emplace_back(std::move(name), std::string(trim(bytes.substr(value_start, pos - value_start))));
    pos += 2;
    if (head.fields.size() > limits.max_fields) return bad(431, "the request has more than 100 header fields");
  }
}

bool valid_host(std::string_view host) {
  if (host.empty()) return true;
  std::string_view name = host;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : host.substr(1, close - 1))
      if (!(is_hex(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return false;
    name = {};
    host.remove_prefix(close + 1);
    if (host.empty()) return true;
    if (host.front() != ':') return false;
    host.remove_prefix(1);
    return host.size() <= 5 && host.find_first_not_of("0123456789") == std::string_view::npos;
  }
  if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    const auto port = host.substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return false;
    name = host.substr(0, colon);
  }
  if (name.empty() || name.size() > 255) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c == '%') {
      if (i + 2 >= name.size() || !is_hex(static_cast<unsigned char>(name[i + 1])) ||
          !is_hex(static_cast<unsigned char>(name[i + 2])))
        return false;
      i += 2;
    } else if (!is_unreserved_or_sub_delim(c)) {
      return false;
    }
  }
  return true;
}

std::variant<HeadMeaning, FramingError> interpret_head(const ParsedHead& head, const FramingLimits& limits) {
  (void)limits;
  HeadMeaning out;
  if (head.version != 10 && head.version != 11) return FramingError{505, "only HTTP/1.0 and HTTP/1.1 are served here"};
  // TRACE and QUERY (httpbis-safe-method-w-body) are known so that the routes answer them 405 with
  // Allow (RFC 9110 §15.5.6), as clients and checkers such as Schemathesis expect of a method a
  // resource does not take; no route has them. Unknown methods stay 501.
  static constexpr std::array<std::string_view, 9> methods = {"GET",    "HEAD",    "POST",  "PUT",  "PATCH",
                                                              "DELETE", "OPTIONS", "TRACE", "QUERY"};
  bool known = false;
  for (auto m : methods) known = known || head.method == m;
  if (!known) return FramingError{501, "the method " + head.method.substr(0, 32) + " is not implemented here"};

  // The target: origin-form, or absolute-form reduced to its path (RFC 9112 §3.2.2).
  std::string_view target = head.target;
  if (target.find('#') != std::string_view::npos)
    return FramingError{400, "the request-target must not hold a fragment"};
  if (target.size() > 7 && (iequals(target.substr(0, 7), "http://") || iequals(target.substr(0, 8), "https://"))) {
    target.remove_prefix(target[4] == ':' ? 7 : 8);
    const auto slash = target.find_first_of("/?");
    if (!valid_host(target.substr(0, slash))) return FramingError{400, "the request-target's authority is not valid"};
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    if (target.front() == '?') return FramingError{400, "the request-target has a query but no path"};
  } else if (target == "*") {
    if (head.method != "OPTIONS") return FramingError{400, "the asterisk target is only for OPTIONS"};
  } else if (target.front() != '/') {
    return FramingError{400, "the request-target is not a path"};
  }
  const auto q = target.find('?');
  out.path.assign(target.substr(0, q));
  if (q != std::string_view::npos) out.query.assign(target.substr(q + 1));

  const size_t hosts = count_fields(head.fields, "Host");
  if (head.version == 11 && hosts != 1) return FramingError{400, "an HTTP/1.1 request needs exactly one Host field"};
  if (hosts > 1) return FramingError{400, "more than one Host field"};
  if (hosts == 1 && !valid_host(*find_header(head.fields, "Host")))
    return FramingError{400, "the Host field is not a valid host"};

  // Content-Length and Transfer-Encoding: one unambiguous framing or none (request smuggling).
  const auto lengths = list_elements(head.fields, "Content-Length");
  const bool has_length_field = count_fields(head.fields, "Content-Length") > 0;
  const auto codings = list_elements(head.fields, "Transfer-Encoding");
  const bool has_coding_field = count_fields(head.fields, "Transfer-Encoding") > 0;
  if (has_length_field && has_coding_field)
    return FramingError{400, "Content-Length and Transfer-Encoding together are refused"};
  if (has_length_field) {
    if (lengths.empty()) return FramingError{400, "Content-Length is empty"};
    std::optional<std::uint64_t> length;
    for (auto item : lengths) {
      std::uint64_t value = 0;
      const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
      if (item.find_first_not_of("0123456789") != std::string_view::npos || ec != std::errc{} ||
          ptr != item.data() + item.size())
        return FramingError{400, "Content-Length is not a decimal number of bytes"};
      if (length && *length != value) return FramingError{400, "Content-Length values differ"};
      length = value;
    }
    out.body = {*length > 0 ? BodyFraming::Kind::length : BodyFraming::Kind::none, *length};
  } else if (has_coding_field) {
    if (head.version == 10) return FramingError{400, "Transfer-Encoding is not allowed in HTTP/1.0"};
    if (codings.empty() || !iequals(codings.back(), "chunked"))
      return FramingError{400, "the body's length cannot be determined (chunked is not the last coding)"};
    if (codings.size() > 1) return FramingError{501, "only the chunked transfer coding is implemented"};
    out.body.kind = BodyFraming::Kind::chunked;
  }

  if (auto expect = find_header(head.fields, "Expect")) {
    if (!iequals(trim(*expect), "100-continue")) return FramingError{417, "only Expect: 100-continue is understood"};
    out.expect_continue = head.version == 11;
  }

  bool close = false, keep_alive = false;
  for (auto token : list_elements(head.fields, "Connection")) {
    close = close || iequals(token, "close");
    keep_alive = keep_alive || iequals(token, "keep-alive");
  }
  out.keep_alive = !close && (head.version == 11 || keep_alive);
  return out;
}

std::string http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

const char* status_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 417: return "Expectation Failed";
    case 414: return "URI Too Long";
    default: return reason_phrase(status);
  }
}

std::string serialize_answer(const Answer& answer, bool head_request, bool keep_alive, std::string_view date) {
  const bool no_body = answer.status == 204 || answer.status == 304 || answer.status < 200;
  std::string out;
  out.reserve(256 + (head_request ? 0 : answer.body.size()));
  out += "HTTP/1.1 ";
  out += std::to_string(answer.status);
  out += ' ';
  out += status_reason(answer.status);
  out += "\r\n";
  for (const auto& [name, value] : answer.headers) {
    if (iequals(name, "Content-Length") || iequals(name, "Connection") || iequals(name, "Date")) continue;
    out += name;
    out += ": ";
    // Never let a value end the field early (response splitting).
    for (char c : value) out += (c == '\r' || c == '\n') ? ' ' : c;
    out += "\r\n";
  }
  if (!no_body) {
    out += "Content-Length: ";
    out += std::to_string(answer.body.size());
    out += "\r\n";
  }
  out += "Date: ";
  out += date;
  out += "\r\nConnection: ";
  out += keep_alive ? "keep-alive" : "close";
  out += "\r\n\r\n";
  if (!no_body && !head_request) out += answer.body;
  return out;
}

}  // namespace tasks::http
