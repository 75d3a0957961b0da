#pragma once

// Outside text (a sidecar's answer, a broker's error) made fit for what only takes UTF-8: a
// PostgreSQL TEXT column (outbox.last_error, dead letters' reasons) and nlohmann's dump, which
// throws on anything else.

#include <string>
#include <string_view>

namespace tasks {

// At most the first `max_bytes` bytes of `text` as well-formed UTF-8 (Unicode Table 3-7: no
// overlong forms, surrogates or code points above U+10FFFF): each invalid byte becomes U+FFFD,
// and a character that the cut, or the end of `text`, falls inside is left out.
std::string utf8_prefix(std::string_view text, size_t max_bytes);

}  // namespace tasks
