#include "events/round_result.hpp"

#include <map>

namespace tasks {

namespace {

void judge_failure(const OutboxRow& row, const AttemptResult& result, bool flowing, millis now,
                   const RetryPolicy& policy, std::mt19937_64& rng, RoundResult& out) {
  JudgedFailure f;
  f.row = &row;
  f.result = result;
  f.decision = decide(result, flowing);
  const std::int64_t attempts = row.attempts + 1;
  const auto& user = row.event.partition_key;
  DeliveryReport::Retry retry;
  retry.id = row.id;
  retry.user_id = user;
  retry.attempts = attempts;
  retry.error = describe(result);
  retry.bucket = row.bucket;
  switch (f.decision.scope) {
    case Scope::delivered: return;  // not a failure
    case Scope::poison:
      f.dead = true;
      f.dead_reason = "refused for itself (" + f.decision.reason + "): " + describe(result);
      break;
    case Scope::lane: {
      retry.first_failed_at = f.decision.ages ? (row.first_failed_at ? row.first_failed_at : now) : row.first_failed_at;
      if (f.decision.ages && too_old(retry.first_failed_at, now, policy)) {
        f.dead = true;
        f.dead_reason =
            "failing for itself for longer than TASKS_PUBLISH_MAX_AGE (" + f.decision.reason + "): " + describe(result);
        break;
      }
      retry.lane_backoff = true;
      retry.lane_failures = row.lane_failures + 1;
      f.retry_at = now + full_jitter(backoff_ceiling(retry.lane_failures, policy), rng).count();
      retry.next_attempt_at = f.retry_at;
      out.earliest_lane_retry = std::min(out.earliest_lane_retry, f.retry_at);
      break;
    }
    case Scope::topic:
      out.topic_trouble = true;
      retry.first_failed_at = 0;  // not the event's own failure: its clock starts again
      retry.next_attempt_at = now;
      break;
  }
  if (f.dead)
    out.report.dead.push_back({row.id, user, attempts, f.dead_reason, row.bucket});
  else
    out.report.retries.push_back(std::move(retry));
  out.failures.push_back(std::move(f));
}

}  // namespace

RoundResult judge_round(const std::string& topic, const std::vector<Lane>& lanes,
                        const std::vector<LaneOutcome>& outcomes, TopicRecent& recent, millis now,
                        const RetryPolicy& policy, std::mt19937_64& rng) {
  RoundResult out;
  out.report.topic = topic;
  std::map<std::int64_t, const OutboxRow*> by_id;
  for (const auto& lane : lanes)
    for (const auto& row : lane.rows) {
      by_id[row.id] = &row;
      if (row.bucket >= 0) out.report.leases[row.bucket] = row.epoch;
    }
  // Deliveries first: they are the evidence that the round's failures are not everyone's.
  for (const auto& lane : outcomes)
    for (const auto& [id, result] : lane.attempts)
      if (is_delivered(result)) {
        const OutboxRow& row = *by_id.at(id);
        out.report.delivered.push_back({id, row.event.partition_key, row.bucket});
        out.delivered.push_back(&row);
        out.delivered_any = true;
      }
  if (out.delivered_any) recent.last_delivered_at = now;
  const bool flowing = others_flowing(recent, now, policy.healthy_window);
  for (const auto& lane : outcomes)
    for (const auto& [id, result] : lane.attempts) {
      ++out.answered;
      judge_failure(*by_id.at(id), result, flowing, now, policy, rng, out);
    }
  return out;
}

}  // namespace tasks
