#define BOOST_TEST_MODULE integration
#include <boost/test/unit_test.hpp>

#include "tests/integration/fixture.hpp"

using tasks::testing::GlobalEnvironment;

// One database server and one taskd for the whole run (tests use distinct users).
BOOST_TEST_GLOBAL_FIXTURE(GlobalEnvironment);
