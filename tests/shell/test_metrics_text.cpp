#include <boost/test/unit_test.hpp>

#include "shell/metrics_text.hpp"

using namespace tasks::shell;

namespace {

const std::string exposition =
    "# HELP tasks_http_requests_total HTTP requests answered\n"
    "# TYPE tasks_http_requests_total counter\n"
    "tasks_http_requests_total{method=\"GET\",route=\"/api/v1/tasks\",status=\"200\"} 3\n"
    "tasks_http_requests_total{method=\"POST\",route=\"/api/v1/tasks\",status=\"201\"} 4 1700000000000\n"
    "\n"
    "# a comment about nothing\n"
    "# HELP tasks_events_published_total events delivered\n"
    "# TYPE tasks_events_published_total counter\n"
    "tasks_events_published_total{topic=\"task-events\",type=\"task.created\"} 4\n"
    "process_open_fds 12\n"
    "tasks_latency_seconds_sum{route=\"a}b\"} 0.25\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics_text)

BOOST_AUTO_TEST_CASE(samples_are_name_labels_and_value) {
  auto samples = parse_samples(exposition);
  BOOST_TEST_REQUIRE(samples.size() == 5u);
  BOOST_TEST(samples[0].name == "tasks_http_requests_total");
  BOOST_TEST(samples[0].labels == R"({method="GET",route="/api/v1/tasks",status="200"})");
  BOOST_TEST(samples[0].value == "3");
  BOOST_TEST(samples[1].value == "4");  // the timestamp is not the value
  BOOST_TEST(samples[3].name == "process_open_fds");
  BOOST_TEST(samples[3].labels == "");
  BOOST_TEST(samples[4].labels == R"({route="a}b"})");  // a brace inside quotes does not end the labels
  BOOST_TEST(samples[4].value == "0.25");
}

BOOST_AUTO_TEST_CASE(the_prefix_keeps_its_metrics_with_their_help_and_type) {
  BOOST_TEST(filter_by_prefix(exposition, "tasks_http") ==
             "# HELP tasks_http_requests_total HTTP requests answered\n"
             "# TYPE tasks_http_requests_total counter\n"
             "tasks_http_requests_total{method=\"GET\",route=\"/api/v1/tasks\",status=\"200\"} 3\n"
             "tasks_http_requests_total{method=\"POST\",route=\"/api/v1/tasks\",status=\"201\"} 4 1700000000000\n");
  BOOST_TEST(parse_samples(filter_by_prefix(exposition, "tasks_")).size() == 4u);
  BOOST_TEST(parse_samples(filter_by_prefix(exposition, "")).size() == 5u);
  BOOST_TEST(filter_by_prefix(exposition, "nothing_like_it").empty());
}

BOOST_AUTO_TEST_CASE(labels_unescape) {
  auto labels = parse_labels(R"({a="1",b="x\"y",c="back\\slash",d="new\nline"})");
  BOOST_TEST(labels["a"] == "1");
  BOOST_TEST(labels["b"] == "x\"y");
  BOOST_TEST(labels["c"] == "back\\slash");
  BOOST_TEST(labels["d"] == "new\nline");
  BOOST_TEST(parse_labels("").empty());
}

BOOST_AUTO_TEST_CASE(json_samples_have_numbers_where_values_are_numbers) {
  auto j = samples_json(parse_samples(exposition));
  BOOST_TEST(j["samples"].size() == 5u);
  BOOST_TEST(j["samples"][0]["name"] == "tasks_http_requests_total");
  BOOST_TEST(j["samples"][0]["labels"]["status"] == "200");
  BOOST_TEST(j["samples"][0]["value"] == 3);
  BOOST_TEST(j["samples"][0]["value"].is_number_integer());
  BOOST_TEST(j["samples"][4]["value"] == 0.25);
  auto inf = samples_json({{"b", "{le=\"+Inf\"}", "+Inf"}});
  BOOST_TEST(inf["samples"][0]["value"] == "+Inf");
}

BOOST_AUTO_TEST_SUITE_END()
