#pragma once

// What travels with a request besides its body: the correlation id (taken from the client when
// it is sane, otherwise fresh) and the W3C trace context (the client's when well-formed,
// otherwise a fresh trace that taskd starts).

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tasks::http {

// The client's X-Correlation-ID when it is 1..128 visible ASCII characters, else a new UUID.
std::string correlation_id_from(const std::optional<std::string>& header);

// The traceparent when it is a valid W3C trace context header, else empty.
std::string traceparent_from(const std::optional<std::string>& header);

// The tracestate when it is a valid W3C list (at most 512 characters, at most 32 key=value
// members, each key once, keys and values as the grammar says), without the white space around
// it; empty when it is invalid or has no member. Several tracestate fields are one list joined
// by commas (combined_field_value).
std::string tracestate_from(const std::optional<std::string>& header);

// A traceparent of version 00 with these ids and flags, in lower-case hex.
std::string format_traceparent(const std::array<unsigned char, 16>& trace_id,
                               const std::array<unsigned char, 8>& parent_id, unsigned char flags);

// A fresh root traceparent: version 00, a random trace id and parent id (OpenSSL's CSPRNG, never
// all zero) and flags 01 (sampled), so that a parent-based sampler downstream keeps the trace.
std::string new_traceparent();

// The trace context a request travels with: its own traceparent when valid (with its tracestate
// when that is valid too), otherwise a fresh root traceparent and no tracestate (W3C: a
// tracestate is not parsed without a valid traceparent, and a restarted trace drops it).
struct TraceContext {
  std::string traceparent;  // never empty
  std::string tracestate;   // empty when there is none
  bool fresh = false;       // taskd started this trace
};
TraceContext trace_context_from(const std::optional<std::string>& traceparent,
                                const std::optional<std::string>& tracestate);

// The media type of a Content-Type value, lower-cased and without parameters.
std::string media_type(std::string_view content_type);

// The token of an `Authorization: Bearer <token>` header, or nothing.
std::optional<std::string> bearer_token(const std::optional<std::string>& header);

}  // namespace tasks::http
