#define BOOST_TEST_MODULE e2e
#include <boost/test/unit_test.hpp>

#include "tests/e2e/e2e.hpp"

using tasks::testing::EndToEndFixture;

// One real stack (Kafka + daprd) and one shared taskd for the whole run.
BOOST_TEST_GLOBAL_FIXTURE(EndToEndFixture);
