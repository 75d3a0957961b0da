#pragma once

// The CloudEvents `sequence` extension of an event: the user's commit sequence, which only the
// writing transaction can know (it is allocated under the user's lock, so it follows commit
// order whichever replica served the request). A consumer orders and de-duplicates one user's
// events by it: strictly increasing per user, the same number on every event of one commit.

#include <cstdint>
#include <string>

namespace tasks {

// The attribute's value: 20 decimal digits, so that text order is number order (the extension
// asks for a lexicographically orderable string).
std::string format_sequence(std::int64_t sequence);

// `payload` (a CloudEvent JSON object) with `"sequence"` as its first attribute. A payload that
// is not an object is returned as it was.
std::string with_sequence(const std::string& payload, std::int64_t sequence);

}  // namespace tasks
