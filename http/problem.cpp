#include "http/problem.hpp"

#include <nlohmann/json.hpp>

namespace tasks::http {

namespace {

const char* type_slug(int status) {
  switch (status) {
    case 400: return "malformed-request";
    case 401: return "unauthenticated";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 413: return "body-too-large";
    case 415: return "unsupported-media-type";
    case 422: return "validation-failed";
    case 503: return "service-unavailable";
    default: return "error";
  }
}

}  // namespace

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

std::string problem_body(const Problem& p, const std::string& correlation_id) {
  nlohmann::ordered_json body = {
      {"type", std::string("urn:problem-type:tasks:") + type_slug(p.status)},
      {"title", reason_phrase(p.status)},
      {"status", p.status},
      {"detail", p.detail},
      {"correlation_id", correlation_id},
  };
  if (!p.field.empty()) body["field"] = p.field;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tasks::http
