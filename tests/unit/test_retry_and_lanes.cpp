#include <boost/test/unit_test.hpp>
#include <set>

#include "events/lanes.hpp"
#include "events/retry_policy.hpp"

using namespace tasks;
using std::chrono::milliseconds;

namespace {

AttemptResult transport(const std::string& e) {
  return AttemptResult{0, Transport::connect, e, ""};
}

OutboxRow row(std::int64_t id, const std::string& user) {
  OutboxRow r;
  r.id = id;
  r.event.partition_key = user;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(descriptions) {
  BOOST_TEST(describe(AttemptResult{500, Transport::none, "", R"({"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"})"}) ==
             R"(HTTP 500: {"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE"})");
  BOOST_TEST(describe(transport("Couldn't connect to server")) == "Couldn't connect to server");
}

// Found by fuzz_failure_model: the description goes into the outbox's last_error (and a dead
// letter's reason), a TEXT column that PostgreSQL refuses when it is not UTF-8 ("invalid byte
// sequence for encoding UTF8"), and with it the whole settle of the round. The sidecar's body was
// cut at 300 bytes inside a character, or was not UTF-8 at all.
BOOST_AUTO_TEST_CASE(descriptions_are_valid_utf8_whatever_the_sidecar_answered) {
  const std::string cut = std::string(299, 'a') + "\xC3\xA9 tail";  // U+00E9 spans bytes 299 and 300
  BOOST_TEST(describe(AttemptResult{500, Transport::none, "", cut}) == "HTTP 500: " + std::string(299, 'a'));
  BOOST_TEST(describe(AttemptResult{503, Transport::none, "", "d\xE9j\xE0 vu"}) == "HTTP 503: d\uFFFDj\uFFFD vu");
  BOOST_TEST(describe(AttemptResult{502, Transport::none, "", "caf\xC3\xA9"}) == "HTTP 502: caf\u00e9");
  BOOST_TEST(describe(transport("bad \xFF name")) == "bad \uFFFD name");
}

BOOST_AUTO_TEST_CASE(backoff_grows_exponentially_to_the_cap) {
  RetryPolicy p{milliseconds(100), 2.0, milliseconds(1000), milliseconds(60'000)};
  BOOST_TEST(backoff_ceiling(1, p).count() == 100);
  BOOST_TEST(backoff_ceiling(2, p).count() == 200);
  BOOST_TEST(backoff_ceiling(4, p).count() == 800);
  BOOST_TEST(backoff_ceiling(5, p).count() == 1000);
  BOOST_TEST(backoff_ceiling(500, p).count() == 1000);
  BOOST_TEST(backoff_ceiling(0, p).count() == 100);
}

BOOST_AUTO_TEST_CASE(full_jitter_stays_within_zero_and_the_ceiling_and_varies) {
  std::mt19937_64 rng(42);
  std::set<long> seen;
  for (int i = 0; i < 1000; ++i) {
    auto d = full_jitter(milliseconds(1000), rng).count();
    BOOST_TEST(d >= 0);
    BOOST_TEST(d <= 1000);
    seen.insert(d / 100);
  }
  BOOST_TEST(seen.size() >= 9u);  // spread over the whole range
  BOOST_TEST(full_jitter(milliseconds(0), rng).count() == 0);
}

BOOST_AUTO_TEST_CASE(age_limit_counts_from_the_first_own_failure) {
  RetryPolicy p{milliseconds(100), 2.0, milliseconds(1000), milliseconds(60'000)};
  BOOST_TEST(!too_old(1'000'000, 1'059'999, p));
  BOOST_TEST(too_old(1'000'000, 1'060'000, p));
  BOOST_TEST(!too_old(0, 9'000'000'000, p));  // no own failure yet: never too old
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lanes)

BOOST_AUTO_TEST_CASE(one_lane_per_user_in_commit_order_oldest_user_first) {
  auto lanes = plan_lanes({row(1, "b"), row(2, "a"), row(3, "b"), row(4, "c"), row(5, "a")}, 10, 10);
  BOOST_REQUIRE(lanes.size() == 3u);
  BOOST_TEST(lanes[0].user == "b");
  BOOST_TEST(lanes[0].rows.size() == 2u);
  BOOST_TEST(lanes[0].rows[0].id == 1);
  BOOST_TEST(lanes[0].rows[1].id == 3);
  BOOST_TEST(lanes[1].user == "a");
  BOOST_TEST(lanes[1].rows[1].id == 5);
  BOOST_TEST(lanes[2].user == "c");
}

BOOST_AUTO_TEST_CASE(caps_lanes_and_rows_per_lane) {
  auto lanes = plan_lanes({row(1, "a"), row(2, "b"), row(3, "a"), row(4, "c"), row(5, "a")}, 2, 2);
  BOOST_REQUIRE(lanes.size() == 2u);
  BOOST_TEST(lanes[0].rows.size() == 2u);  // a: 1, 3 (5 waits)
  BOOST_TEST(lanes[0].rows[1].id == 3);
  BOOST_TEST(lanes[1].user == "b");
  BOOST_TEST(plan_lanes({}, 4, 4).empty());
}

BOOST_AUTO_TEST_SUITE_END()
