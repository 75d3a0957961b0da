#include "core/uri_passwords.hpp"

#include <algorithm>

namespace tasks {

std::vector<TextSpan> password_spans(std::string_view uri) {
  std::vector<TextSpan> spans;
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return spans;
  const auto start = scheme_end + 3;
  const auto authority = uri.substr(start, uri.find('/', start) - start);
  if (const auto at = authority.find('@'); at != std::string_view::npos)
    if (const auto colon = authority.find(':'); colon < at) spans.push_back({start + colon + 1, at - colon - 1});
  for (auto pos = uri.find('?'); pos != std::string_view::npos; pos = uri.find_first_of("?&", pos)) {
    ++pos;  // past the '?' or '&' (a later '?' too: more than libpq, never less)
    if (uri.substr(pos, 9) == "password=") {
      const auto value = pos + 9;
      spans.push_back({value, std::min(uri.find('&', value), uri.size()) - value});
    }
  }
  // Empty ones hide nothing; overlapping ones (a password holding "?password=") are one.
  std::erase_if(spans, [](const TextSpan& s) { return s.size == 0; });
  std::sort(spans.begin(), spans.end(), [](const TextSpan& a, const TextSpan& b) { return a.at < b.at; });
  std::vector<TextSpan> merged;
  for (const auto& s : spans)
    if (!merged.empty() && s.at <= merged.back().at + merged.back().size)
      merged.back().size = std::max(merged.back().at + merged.back().size, s.at + s.size) - merged.back().at;
    else
      merged.push_back(s);
  return merged;
}

std::string hide_passwords(std::string_view uri) {
  std::string out(uri);
  const auto spans = password_spans(uri);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) out.replace(it->at, it->size, "***");
  return out;
}

}  // namespace tasks
