// The pub/sub Component the real daprd runs in every end-to-end test is the Helm chart's own:
// stack/up.sh renders charts/tasks/templates/dapr-component.yaml with `helm template` (values
// pointing at the local broker) into daprd's resources path. So the events the other suites read
// on Kafka went through the chart's component configuration, not through a hand-written copy.

#include <boost/test/unit_test.hpp>

#include "tests/e2e/e2e.hpp"
#include "tests/support/http_client.hpp"

using namespace tasks::testing;

BOOST_AUTO_TEST_SUITE(chart_component)

BOOST_AUTO_TEST_CASE(the_sidecar_runs_the_component_rendered_from_the_chart) {
  auto& stack = EndToEnd::get().stack();
  const std::string component = read_whole_file(stack.component_file());
  // Rendered by Helm from this chart, not copied: Helm's standard labels name the chart.
  BOOST_TEST(component.find("helm.sh/chart: tasks-") != std::string::npos, component);
  BOOST_TEST(component.find("app.kubernetes.io/managed-by: Helm") != std::string::npos, component);
  BOOST_TEST(component.find("kind: Component") != std::string::npos, component);
  // The values the stack gave: this run's broker and app id (scopes hold it, or daprd would
  // not load the component for this app).
  BOOST_TEST(component.find(stack.brokers()) != std::string::npos, component);
  BOOST_TEST(component.find("scopes:") != std::string::npos, component);
  BOOST_TEST(component.find("- tasks-backend") != std::string::npos, component);

  HttpClient dapr(stack.dapr_endpoint());
  const auto metadata = dapr.request("GET", "/v1.0/metadata");
  BOOST_REQUIRE_EQUAL(metadata.status, 200);
  bool loaded = false;
  for (const auto& c : metadata.json().value("components", nlohmann::json::array()))
    if (c.value("name", "") == "pubsub-kafka" && c.value("type", "") == "pubsub.kafka") loaded = true;
  BOOST_TEST(loaded, metadata.body);
}

BOOST_AUTO_TEST_SUITE_END()
