#pragma once

// RFC 9457 problem details: every error the API answers.

#include <string>

namespace tasks::http {

struct Problem {
  int status = 500;
  std::string detail;
  std::string field;      // the offending field of a 422, when there is one
  std::string type = {};  // the type's slug when the status alone does not say it
};

// The JSON body: {"type","title","status","detail"} plus "field" and "correlation_id".
std::string problem_body(const Problem& problem, const std::string& correlation_id);

// The standard reason phrase, which is also the problem's title.
const char* reason_phrase(int status);

}  // namespace tasks::http
