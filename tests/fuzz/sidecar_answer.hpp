#pragma once

// A sidecar's answer as the Dapr client hands it to the publishers (events/dapr_client.cpp):
// the input's first line is the HTTP status in decimal (anything else: no HTTP answer, a broken
// connection), the rest the body's start as the client keeps it.

#include <charconv>

#include "events/retry_policy.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace tasks::fuzz {

inline AttemptResult sidecar_answer(std::string_view text, size_t kept_bytes) {
  const auto [status, body] = split(text, '\n');
  AttemptResult r;
  long value = 0;
  const auto [end, ec] = std::from_chars(status.data(), status.data() + status.size(), value);
  if (ec == std::errc{} && end == status.data() + status.size() && value >= 100 && value <= 999) {
    r.http_status = value;
    r.body = std::string(body.substr(0, kept_bytes));
  } else {
    r.transport = status == "timeout"   ? Transport::timeout
                  : status == "connect" ? Transport::connect
                                        : Transport::other;
    r.transport_error = std::string(status);
  }
  return r;
}

}  // namespace tasks::fuzz
