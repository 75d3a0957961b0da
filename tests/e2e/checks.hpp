#pragma once

// What every event on Kafka must look like, whatever its type.

#include <boost/test/unit_test.hpp>
#include <string>

#include "events/cloud_event.hpp"
#include "tests/support/stack.hpp"

namespace tasks::testing {

// Record key and partitionKey header = the user; a valid CloudEvent of `type` about `task_id`
// whose correlationid (and traceparent, when given) are the request's.
inline void check_record(const KafkaRecord& r, const std::string& user, const std::string& type,
                         const std::string& task_id, const std::string& correlation_id,
                         const std::string& traceparent = "") {
  BOOST_TEST(r.key == user);
  BOOST_TEST(r.headers.count("partitionKey") == 1u);
  if (r.headers.count("partitionKey")) BOOST_TEST(r.headers.at("partitionKey") == user);
  BOOST_REQUIRE(r.event.is_object());
  BOOST_TEST(envelope_problems(r.event).empty(), r.event.dump());
  BOOST_TEST(r.event["specversion"] == "1.0");
  BOOST_TEST(r.event["type"] == type);
  BOOST_TEST(r.event["subject"] == task_id);
  BOOST_TEST(r.event["source"] == "tasks-backend");
  BOOST_TEST(r.event["datacontenttype"] == "application/json");
  BOOST_TEST(r.event["correlationid"] == correlation_id);
  BOOST_TEST(r.event["data"]["user_id"] == user);
  BOOST_TEST(r.event["data"]["task_id"] == task_id);
  BOOST_TEST(r.event["data"]["timestamp"] == r.event["time"]);
  if (!traceparent.empty()) BOOST_TEST(r.event["traceparent"] == traceparent);
}

}  // namespace tasks::testing
