#pragma once

// What every event on Kafka must look like, whatever its type.

#include <boost/test/unit_test.hpp>
#include <string>

#include "events/cloud_event.hpp"
#include "http/request_meta.hpp"
#include "tests/support/stack.hpp"

namespace tasks::testing {

// The trace fields as they reach Kafka: a valid, non-empty W3C traceparent and a traceid equal
// to it (daprd left ours alone), equal to `traceparent` when given, and the request's
// tracestate. An event without a tracestate of its own gets `"tracestate": ""` from daprd (its
// envelope fills a missing tracestate from the publish call, whatever the traceid).
inline void check_trace(const KafkaRecord& r, const std::string& traceparent = "", const std::string& tracestate = "") {
  BOOST_REQUIRE(r.event.is_object());
  const std::string got = r.event.value("traceparent", "");
  BOOST_TEST(!got.empty(), r.event.dump());
  BOOST_TEST(http::traceparent_from(got) == got, r.event.dump());
  BOOST_TEST(r.event.value("traceid", "") == got, r.event.dump());
  if (!traceparent.empty()) BOOST_TEST(got == traceparent);
  BOOST_TEST(r.event.value("tracestate", "") == tracestate, r.event.dump());
}

// Record key and partitionKey header = the user; a valid CloudEvent of `type` about `task_id`
// whose correlationid (and traceparent and tracestate, when given) are the request's, with valid
// trace fields.
inline void check_record(const KafkaRecord& r, const std::string& user, const std::string& type,
                         const std::string& task_id, const std::string& correlation_id,
                         const std::string& traceparent = "", const std::string& tracestate = "") {
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
  check_trace(r, traceparent, tracestate);
}

}  // namespace tasks::testing
