#include "tests/hostile/response_parser.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace tasks::hostile {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

namespace {

bool is_tchar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (std::isalnum(u)) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::size_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::size_t>(c - '0');
  }
  return v;
}

std::optional<std::size_t> parse_hex(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  std::size_t v = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::isxdigit(u)) return std::nullopt;
    v = v * 16 + static_cast<std::size_t>(std::isdigit(u) ? c - '0' : std::tolower(u) - 'a' + 10);
  }
  return v;
}

// Each comma-separated token of every instance of a header, trimmed and lower-cased.
std::vector<std::string> tokens_of(const Response& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : r.headers) {
    if (n != name) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto token = trim(rest.substr(0, comma));
      if (!token.empty()) out.push_back(lower(token));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

}  // namespace

std::string Response::header(std::string_view lower_name) const {
  for (const auto& [n, v] : headers)
    if (n == lower_name) return v;
  return "";
}

std::size_t Response::header_count(std::string_view lower_name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(), [&](const auto& h) { return h.first == lower_name; }));
}

bool Response::announces_close() const {
  const auto tokens = tokens_of(*this, "connection");
  return std::find(tokens.begin(), tokens.end(), "close") != tokens.end();
}

bool Response::is_problem_json() const {
  return lower(header("content-type")).rfind("application/problem+json", 0) == 0;
}

void ResponseParser::feed(std::string_view bytes) {
  buffer_.append(bytes);
}

ResponseParser::Result ResponseParser::fail(std::string why) {
  broken_ = true;
  error_ = std::move(why);
  return Result::malformed;
}

void ResponseParser::compact() {
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 64 * 1024 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
}

ResponseParser::Result ResponseParser::next(Response& out, bool answers_head) {
  if (broken_) return Result::malformed;
  const std::string_view data = buffered();
  if (data.empty()) return Result::need_more;

  // Whatever comes must start like a status line: bytes that do not (a HEAD answer's body, the
  // rest of someone else's answer) are caught at once, not after a timeout.
  constexpr std::string_view magic = "HTTP/";
  if (data.substr(0, std::min(data.size(), magic.size())) != magic.substr(0, std::min(data.size(), magic.size())))
    return fail("bytes that are not a status line: '" + std::string(data.substr(0, 40)) + "'");

  const auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (data.size() > kMaxHeadBytes) return fail("response head above 64 KiB");
    if (eof_) return fail("connection closed in the middle of a response head");
    return Result::need_more;
  }
  const std::string_view head = data.substr(0, head_end);

  Response r;
  std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // HTTP/x.y SP 3DIGIT [SP reason]
  if (status_line.size() < 12 || status_line[5] < '0' || status_line[5] > '9' || status_line[6] != '.' ||
      status_line[7] < '0' || status_line[7] > '9' || status_line[8] != ' ')
    return fail("bad status line: '" + std::string(status_line.substr(0, 80)) + "'");
  r.version = std::string(status_line.substr(0, 8));
  const auto code = parse_decimal(status_line.substr(9, 3));
  if (!code || *code < 100 || *code > 999 || (status_line.size() > 12 && status_line[12] != ' '))
    return fail("bad status code: '" + std::string(status_line.substr(0, 80)) + "'");
  r.status = static_cast<int>(*code);
  r.reason = status_line.size() > 13 ? std::string(status_line.substr(13)) : "";

  while (line_end != std::string_view::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, line_end == std::string_view::npos ? head.npos : line_end - start);
    if (line.empty()) return fail("empty header line inside a head");
    if (line.front() == ' ' || line.front() == '\t') return fail("obsolete line folding in a response");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("header without name or colon");
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_tchar)) return fail("bad header name '" + std::string(name) + "'");
    r.headers.emplace_back(lower(name), std::string(trim(line.substr(colon + 1))));
  }

  std::size_t consumed = head_end + 4;
  const bool no_body = answers_head || r.interim() || r.status == 204 || r.status == 304;
  if (!no_body) {
    const auto transfer = tokens_of(r, "transfer-encoding");
    const auto lengths = tokens_of(r, "content-length");
    if (!transfer.empty()) {
      if (transfer.back() != "chunked") return fail("transfer-encoding that is not chunked");
      if (!lengths.empty()) return fail("both content-length and transfer-encoding");
      std::size_t pos = consumed;
      for (;;) {
        const auto size_end = data.find("\r\n", pos);
        if (size_end == std::string_view::npos) return eof_ ? fail("truncated chunk size") : Result::need_more;
        std::string_view size_text = data.substr(pos, size_end - pos);
        size_text = trim(size_text.substr(0, size_text.find(';')));
        const auto size = parse_hex(size_text);
        if (!size) return fail("bad chunk size '" + std::string(size_text.substr(0, 20)) + "'");
        pos = size_end + 2;
        if (*size == 0) {
          // Trailer fields, then the final empty line.
          for (;;) {
            const auto trailer_end = data.find("\r\n", pos);
            if (trailer_end == std::string_view::npos) return eof_ ? fail("truncated trailers") : Result::need_more;
            const bool last = trailer_end == pos;
            pos = trailer_end + 2;
            if (last) break;
          }
          break;
        }
        if (r.body.size() + *size > kMaxBodyBytes) return fail("chunked body above 64 MiB");
        if (data.size() < pos + *size + 2) return eof_ ? fail("truncated chunk") : Result::need_more;
        r.body.append(data.substr(pos, *size));
        if (data.substr(pos + *size, 2) != "\r\n") return fail("chunk not followed by CRLF");
        pos += *size + 2;
      }
      consumed = pos;
    } else if (!lengths.empty()) {
      const auto length = parse_decimal(lengths.front());
      if (!length || !std::all_of(lengths.begin(), lengths.end(), [&](const auto& l) { return l == lengths.front(); }))
        return fail("bad content-length '" + r.header("content-length") + "'");
      if (*length > kMaxBodyBytes) return fail("content-length above 64 MiB");
      if (data.size() < consumed + *length) return eof_ ? fail("connection closed inside a body") : Result::need_more;
      r.body = std::string(data.substr(consumed, *length));
      consumed += *length;
    } else {
      // Delimited by the close of the connection.
      if (!eof_) {
        if (data.size() - consumed > kMaxBodyBytes) return fail("close-delimited body above 64 MiB");
        return Result::need_more;
      }
      r.body = std::string(data.substr(consumed));
      consumed = data.size();
    }
  }
  offset_ += consumed;
  compact();
  out = std::move(r);
  return Result::complete;
}

}  // namespace tasks::hostile
