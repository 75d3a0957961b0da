#include "events/retry_policy.hpp"

#include <algorithm>
#include <cmath>

#include "core/utf8.hpp"

namespace tasks {

std::string describe(const AttemptResult& r) {
  if (r.http_status == 0) return r.transport_error.empty() ? "no answer" : utf8_prefix(r.transport_error, 300);
  std::string out = "HTTP " + std::to_string(r.http_status);
  // The sidecar's bytes go into the outbox's last_error and the dead letters' reasons: PostgreSQL
  // refuses a text that is not UTF-8 (and with it the whole settle), so the cut must not split a
  // character and a body in another encoding is made valid.
  if (!r.body.empty()) out += ": " + utf8_prefix(r.body, 300);
  return out;
}

std::chrono::milliseconds backoff_ceiling(std::int64_t attempt, const RetryPolicy& policy) {
  const double exponent = static_cast<double>(std::max<std::int64_t>(attempt, 1) - 1);
  const double raw = static_cast<double>(policy.initial.count()) * std::pow(policy.factor, std::min(exponent, 64.0));
  const double capped = std::min(raw, static_cast<double>(policy.max.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped));
}

std::chrono::milliseconds full_jitter(std::chrono::milliseconds ceiling, std::mt19937_64& rng) {
  if (ceiling.count() <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling.count());
  return std::chrono::milliseconds(pick(rng));
}

bool too_old(millis first_failed_at, millis now, const RetryPolicy& policy) {
  return first_failed_at > 0 && now - first_failed_at >= policy.max_age.count();
}

}  // namespace tasks
