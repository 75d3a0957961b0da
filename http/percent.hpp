#pragma once

// Percent-decoding (RFC 3986 §2.1) of a request target's query and path segments, in one place.
// libcurl decodes (curl_easy_unescape); what it lets through is refused here: it passes a '%'
// that starts no escape on as it stands, and turns %00 into a NUL byte that C strings, logs and
// the database would cut or choke on.

#include <map>
#include <string>
#include <string_view>

#include "core/validation.hpp"

namespace tasks::http {

// In a query '+' stands for a space too (application/x-www-form-urlencoded, as browsers and
// curl --data-urlencode write it); in a path it is itself ("alice+test@example.com").
enum class PlusSign { space, literal };

// The decoded bytes, or a 400 whose detail names the offending escape: a '%' not followed by
// two hex digits, or %00.
Validated<std::string> percent_decode(std::string_view text, PlusSign plus);

// The query's parameters, decoded (the first of a repeated one wins), or a 400 saying why not:
// a bad escape, %00, or a key or value that does not decode to UTF-8.
Validated<std::map<std::string, std::string>> query_parameters(std::string_view query);

}  // namespace tasks::http
