// A bulk publish answer (events/bulk read_bulk_answer, bulk_route_refused,
// bulk_answer_needs_single) for a request of two lanes, then judged as a round
// (events/round_result): any answer gives each lane its delivered prefix and at most one failed
// row, never an exception; what is written into the outbox about a failure (last_error, a dead
// letter's reason) is valid UTF-8, as PostgreSQL's TEXT requires.

#include <random>

#include "events/bulk.hpp"
#include "events/round_result.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/sidecar_answer.hpp"

namespace {

tasks::OutboxRow row(std::int64_t id, const std::string& user) {
  tasks::OutboxRow r;
  r.id = id;
  r.event.topic = "task-events";
  r.event.event_id = "e" + std::to_string(id);
  r.event.partition_key = user;
  r.event.payload = R"({"specversion":"1.0","id":"e)" + std::to_string(id) + R"(","data":{}})";
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tasks;
  const std::vector<Lane> lanes = {{"alice", {row(1, "alice"), row(2, "alice"), row(3, "alice")}},
                                   {"bob", {row(7, "bob"), row(8, "bob")}}};
  const std::vector<BulkPart> parts = {{0, 0, 3}, {1, 0, 2}};
  // The client keeps 256 KiB of a bulk answer (events/dapr_client.cpp).
  const auto answer = fuzz::sidecar_answer(fuzz::as_text(data, size), 256 * 1024);
  (void)bulk_route_refused(answer);
  (void)bulk_answer_needs_single(answer, 5);
  const auto read = read_bulk_answer(lanes, parts, answer);
  FUZZ_CHECK(read.parts.size() == parts.size());
  std::vector<LaneOutcome> outcomes;
  for (size_t p = 0; p < parts.size(); ++p) {
    const auto& attempts = read.parts[p].attempts;
    FUZZ_CHECK(!attempts.empty() && attempts.size() <= parts[p].count);
    for (size_t k = 0; k < attempts.size(); ++k) {
      FUZZ_CHECK(attempts[k].first == lanes[parts[p].lane].rows[parts[p].first + k].id);
      // Only the last attempt of a lane may be a failure: a lane stops at its first.
      if (k + 1 < attempts.size()) FUZZ_CHECK(is_delivered(attempts[k].second));
    }
    outcomes.push_back(read.parts[p]);
  }
  FUZZ_CHECK(read.reorder_risks <= 4);
  std::mt19937_64 rng(1);
  for (const millis last_delivered : {0LL, 1'000LL}) {
    TopicRecent recent{last_delivered};
    const auto round = judge_round("task-events", lanes, outcomes, recent, 2'000, RetryPolicy{}, rng);
    for (const auto& retry : round.report.retries) FUZZ_CHECK(fuzz::valid_utf8(retry.error));
    for (const auto& dead : round.report.dead) FUZZ_CHECK(fuzz::valid_utf8(dead.reason));
  }
  return 0;
}
