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
    case 408: return "request-timeout";
    case 409: return "conflict";
    case 411: return "length-required";
    case 413: return "body-too-large";
    case 415: return "unsupported-media-type";
    case 422: return "validation-failed";
    case 431: return "headers-too-large";
    case 501: return "not-implemented";
    case 503: return "service-unavailable";
    case 505: return "http-version-not-supported";
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
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

std::string problem_body(const Problem& p, const std::string& correlation_id) {
  nlohmann::ordered_json body = {
      {"type", std::string("urn:problem-type:tasks:") + (p.type.empty() ? type_slug(p.status) : p.type)},
      {"title", reason_phrase(p.status)},
      {"status", p.status},
      {"detail", p.detail},
      {"correlation_id", correlation_id},
  };
  if (!p.field.empty()) body["field"] = p.field;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tasks::http
