// The failure model (events/failure_model) over every row of daprd's error table
// (../shared/docs/dapr-facts.md), and a round's judgement (events/round_result).

#include <boost/test/unit_test.hpp>

#include "events/failure_model.hpp"
#include "events/round_result.hpp"

using namespace tasks;
using std::chrono::milliseconds;

namespace {

AttemptResult dapr(long status, const std::string& code) {
  return AttemptResult{status, Transport::none, "", R"({"errorCode":")" + code + R"(","message":"m"})"};
}
AttemptResult http(long status) {
  return AttemptResult{status, Transport::none, "", ""};
}
AttemptResult cut(Transport how) {
  return AttemptResult{0, how, "curl said no", ""};
}

struct Row {
  AttemptResult result;
  Scope when_others_flow;
  Scope when_nothing_flows;
  bool ages;  // when others flow
  const char* reason;
};

OutboxRow outbox_row(std::int64_t id, const std::string& user, std::int64_t lane_failures = 0,
                     millis first_failed_at = 0) {
  OutboxRow r;
  r.id = id;
  r.event.partition_key = user;
  r.event.event_id = "e" + std::to_string(id);
  r.lane_failures = lane_failures;
  r.first_failed_at = first_failed_at;
  return r;
}

LaneOutcome answered(std::vector<std::pair<std::int64_t, AttemptResult>> attempts) {
  return LaneOutcome{std::move(attempts)};
}

const RetryPolicy policy{milliseconds(100), 2.0, milliseconds(1000), milliseconds(60'000), milliseconds(30'000)};

}  // namespace

BOOST_AUTO_TEST_SUITE(failure_model)

BOOST_AUTO_TEST_CASE(every_row_of_daprds_error_table) {
  const std::vector<Row> table = {
      {http(204), Scope::delivered, Scope::delivered, false, ""},
      {http(200), Scope::delivered, Scope::delivered, false, ""},
      // The sidecar's or our request's trouble, the same for every event: never dead-lettered.
      {dapr(400, "ERR_PUBSUB_NOT_CONFIGURED"), Scope::topic, Scope::topic, false, "ERR_PUBSUB_NOT_CONFIGURED"},
      {dapr(404, "ERR_PUBSUB_NOT_FOUND"), Scope::topic, Scope::topic, false, "ERR_PUBSUB_NOT_FOUND"},
      {dapr(400, "ERR_PUBSUB_NOT_FOUND"), Scope::topic, Scope::topic, false, "ERR_PUBSUB_NOT_FOUND"},
      {dapr(404, "ERR_PUBSUB_EMPTY"), Scope::topic, Scope::topic, false, "ERR_PUBSUB_EMPTY"},
      {dapr(404, "ERR_TOPIC_NAME_EMPTY"), Scope::topic, Scope::topic, false, "ERR_TOPIC_NAME_EMPTY"},
      {dapr(400, "ERR_PUBSUB_REQUEST_METADATA"), Scope::topic, Scope::topic, false, "ERR_PUBSUB_REQUEST_METADATA"},
      {dapr(403, "ERR_PUBSUB_FORBIDDEN"), Scope::topic, Scope::topic, false, "ERR_PUBSUB_FORBIDDEN"},
      // The event's own: poison when others go through, the topic's otherwise.
      {dapr(500, "ERR_PUBSUB_CLOUD_EVENTS_SER"), Scope::poison, Scope::topic, true, "ERR_PUBSUB_CLOUD_EVENTS_SER"},
      {dapr(400, "ERR_PUBSUB_EVENTS_SER"), Scope::poison, Scope::topic, true, "ERR_PUBSUB_EVENTS_SER"},
      // The broker refused: one partition (some users) or all of it.
      {dapr(500, "ERR_PUBSUB_PUBLISH_MESSAGE"), Scope::lane, Scope::topic, true, "ERR_PUBSUB_PUBLISH_MESSAGE"},
      {dapr(500, "ERR_SOMETHING_NEW"), Scope::lane, Scope::topic, true, "ERR_SOMETHING_NEW"},
      // No errorCode (a proxy, an old sidecar): by status.
      {http(400), Scope::poison, Scope::topic, true, "http_400"},
      {http(413), Scope::poison, Scope::topic, true, "http_413"},
      {http(500), Scope::lane, Scope::topic, true, "http_500"},
      {http(503), Scope::lane, Scope::topic, true, "http_503"},
      {http(408), Scope::lane, Scope::topic, true, "http_408"},
      {http(401), Scope::topic, Scope::topic, false, "http_401"},
      {http(403), Scope::topic, Scope::topic, false, "http_403"},
      {http(404), Scope::topic, Scope::topic, false, "http_404"},
      {http(429), Scope::topic, Scope::topic, false, "http_429"},
      {http(302), Scope::topic, Scope::topic, false, "http_302"},
      // No HTTP answer.
      {cut(Transport::connect), Scope::topic, Scope::topic, false, "connect"},
      {cut(Transport::timeout), Scope::lane, Scope::topic, false, "timeout"},
      {cut(Transport::other), Scope::lane, Scope::topic, false, "transport"},
  };
  for (const auto& row : table) {
    const auto flowing = decide(row.result, true);
    const auto still = decide(row.result, false);
    const std::string label = std::to_string(row.result.http_status) + " " + row.reason;
    BOOST_TEST((flowing.scope == row.when_others_flow), label);
    BOOST_TEST((still.scope == row.when_nothing_flows), label);
    BOOST_TEST(flowing.ages == row.ages, label);
    BOOST_TEST(!still.ages, label);  // nothing ages without evidence that others go through
    BOOST_TEST(flowing.reason == row.reason, label);
  }
}

BOOST_AUTO_TEST_CASE(the_error_code_is_read_from_daprds_json_only) {
  BOOST_TEST(error_code_of(R"({"errorCode":"ERR_PUBSUB_NOT_CONFIGURED","message":"x"})") ==
             "ERR_PUBSUB_NOT_CONFIGURED");
  BOOST_TEST(error_code_of("not json").empty());
  BOOST_TEST(error_code_of(R"({"errorCode":7})").empty());
  BOOST_TEST(error_code_of(R"(["errorCode"])").empty());
  BOOST_TEST(error_code_of("").empty());
  BOOST_TEST(error_code_of(R"({"errorCode":"weird code {}"})") == "UNRECOGNISED_ERROR_CODE");
}

BOOST_AUTO_TEST_CASE(others_flow_only_within_the_window) {
  TopicRecent recent;
  BOOST_TEST(!others_flowing(recent, 1'000, milliseconds(30'000)));
  recent.last_delivered_at = 1'000;
  BOOST_TEST(others_flowing(recent, 31'000, milliseconds(30'000)));
  BOOST_TEST(!others_flowing(recent, 31'001, milliseconds(30'000)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(round_judgement)

BOOST_AUTO_TEST_CASE(a_failure_next_to_a_delivery_backs_off_that_lane_alone) {
  std::vector<Lane> lanes = {{"alice", {outbox_row(1, "alice", 2)}}, {"bob", {outbox_row(2, "bob")}}};
  std::vector<LaneOutcome> outcomes = {answered({{1, dapr(500, "ERR_PUBSUB_PUBLISH_MESSAGE")}}),
                                       answered({{2, http(204)}})};
  TopicRecent recent;
  std::mt19937_64 rng(7);
  auto r = judge_round("task-events", lanes, outcomes, recent, 10'000, policy, rng);
  BOOST_TEST(r.delivered_any);
  BOOST_TEST(!r.topic_trouble);
  BOOST_TEST(recent.last_delivered_at == 10'000);
  BOOST_REQUIRE(r.report.delivered.size() == 1u);
  BOOST_TEST(r.report.delivered[0].user_id == "bob");
  BOOST_REQUIRE(r.report.retries.size() == 1u);
  const auto& retry = r.report.retries[0];
  BOOST_TEST(retry.user_id == "alice");
  BOOST_TEST(retry.lane_backoff);
  BOOST_TEST(retry.lane_failures == 3);
  BOOST_TEST(retry.first_failed_at == 10'000);  // its own-failure clock starts
  BOOST_TEST(retry.next_attempt_at >= 10'000);
  BOOST_TEST(retry.next_attempt_at <= 10'000 + backoff_ceiling(3, policy).count());
  BOOST_TEST(r.earliest_lane_retry == retry.next_attempt_at);
  BOOST_TEST(r.report.dead.empty());
}

BOOST_AUTO_TEST_CASE(a_round_where_everything_fails_alike_is_the_topics_trouble) {
  std::vector<Lane> lanes = {{"alice", {outbox_row(1, "alice", 4, 5'000)}}, {"bob", {outbox_row(2, "bob")}}};
  std::vector<LaneOutcome> outcomes = {answered({{1, cut(Transport::connect)}}),
                                       answered({{2, cut(Transport::connect)}})};
  TopicRecent recent;
  std::mt19937_64 rng(7);
  auto r = judge_round("task-events", lanes, outcomes, recent, 10'000, policy, rng);
  BOOST_TEST(!r.delivered_any);
  BOOST_TEST(r.topic_trouble);
  BOOST_REQUIRE(r.report.retries.size() == 2u);
  for (const auto& retry : r.report.retries) {
    BOOST_TEST(!retry.lane_backoff);         // the topic backs off, not the lanes
    BOOST_TEST(retry.first_failed_at == 0);  // and no event's own clock runs
  }
  BOOST_TEST(r.report.dead.empty());
}

BOOST_AUTO_TEST_CASE(a_poison_event_is_dead_lettered_when_others_go_through) {
  std::vector<Lane> lanes = {{"alice", {outbox_row(1, "alice")}}};
  std::vector<LaneOutcome> outcomes = {answered({{1, dapr(400, "ERR_PUBSUB_EVENTS_SER")}})};
  TopicRecent recent{9'000};  // another event went through a second ago
  std::mt19937_64 rng(7);
  auto r = judge_round("task-events", lanes, outcomes, recent, 10'000, policy, rng);
  BOOST_REQUIRE(r.report.dead.size() == 1u);
  BOOST_TEST(r.report.dead[0].user_id == "alice");
  BOOST_TEST(r.report.dead[0].attempts == 1);
  BOOST_TEST(r.report.dead[0].reason.find("ERR_PUBSUB_EVENTS_SER") != std::string::npos);
  BOOST_TEST(r.report.retries.empty());
  // The same answer with nothing flowing for a minute: the topic's, not dead-lettered.
  TopicRecent stale{1'000};
  auto again = judge_round("task-events", lanes, outcomes, stale, 100'000, policy, rng);
  BOOST_TEST(again.report.dead.empty());
  BOOST_TEST(again.topic_trouble);
}

BOOST_AUTO_TEST_CASE(own_failures_past_the_maximum_age_are_dead_lettered_timeouts_never) {
  const millis now = 100'000;
  std::vector<Lane> lanes = {{"alice", {outbox_row(1, "alice", 9, now - 60'000)}},
                             {"carol", {outbox_row(3, "carol", 9, now - 60'000)}}};
  std::vector<LaneOutcome> outcomes = {answered({{1, dapr(500, "ERR_PUBSUB_PUBLISH_MESSAGE")}}),
                                       answered({{3, cut(Transport::timeout)}})};
  TopicRecent recent{now - 10};
  std::mt19937_64 rng(7);
  auto r = judge_round("task-events", lanes, outcomes, recent, now, policy, rng);
  BOOST_REQUIRE(r.report.dead.size() == 1u);
  BOOST_TEST(r.report.dead[0].id == 1);
  BOOST_TEST(r.report.dead[0].reason.find("TASKS_PUBLISH_MAX_AGE") != std::string::npos);
  BOOST_REQUIRE(r.report.retries.size() == 1u);
  BOOST_TEST(r.report.retries[0].id == 3);  // a timeout is never the event's own failure
  BOOST_TEST(r.report.retries[0].lane_backoff);
}

BOOST_AUTO_TEST_CASE(a_lane_delivered_up_to_its_failure_reports_both) {
  std::vector<Lane> lanes = {{"alice", {outbox_row(1, "alice"), outbox_row(2, "alice"), outbox_row(3, "alice")}}};
  std::vector<LaneOutcome> outcomes = {answered({{1, http(204)}, {2, dapr(500, "ERR_PUBSUB_PUBLISH_MESSAGE")}})};
  TopicRecent recent;
  std::mt19937_64 rng(7);
  auto r = judge_round("task-events", lanes, outcomes, recent, 10'000, policy, rng);
  BOOST_TEST(r.answered == 2u);
  BOOST_REQUIRE(r.report.delivered.size() == 1u);
  BOOST_TEST(r.report.delivered[0].id == 1);
  BOOST_REQUIRE(r.report.retries.size() == 1u);
  BOOST_TEST(r.report.retries[0].id == 2);
  BOOST_TEST(r.report.retries[0].lane_backoff);  // its own delivery counts as others flowing
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(probes)

BOOST_AUTO_TEST_CASE(probes_rotate_over_users_and_wrap_round) {
  std::vector<Lane> lanes = {
      {"carol", {outbox_row(1, "carol")}}, {"alice", {outbox_row(2, "alice")}}, {"bob", {outbox_row(3, "bob")}}};
  BOOST_TEST(lanes[pick_probe(lanes, "")].user == "alice");
  BOOST_TEST(lanes[pick_probe(lanes, "alice")].user == "bob");
  BOOST_TEST(lanes[pick_probe(lanes, "bob")].user == "carol");
  BOOST_TEST(lanes[pick_probe(lanes, "carol")].user == "alice");
  BOOST_TEST(lanes[pick_probe(lanes, "zed")].user == "alice");
  BOOST_TEST(pick_probe({}, "alice") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
