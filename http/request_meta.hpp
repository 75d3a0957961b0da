#pragma once

// What travels with a request besides its body: the correlation id (taken from the client when
// it is sane, otherwise fresh) and the W3C traceparent (forwarded only when well-formed).

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tasks::http {

// The client's X-Correlation-ID when it is 1..128 visible ASCII characters, else a new UUID.
std::string correlation_id_from(const std::optional<std::string>& header);

// The traceparent when it is a valid W3C trace context header, else empty.
std::string traceparent_from(const std::optional<std::string>& header);

// The media type of a Content-Type value, lower-cased and without parameters.
std::string media_type(std::string_view content_type);

// Percent-decoding of a query key or value ('+' is a space); nothing when malformed.
std::optional<std::string> url_decode(std::string_view text);

// The query's parameters, percent-decoded (the first of a repeated one wins); nothing when the
// encoding is malformed.
std::optional<std::map<std::string, std::string>> query_parameters(std::string_view query);

// The token of an `Authorization: Bearer <token>` header, or nothing.
std::optional<std::string> bearer_token(const std::optional<std::string>& header);

}  // namespace tasks::http
