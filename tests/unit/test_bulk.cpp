// Bulk publish as pure functions (events/bulk.hpp): the body built from lanes, and every kind of
// answer read into per-lane outcomes that the failure model judges as it judges single publish.

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "events/bulk.hpp"
#include "events/failure_model.hpp"

using namespace tasks;
using nlohmann::json;

namespace {

OutboxRow row(std::int64_t id, const std::string& user, const std::string& payload = "") {
  OutboxRow r;
  r.id = id;
  r.event.partition_key = user;
  r.event.payload = payload.empty() ? json{{"specversion", "1.0"}, {"id", "ev-" + std::to_string(id)}}.dump() : payload;
  return r;
}

// Two lanes: alice's rows 1, 3, 5 and bob's rows 2, 4.
std::vector<Lane> two_lanes() {
  return {Lane{"alice", {row(1, "alice"), row(3, "alice"), row(5, "alice")}},
          Lane{"bob", {row(2, "bob"), row(4, "bob")}}};
}

const std::vector<BulkPart> both = {BulkPart{0, 0, 3}, BulkPart{1, 0, 2}};

AttemptResult answer(long status, const json& body) {
  AttemptResult r;
  r.http_status = status;
  r.body = body.is_null() ? "" : body.dump();
  return r;
}

json partial(const std::vector<std::pair<std::string, std::string>>& failed) {
  json entries = json::array();
  for (const auto& [id, error] : failed) entries.push_back({{"entryId", id}, {"error", error}});
  return {{"failedEntries", entries}, {"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}};
}

// (row id, http status) of an outcome, for compact comparisons.
std::vector<std::pair<std::int64_t, long>> summary(const LaneOutcome& o) {
  std::vector<std::pair<std::int64_t, long>> out;
  for (const auto& [id, r] : o.attempts) out.emplace_back(id, r.http_status);
  return out;
}

using Summary = std::vector<std::pair<std::int64_t, long>>;

}  // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(Summary)

BOOST_AUTO_TEST_SUITE(bulk)

BOOST_AUTO_TEST_CASE(the_body_carries_each_lanes_rows_in_order_with_their_own_key_and_the_event_as_stored) {
  auto lanes = two_lanes();
  lanes[1].rows[0].event.partition_key = "b\"ob";  // escaped as JSON
  lanes[1].rows[0].event.payload = R"({"specversion":"1.0","id":"x","big":12345678901234567890,"s":"<&>"})";
  const auto body = json::parse(bulk_body(lanes, both));
  BOOST_REQUIRE(body.is_array());
  BOOST_REQUIRE(body.size() == 5u);
  const std::vector<std::string> ids = {"1", "3", "5", "2", "4"};
  for (size_t i = 0; i < 5; ++i) {
    BOOST_TEST(body[i]["entryId"] == ids[i]);
    BOOST_TEST(body[i]["contentType"] == "application/cloudevents+json");
    BOOST_TEST(body[i]["event"].is_object());
    BOOST_TEST(body[i]["metadata"].size() == 1u);
  }
  BOOST_TEST(body[0]["metadata"]["partitionKey"] == "alice");
  BOOST_TEST(body[3]["metadata"]["partitionKey"] == "b\"ob");
  BOOST_TEST(body[0]["event"]["id"] == "ev-1");
  // Embedded as it is, not re-serialised: the stored text is in the body byte for byte.
  BOOST_TEST(bulk_body(lanes, both).find(lanes[1].rows[0].event.payload) != std::string::npos);
  // A part of a lane: only its rows.
  const auto part = json::parse(bulk_body(lanes, {BulkPart{0, 1, 2}}));
  BOOST_TEST(part.size() == 2u);
  BOOST_TEST(part[0]["entryId"] == "3");
  BOOST_TEST(part[1]["entryId"] == "5");
}

BOOST_AUTO_TEST_CASE(a_part_stays_within_the_byte_budget_and_stops_before_a_payload_that_is_not_an_object) {
  Lane lane{"alice", {}};
  for (int i = 1; i <= 10; ++i)
    lane.rows.push_back(row(i, "alice", json{{"id", i}, {"pad", std::string(900, 'x')}}.dump()));
  BOOST_TEST(bulk_part_size(lane, 0, default_bulk_max_bytes) == 10u);
  const size_t one = bulk_entry_size(lane.rows[0]);
  BOOST_TEST(bulk_part_size(lane, 0, 2 + 3 * one) == 3u);
  BOOST_TEST(bulk_part_size(lane, 0, 2 + 3 * one - 1) == 2u);
  BOOST_TEST(bulk_part_size(lane, 8, 2 + 3 * one) == 2u);  // what is left
  BOOST_TEST(bulk_part_size(lane, 0, 10) == 1u);           // one row always goes, however big
  BOOST_TEST(bulk_body(std::vector<Lane>{lane}, {BulkPart{0, 0, 3}}).size() <= 2 + 3 * one);
  lane.rows[4].event.payload = R"({"id":5,"cut":)";  // not JSON (the mangle switch cuts payloads)
  BOOST_TEST(bulk_part_size(lane, 0, default_bulk_max_bytes) == 4u);
  BOOST_TEST(bulk_part_size(lane, 4, default_bulk_max_bytes) == 0u);  // it goes by single publish
  BOOST_TEST(bulk_part_size(lane, 5, default_bulk_max_bytes) == 5u);
  BOOST_TEST(!bulk_embeddable("[1,2]"));
  BOOST_TEST(!bulk_embeddable("\"text\""));
  BOOST_TEST(!bulk_embeddable(""));
  BOOST_TEST(bulk_embeddable(" {\"a\":1}"));
  // Cut anywhere, a real CloudEvent is refused; whole, it is taken.
  const std::string event =
      R"({"sequence":"00000000000000000007","specversion":"1.0","id":"e1","data":{"title":"a } in \"quotes\" ]",)"
      R"("tags":[{"x":1},[2]]},"time":"2026-12-01T09:00:00.000Z"})";
  BOOST_TEST(bulk_embeddable(event));
  for (size_t cut = 0; cut < event.size(); ++cut) BOOST_TEST_REQUIRE(!bulk_embeddable(event.substr(0, cut)), cut);
  BOOST_TEST(!bulk_embeddable(event + "}"));
  BOOST_TEST(!bulk_embeddable(event + ",{}"));
  BOOST_TEST(!bulk_embeddable(R"({"a":[1}])"));
  BOOST_TEST(!bulk_embeddable("{\"a\":\"line\nbreak\"}"));
  BOOST_TEST(bulk_embeddable(event + " \n"));
}

BOOST_AUTO_TEST_CASE(a_204_delivers_every_entry) {
  const auto lanes = two_lanes();
  const auto got = read_bulk_answer(lanes, both, answer(204, nullptr));
  BOOST_REQUIRE(got.parts.size() == 2u);
  BOOST_TEST(summary(got.parts[0]) == (Summary{{1, 204}, {3, 204}, {5, 204}}));
  BOOST_TEST(summary(got.parts[1]) == (Summary{{2, 204}, {4, 204}}));
  BOOST_TEST(got.reorder_risks == 0u);
}

BOOST_AUTO_TEST_CASE(a_failed_entry_in_the_middle_of_a_lane_stops_it_there_and_counts_the_later_written_ones) {
  const auto lanes = two_lanes();
  const auto got = read_bulk_answer(lanes, both, answer(500, partial({{"3", "kafka: partition offline"}})));
  // Alice: 1 delivered, 3 failed, 5 not sent (but written by the broker: a reorder risk). Bob: all.
  BOOST_TEST(summary(got.parts[0]) == (Summary{{1, 204}, {3, 500}}));
  BOOST_TEST(summary(got.parts[1]) == (Summary{{2, 204}, {4, 204}}));
  BOOST_TEST(got.reorder_risks == 1u);
  // The failed entry is judged as a single publish answered 500 ERR_PUBSUB_PUBLISH_MESSAGE.
  const auto& failed = got.parts[0].attempts[1].second;
  BOOST_TEST(error_code_of(failed.body) == "ERR_PUBSUB_PUBLISH_MESSAGE");
  BOOST_TEST(failed.body.find("partition offline") != std::string::npos);
  BOOST_TEST(to_string(decide(failed, true).scope) == std::string("lane"));
  BOOST_TEST(to_string(decide(failed, false).scope) == std::string("topic"));
}

BOOST_AUTO_TEST_CASE(failures_in_two_lanes_of_one_request_stop_each_at_its_own_first_failure) {
  const auto lanes = two_lanes();
  // Listed out of order, alice's later entry failing too: each lane stops at its first.
  const auto got = read_bulk_answer(lanes, both, answer(500, partial({{"5", "e5"}, {"2", "e2"}, {"3", "e3"}})));
  BOOST_TEST(summary(got.parts[0]) == (Summary{{1, 204}, {3, 500}}));
  BOOST_TEST(summary(got.parts[1]) == (Summary{{2, 500}}));
  BOOST_TEST(got.parts[1].attempts[0].second.body.find("e2") != std::string::npos);
  BOOST_TEST(got.reorder_risks == 1u);  // bob's 4 was written behind 2; alice's 5 failed itself
}

BOOST_AUTO_TEST_CASE(any_other_answer_is_the_first_rows_of_every_lane) {
  const auto lanes = two_lanes();
  for (const auto& a :
       {answer(404, {{"errorCode", "ERR_PUBSUB_NOT_FOUND"}, {"message", "no pubsub"}}),
        answer(403, {{"errorCode", "ERR_PUBSUB_FORBIDDEN"}, {"message", "not allowed"}}),
        answer(400, {{"errorCode", "ERR_PUBSUB_REQUEST_METADATA"}, {"message", "bad"}}), answer(503, nullptr),
        AttemptResult{0, Transport::timeout, "timed out", ""}, AttemptResult{0, Transport::connect, "refused", ""}}) {
    const auto got = read_bulk_answer(lanes, both, a);
    BOOST_TEST_CONTEXT(describe(a)) {
      BOOST_TEST(summary(got.parts[0]) == (Summary{{1, a.http_status}}));
      BOOST_TEST(summary(got.parts[1]) == (Summary{{2, a.http_status}}));
      BOOST_TEST((got.parts[0].attempts[0].second.transport == a.transport));
      BOOST_TEST(got.parts[0].attempts[0].second.body == a.body);
      BOOST_TEST(got.reorder_risks == 0u);
    }
  }
  // A 4xx with a code for the whole request is the failure model's as for one event: topic.
  const auto forbidden = read_bulk_answer(lanes, both, answer(403, {{"errorCode", "ERR_PUBSUB_FORBIDDEN"}}));
  BOOST_TEST(to_string(decide(forbidden.parts[0].attempts[0].second, true).scope) == std::string("topic"));
}

BOOST_AUTO_TEST_CASE(a_malformed_or_foreign_failed_entries_list_marks_nothing_delivered) {
  const auto lanes = two_lanes();
  const std::vector<json> bodies = {
      partial({{"99", "not ours"}}),                                                         // an entry we did not send
      partial({{"3", "ours"}, {"99", "not ours"}}),                                          // one of them not ours
      partial({}),                                                                           // an empty list
      {{"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}},                                         // no list
      {{"failedEntries", "3"}, {"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}},                 // not a list
      {{"failedEntries", {{{"entryId", 3}}}}, {"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}},  // id not a string
      {{"failedEntries", {"3"}}, {"errorCode", "ERR_PUBSUB_PUBLISH_MESSAGE"}},               // entry not an object
      {{"failedEntries", {{{"entryId", "3"}}}}, {"errorCode", "ERR_OTHER"}},                 // another code
  };
  for (const auto& body : bodies) {
    BOOST_TEST_CONTEXT(body.dump()) {
      const auto got = read_bulk_answer(lanes, both, answer(500, body));
      BOOST_TEST(summary(got.parts[0]) == (Summary{{1, 500}}));
      BOOST_TEST(summary(got.parts[1]) == (Summary{{2, 500}}));
      BOOST_TEST(got.reorder_risks == 0u);
    }
  }
  AttemptResult garbage{500, Transport::none, "", "{\"failedEntries\":[{\"entryId\":\"3\""};  // cut short
  BOOST_TEST(summary(read_bulk_answer(lanes, both, garbage).parts[0]) == (Summary{{1, 500}}));
  // A partial list with a 2xx status is still a 2xx: daprd sends no body then, and 204 means written.
  BOOST_TEST(summary(read_bulk_answer(lanes, both, answer(200, partial({{"3", "x"}}))).parts[0]).size() == 3u);
}

// Found by fuzz_bulk_answer: a failed entry's error is kept to 2048 bytes, and the cut fell inside
// a character, so building the entry's single publish answer (a JSON dump) threw out of
// read_bulk_answer, and out of the publisher's round.
BOOST_AUTO_TEST_CASE(a_long_entry_error_is_cut_at_a_character_boundary) {
  const auto lanes = two_lanes();
  const std::string error = std::string(2047, 'e') + "\u00e9 and more";  // U+00E9 spans bytes 2047 and 2048
  const auto got = read_bulk_answer(lanes, both, answer(500, partial({{"3", error}})));
  BOOST_TEST(summary(got.parts[0]) == (Summary{{1, 204}, {3, 500}}));
  const auto body = json::parse(got.parts[0].attempts[1].second.body);
  BOOST_TEST(body["message"].get<std::string>() == std::string(2047, 'e'));
}

BOOST_AUTO_TEST_CASE(only_a_missing_route_is_a_refused_bulk_route) {
  BOOST_TEST(bulk_route_refused(answer(404, nullptr)));
  BOOST_TEST(bulk_route_refused(AttemptResult{404, Transport::none, "", "404 page not found\n"}));
  BOOST_TEST(bulk_route_refused(answer(405, nullptr)));
  BOOST_TEST(!bulk_route_refused(answer(404, {{"errorCode", "ERR_PUBSUB_NOT_FOUND"}, {"message", "m"}})));
  BOOST_TEST(!bulk_route_refused(answer(405, {{"errorCode", "ERR_X"}})));
  BOOST_TEST(!bulk_route_refused(answer(400, nullptr)));
  BOOST_TEST(!bulk_route_refused(answer(204, nullptr)));
  BOOST_TEST(!bulk_route_refused(AttemptResult{0, Transport::connect, "refused", ""}));
}

BOOST_AUTO_TEST_CASE(an_answer_blaming_an_unnamed_entry_of_several_is_narrowed_to_single_publish) {
  const json events_ser = {{"errorCode", "ERR_PUBSUB_EVENTS_SER"}};
  BOOST_TEST(bulk_answer_needs_single(answer(400, events_ser), 2));
  BOOST_TEST(bulk_answer_needs_single(answer(500, {{"errorCode", "ERR_PUBSUB_CLOUD_EVENTS_SER"}}), 5));
  BOOST_TEST(bulk_answer_needs_single(answer(413, nullptr), 3));      // body too large for the sidecar
  BOOST_TEST(!bulk_answer_needs_single(answer(400, events_ser), 1));  // one entry: it is that one
  BOOST_TEST(!bulk_answer_needs_single(answer(500, partial({{"3", "x"}})), 3));
  BOOST_TEST(!bulk_answer_needs_single(answer(404, {{"errorCode", "ERR_PUBSUB_NOT_FOUND"}}), 3));
  BOOST_TEST(!bulk_answer_needs_single(AttemptResult{0, Transport::timeout, "t", ""}, 3));
}

BOOST_AUTO_TEST_SUITE_END()
