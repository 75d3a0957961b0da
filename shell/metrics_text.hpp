#pragma once

// The Prometheus text exposition format (what GET /metrics answers), read just enough to keep
// the metrics an operator asked for and to show them as a table or as JSON.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace tasks::shell {

struct Sample {
  std::string name;    // tasks_http_requests_total
  std::string labels;  // {method="GET",status="200"} as written, or ""
  std::string value;   // as written: "3", "0.25", "+Inf", "NaN"
};

// The sample lines of an exposition (comments and blank lines skipped; a trailing timestamp
// dropped). Lines that are not samples are skipped too.
std::vector<Sample> parse_samples(std::string_view exposition);

// The exposition reduced to the metrics whose name starts with `prefix`: their samples and
// their # HELP and # TYPE lines, in their order. An empty prefix keeps everything.
std::string filter_by_prefix(std::string_view exposition, std::string_view prefix);

// {method="GET",route="/a\"b"} → {method: GET, route: /a"b}. Malformed text gives what was read.
std::map<std::string, std::string> parse_labels(std::string_view labels);

// {"samples":[{"name","labels":{...},"value":3}]}: values that are numbers become numbers.
nlohmann::json samples_json(const std::vector<Sample>& samples);

}  // namespace tasks::shell
