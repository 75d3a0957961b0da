#include "shell/metrics_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace tasks::shell {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

template <typename Visit>
void each_line(std::string_view text, Visit visit) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    visit(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The metric a "# HELP name ..." or "# TYPE name ..." line is about, else "".
std::string_view comment_metric(std::string_view line) {
  for (std::string_view kind : {"# HELP ", "# TYPE "})
    if (starts_with(line, kind)) {
      std::string_view rest = line.substr(kind.size());
      return rest.substr(0, rest.find(' '));
    }
  return {};
}

// The end of a {...} label set starting at `open` (the index just past '}'), honouring quotes.
size_t labels_end(std::string_view line, size_t open) {
  bool quoted = false;
  for (size_t i = open + 1; i < line.size(); ++i) {
    if (quoted && line[i] == '\\') {
      ++i;
    } else if (line[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && line[i] == '}') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::vector<Sample> parse_samples(std::string_view exposition) {
  std::vector<Sample> out;
  each_line(exposition, [&](std::string_view raw) {
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') return;
    size_t i = 0;
    while (i < line.size() && name_char(line[i])) ++i;
    if (i == 0) return;
    Sample sample;
    sample.name = std::string(line.substr(0, i));
    if (i < line.size() && line[i] == '{') {
      const size_t end = labels_end(line, i);
      if (end == std::string_view::npos) return;
      sample.labels = std::string(line.substr(i, end - i));
      i = end;
    }
    std::string_view rest = trim(line.substr(i));
    rest = rest.substr(0, rest.find(' '));  // a timestamp may follow the value
    if (rest.empty()) return;
    sample.value = std::string(rest);
    out.push_back(std::move(sample));
  });
  return out;
}

std::string filter_by_prefix(std::string_view exposition, std::string_view prefix) {
  std::string out;
  each_line(exposition, [&](std::string_view line) {
    const std::string_view body = trim(line);
    if (body.empty()) return;
    std::string_view name = comment_metric(body);
    if (name.empty() && body.front() == '#') return;  // other comments belong to no metric
    if (name.empty()) {
      size_t i = 0;
      while (i < body.size() && name_char(body[i])) ++i;
      name = body.substr(0, i);
    }
    if (starts_with(name, prefix)) out += std::string(body) + "\n";
  });
  return out;
}

std::map<std::string, std::string> parse_labels(std::string_view labels) {
  std::map<std::string, std::string> out;
  if (!labels.empty() && labels.front() == '{') labels.remove_prefix(1);
  size_t i = 0;
  while (i < labels.size()) {
    while (i < labels.size() && (labels[i] == ',' || labels[i] == ' ')) ++i;
    const size_t eq = labels.find('=', i);
    if (eq == std::string_view::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') break;
    const std::string key(trim(labels.substr(i, eq - i)));
    std::string value;
    size_t j = eq + 2;
    for (; j < labels.size() && labels[j] != '"'; ++j) {
      if (labels[j] == '\\' && j + 1 < labels.size()) {
        ++j;
        value += labels[j] == 'n' ? '\n' : labels[j];
      } else {
        value += labels[j];
      }
    }
    out[key] = value;
    i = j + 1;
  }
  return out;
}

nlohmann::json samples_json(const std::vector<Sample>& samples) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : samples) {
    nlohmann::json value = s.value;
    char* end = nullptr;
    const double number = std::strtod(s.value.c_str(), &end);
    if (end != s.value.c_str() && *end == '\0' && std::isfinite(number)) {
      // Counters are whole numbers: keep them integers in the JSON (3, not 3.0).
      if (number == std::floor(number) && std::fabs(number) < 9e15)
        value = static_cast<long long>(number);
      else
        value = number;
    }
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : parse_labels(s.labels)) labels[k] = v;
    list.push_back({{"name", s.name}, {"labels", labels}, {"value", value}});
  }
  return {{"samples", list}};
}

}  // namespace tasks::shell
