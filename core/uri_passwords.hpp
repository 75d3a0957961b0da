#pragma once

// Where a PostgreSQL URI (TASKS_DB) holds passwords, found by libpq's own rules, so that the
// start-up log (core/config describe) and libpq's error messages (persistence/db_url) hide the
// same thing. libpq has no call that says where a password stood in the text: PQconninfoParse
// gives the decoded value, or on an error nothing but a message that quotes the text.

#include <string>
#include <string_view>
#include <vector>

namespace tasks {

struct TextSpan {
  size_t at = 0;
  size_t size = 0;
};

// The non-empty passwords of the URI as written, in order, without overlaps: the user
// information's (after its first ':'; libpq's user information ends at the first '@' before any
// '/', so a password may hold '?' or ':') and the value of each `password=` parameter after the
// first '?' (starting after a '&' or any later '?', ending at a '&': libpq's reading and more).
std::vector<TextSpan> password_spans(std::string_view uri);

// The URI with each password replaced by "***".
std::string hide_passwords(std::string_view uri);

}  // namespace tasks
